package ovirt_test

import (
	"context"
	"errors"
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
