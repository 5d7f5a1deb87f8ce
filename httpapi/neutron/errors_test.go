package neutron_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store/memory"
)

// TestErrorKinds: the Service's errors are matched with errors.Is by
// kind, and still name neutron's exception.
func TestErrorKinds(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := neutron.WithCaller(context.Background(), neutron.Caller{Project: "p1"})

	_, err := e.svc.Network(ctx, "00000000-0000-0000-0000-000000000000")
	assert.ErrorIs(t, err, neutron.ErrNotFound)
	assert.True(t, neutron.IsType(err, "NetworkNotFound"))

	_, err = e.svc.CreateNetwork(ctx, neutron.Attrs{"mtu": "lots"})
	assert.ErrorIs(t, err, neutron.ErrInvalid)

	n, err := e.svc.CreateNetwork(ctx, neutron.Attrs{"name": "n"})
	require.NoError(t, err)
	err = e.svc.DeleteNetwork(ctx, n.ID, n.RevisionNumber+1)
	assert.ErrorIs(t, err, neutron.ErrRevision)
	var ne *neutron.Error
	require.True(t, errors.As(err, &ne))
	assert.Equal(t, "RevisionNumberConstraintFailed", ne.Type)
	assert.False(t, errors.Is(err, neutron.ErrNotFound))
}

// TestNotRunning: a service whose Run never began says so, rather than
// leaving the caller with a bare deadline.
func TestNotRunning(t *testing.T) {
	svc, err := neutron.NewService(memory.New(nil), neutron.Options{})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = svc.Networks(ctx, neutron.Query{})
	assert.ErrorIs(t, err, neutron.ErrNotRunning)
}
