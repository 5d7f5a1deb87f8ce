package nicira_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow/internal/oftest"
	"github.com/netslice/netslice/openflow/nicira"
	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

// Open vSwitch reads the 1.0 controller messages as what they are.
func TestGoldenRoleOVS(t *testing.T) {
	// Open vSwitch 3 says primary and secondary for master and slave.
	oftest.Golden(t, nicira.RoleRequest(nicira.RoleMaster), []string{"NXT_ROLE_REQUEST", "role=primary"})
	oftest.Golden(t, nicira.RoleRequest(nicira.RoleSlave), []string{"NXT_ROLE_REQUEST", "role=secondary"})
	reply := nicira.RoleRequest(nicira.RoleSlave)
	reply.Data[3] = byte(nicira.SubtypeRoleReply)
	oftest.Golden(t, reply, []string{"NXT_ROLE_REPLY", "role=secondary"})
	cfg := of13.AsyncConfig{PacketInMask: [2]uint32{3, 3}, PortStatusMask: [2]uint32{7, 7}, FlowRemovedMask: [2]uint32{0, 0}}
	oftest.Golden(t, nicira.SetAsyncConfig(cfg), []string{"NXT_SET_ASYNC_CONFIG", "secondary:", "PACKET_IN: no_match action", "PORT_STATUS: add delete modify"})
}

func TestParseRoleReply(t *testing.T) {
	m := nicira.RoleRequest(nicira.RoleMaster)
	m.Data[3] = byte(nicira.SubtypeRoleReply)
	b, err := m.MarshalBinary()
	require.NoError(t, err)
	var got of10.Vendor
	require.NoError(t, got.UnmarshalBinary(b))
	r, err := nicira.ParseRoleReply(&got)
	require.NoError(t, err)
	assert.Equal(t, nicira.RoleMaster, r)
	_, err = nicira.ParseRoleReply(nicira.RoleRequest(nicira.RoleMaster))
	assert.ErrorIs(t, err, nicira.ErrInvalid, "a request is not a reply")
	_, err = nicira.ParseRoleReply(&of10.Vendor{Vendor: nicira.VendorID, Data: []byte{0, 0, 0, 11}})
	assert.ErrorIs(t, err, nicira.ErrInvalid, "short")
	assert.Equal(t, "SLAVE", nicira.RoleSlave.String())
}
