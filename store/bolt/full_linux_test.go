package bolt_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/bolt"
)

// TestIntegrationFullDisk: on a file system that fills up, a write fails
// with store.ErrNoSpace and writes nothing; what was written stays
// readable. (Root: it mounts a 2 MiB tmpfs of its own.)
func TestIntegrationFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=2m"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	st, err := bolt.Open(filepath.Join(dir, "db"), nil)
	require.NoError(t, err)
	defer st.Close()
	ctx := context.Background()
	value := []byte(strings.Repeat("x", 64<<10))
	var full error
	n := 0
	for ; n < 1000; n++ {
		if _, err := st.Put(ctx, fmt.Sprintf("k/%04d", n), value); err != nil {
			full = err
			break
		}
	}
	require.Error(t, full, "the disk never filled")
	assert.ErrorIs(t, full, store.ErrNoSpace)
	_, err = st.Get(ctx, fmt.Sprintf("k/%04d", n))
	assert.ErrorIs(t, err, store.ErrNotFound, "the failed write wrote nothing")
	kv, err := st.Get(ctx, "k/0000")
	require.NoError(t, err, "what was written stays readable")
	assert.Equal(t, value, kv.Value)
}
