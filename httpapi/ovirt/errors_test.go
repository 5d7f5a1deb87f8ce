package ovirt_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/ovirt"
	"github.com/netslice/netslice/store/memory"
)

// TestErrorKinds: the Service's errors are matched with errors.Is by
// kind, and keep oVirt's words for the fault.
func TestErrorKinds(t *testing.T) {
	st := memory.New(nil)
	defer st.Close()
	svc, err := ovirt.NewService(st, ovirt.Options{})
	require.NoError(t, err)
	ctx := context.Background()

	_, _, err = svc.Network(ctx, "nope")
	assert.ErrorIs(t, err, ovirt.ErrNotFound)
	var oe *ovirt.Error
	require.True(t, errors.As(err, &oe))
	assert.Equal(t, "Not Found", oe.Reason)

	_, err = svc.CreateNetwork(ctx, ovirt.Network{Name: "lab", Usages: []string{"vm"}})
	require.NoError(t, err)
	_, err = svc.CreateNetwork(ctx, ovirt.Network{Name: "lab", Usages: []string{"vm"}})
	assert.ErrorIs(t, err, ovirt.ErrConflict)
	_, err = svc.CreateNetwork(ctx, ovirt.Network{Name: "bad", VLAN: 5000})
	assert.ErrorIs(t, err, ovirt.ErrInvalid)
}

// TestUnreadableNetwork: a stored network that does not decode is left
// out of the list, and said in the log, rather than dropped in silence or
// failing the whole list.
func TestUnreadableNetwork(t *testing.T) {
	st := memory.New(nil)
	defer st.Close()
	var logged bytes.Buffer
	svc, err := ovirt.NewService(st, ovirt.Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	require.NoError(t, err)
	ctx := context.Background()
	_, err = svc.CreateNetwork(ctx, ovirt.Network{Name: "lab", Usages: []string{"vm"}})
	require.NoError(t, err)
	_, err = st.Put(ctx, "ovirt/networks/broken", []byte("{not json"))
	require.NoError(t, err)
	ns, err := svc.Networks(ctx)
	require.NoError(t, err)
	require.Len(t, ns, 1)
	assert.Equal(t, "lab", ns[0].Name)
	assert.Contains(t, logged.String(), "ovirt/networks/broken")
}
