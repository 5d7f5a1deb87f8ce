package neutron_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/netslice/netslice/httpapi/internal/apitest"
	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store/memory"
)

func TestProviderNetworks(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{PhysicalNetworks: []string{"physnet1"}})
	net := func(token string, attrs map[string]any) (int, map[string]any) {
		status, body := e.raw(token, "POST", "/v2.0/networks", map[string]any{"network": attrs})
		return status, body
	}
	typ := func(body map[string]any) string { return apitest.Field[string](t, body, "NeutronError", "type") }
	status, body := net("admin-token", map[string]any{"provider:network_type": "vlan", "provider:physical_network": "physnet1", "provider:segmentation_id": 100})
	assert.Equal(t, 201, status, "%v", body)
	vlanID := apitest.Field[string](t, body, "network", "id")
	status, body = net("admin-token", map[string]any{"provider:network_type": "vlan", "provider:physical_network": "physnet1", "provider:segmentation_id": 100})
	assert.Equal(t, 409, status)
	assert.Equal(t, "VlanIdInUse", typ(body))
	status, body = net("admin-token", map[string]any{"provider:network_type": "vlan", "provider:physical_network": "physnet1", "provider:segmentation_id": 4095})
	assert.Equal(t, 400, status)
	status, body = net("admin-token", map[string]any{"provider:network_type": "vlan", "provider:physical_network": "physnet9"})
	assert.Equal(t, 400, status, "an unknown physical network")
	status, body = net("admin-token", map[string]any{"provider:network_type": "vlan", "provider:physical_network": "physnet1"})
	assert.Equal(t, 201, status, "%v", body)
	assert.EqualValues(t, "1", fmt.Sprint(apitest.Field[any](t, body, "network", "provider:segmentation_id")), "the lowest free VLAN")
	status, body = net("admin-token", map[string]any{"provider:network_type": "flat", "provider:physical_network": "physnet1"})
	assert.Equal(t, 201, status, "%v", body)
	status, body = net("admin-token", map[string]any{"provider:network_type": "flat", "provider:physical_network": "physnet1"})
	assert.Equal(t, 409, status)
	assert.Equal(t, "FlatNetworkInUse", typ(body))
	status, body = net("admin-token", map[string]any{"provider:network_type": "vxlan"})
	assert.Equal(t, 201, status, "%v", body)
	assert.EqualValues(t, "1", fmt.Sprint(apitest.Field[any](t, body, "network", "provider:segmentation_id")))
	status, body = net("admin-token", map[string]any{"provider:network_type": "local", "provider:segmentation_id": 3})
	assert.Equal(t, 400, status)
	status, body = net("alice-token", map[string]any{"provider:network_type": "vxlan"})
	assert.Equal(t, 403, status)
	// Provider attributes do not change once set.
	status, body = e.raw("admin-token", "PUT", "/v2.0/networks/"+vlanID, map[string]any{"network": map[string]any{"provider:segmentation_id": 101}})
	assert.Equal(t, 400, status)
	// Deleting the network frees its VLAN.
	status, _ = e.raw("admin-token", "DELETE", "/v2.0/networks/"+vlanID, nil)
	assert.Equal(t, 204, status)
	status, body = net("admin-token", map[string]any{"provider:network_type": "vlan", "provider:physical_network": "physnet1", "provider:segmentation_id": 100})
	assert.Equal(t, 201, status, "%v", body)
}
