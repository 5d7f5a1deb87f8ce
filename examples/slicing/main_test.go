package main

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun runs the example twice on one data directory, as the README
// tells a newcomer to, and checks the fabric followed the store.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	for i := range 2 {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), &out, dir, slog.New(slog.DiscardHandler)))
		text := out.String()
		assert.Contains(t, text, "bob replies                      slice demo/acme/office  forward to 0x00000000000000e0:1/untagged")
		assert.Contains(t, text, "carol (other tenant) to alice    slice demo/globex/lab   flood to [0x00000000000000e0:4/untagged]")
		assert.Contains(t, text, "bob to alice                     slice                   drop (no slice)")
		assert.Contains(t, text, "a stranger on alice's port       slice demo/acme/office  drop (source not admitted on port)")
		if i == 1 {
			assert.Contains(t, text, "configuration found in the store")
		}
	}
}
