package kimchi_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/kimchi"
)

// TestErrorKinds: the Service's errors are matched with errors.Is by
// kind and keep Kimchi's code; a driver's error stays in the chain.
func TestErrorKinds(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	ctx := context.Background()

	_, err := e.svc.VM(ctx, "nope")
	assert.ErrorIs(t, err, kimchi.ErrNotFound)
	var ke *kimchi.Error
	require.True(t, errors.As(err, &ke))
	assert.Equal(t, "KCHVM0002E", ke.Code)

	memory := 100
	_, err = e.svc.CreateTemplate(ctx, kimchi.TemplateRequest{Memory: &memory})
	assert.ErrorIs(t, err, kimchi.ErrInvalid)
	assert.False(t, errors.Is(err, kimchi.ErrNotFound))
}
