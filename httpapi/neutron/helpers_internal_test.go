package neutron

import (
	"context"
	"testing"
)

// running runs svc for the test's duration.
func running(tb testing.TB, svc *Service) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.Run(ctx); close(done) }()
	tb.Cleanup(func() { cancel(); <-done })
}
