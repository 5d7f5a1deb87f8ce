package neutron_test

import (
	"context"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store"
)

func TestNetworkSubnetPortCRUD(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, neutron.Options{})
		ctx := context.Background()
		c := e.client("alice-token")
		up := true
		n, err := networks.Create(ctx, c, networks.CreateOpts{Name: "net1", AdminStateUp: &up}).Extract()
		require.NoError(t, err)
		assert.Equal(t, "net1", n.Name)
		assert.Equal(t, "ACTIVE", n.Status)
		assert.Equal(t, "project-a", n.TenantID)
		assert.Equal(t, "project-a", n.ProjectID)
		assert.Equal(t, 1, n.RevisionNumber)
		assert.Empty(t, n.Subnets)
		assert.False(t, n.CreatedAt.IsZero())

		sub, err := subnets.Create(ctx, c, subnets.CreateOpts{NetworkID: n.ID, CIDR: "10.0.0.0/24", IPVersion: 4}).Extract()
		require.NoError(t, err)
		assert.Equal(t, "10.0.0.1", sub.GatewayIP)
		assert.Equal(t, []subnets.AllocationPool{{Start: "10.0.0.2", End: "10.0.0.254"}}, sub.AllocationPools)
		assert.True(t, sub.EnableDHCP)

		n, err = networks.Get(ctx, c, n.ID).Extract()
		require.NoError(t, err)
		assert.Equal(t, []string{sub.ID}, n.Subnets)
		assert.Equal(t, 2, n.RevisionNumber, "a new subnet changes its network")

		p, err := ports.Create(ctx, c, ports.CreateOpts{NetworkID: n.ID, Name: "p1"}).Extract()
		require.NoError(t, err)
		require.Len(t, p.FixedIPs, 1)
		assert.Equal(t, "10.0.0.2", p.FixedIPs[0].IPAddress)
		assert.Regexp(t, "^fa:16:3e:", p.MACAddress)
		assert.Len(t, p.SecurityGroups, 1, "the project's default group")
		assert.Equal(t, "DOWN", p.Status)

		name := "renamed"
		p, err = ports.Update(ctx, c, p.ID, ports.UpdateOpts{Name: &name}).Extract()
		require.NoError(t, err)
		assert.Equal(t, "renamed", p.Name)
		assert.Equal(t, 2, p.RevisionNumber)

		err = networks.Delete(ctx, c, n.ID).ExtractErr()
		status, typ := neutronError(t, err)
		assert.Equal(t, 409, status)
		assert.Equal(t, "NetworkInUse", typ)

		err = subnets.Delete(ctx, c, sub.ID).ExtractErr()
		status, typ = neutronError(t, err)
		assert.Equal(t, 409, status)
		assert.Equal(t, "SubnetInUse", typ)

		require.NoError(t, ports.Delete(ctx, c, p.ID).ExtractErr())
		require.NoError(t, networks.Delete(ctx, c, n.ID).ExtractErr())
		_, err = subnets.Get(ctx, c, sub.ID).Extract()
		status, typ = neutronError(t, err)
		assert.Equal(t, 404, status)
		assert.Equal(t, "SubnetNotFound", typ)
		_, err = networks.Get(ctx, c, n.ID).Extract()
		status, typ = neutronError(t, err)
		assert.Equal(t, 404, status)
		assert.Equal(t, "NetworkNotFound", typ)
	})
}
