package nicira

// Controller roles and asynchronous message configuration on OpenFlow 1.0,
// where the protocol has neither: Open vSwitch's NXT_ROLE_REQUEST,
// NXT_ROLE_REPLY and NXT_SET_ASYNC_CONFIG vendor messages. OpenFlow 1.3
// has them natively (of13.RoleRequest, of13.SetAsync).

import (
	"encoding/binary"
	"fmt"

	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

// Vendor message subtypes (the 32-bit word after the vendor id).
const (
	SubtypeRoleRequest    uint32 = 10 // NXT_ROLE_REQUEST
	SubtypeRoleReply      uint32 = 11 // NXT_ROLE_REPLY
	SubtypeSetAsyncConfig uint32 = 19 // NXT_SET_ASYNC_CONFIG
)

// Role is a controller's role in the Nicira extension. Unlike OpenFlow
// 1.3's it has no generation id: the switch keeps at most one master and
// makes the previous one a slave when another asks to be master.
type Role uint32

// Roles.
const (
	RoleOther  Role = 0 // NX_ROLE_OTHER: equal to every other controller
	RoleMaster Role = 1 // NX_ROLE_MASTER
	RoleSlave  Role = 2 // NX_ROLE_SLAVE: may not change the switch
)

func (r Role) String() string {
	switch r {
	case RoleOther:
		return "OTHER"
	case RoleMaster:
		return "MASTER"
	case RoleSlave:
		return "SLAVE"
	}
	return fmt.Sprintf("Role(%d)", uint32(r))
}

func vendor(subtype uint32, body []byte) *of10.Vendor {
	return &of10.Vendor{Vendor: VendorID, Data: append(binary.BigEndian.AppendUint32(nil, subtype), body...)}
}

// RoleRequest asks an OpenFlow 1.0 switch for a role; the switch answers
// with a role reply (ParseRoleReply) carrying the same transaction id.
func RoleRequest(r Role) *of10.Vendor { return vendor(SubtypeRoleRequest, u32(uint32(r))) }

// ParseRoleReply returns the role a role reply grants.
func ParseRoleReply(m *of10.Vendor) (Role, error) {
	if m.Vendor != VendorID || len(m.Data) != 8 || binary.BigEndian.Uint32(m.Data) != SubtypeRoleReply {
		return 0, fmt.Errorf("%w: not a Nicira role reply (vendor %#x, %d bytes)", ErrInvalid, m.Vendor, len(m.Data))
	}
	return Role(binary.BigEndian.Uint32(m.Data[4:])), nil
}

// SetAsyncConfig says which asynchronous messages an OpenFlow 1.0
// connection receives, in the layout of OpenFlow 1.3's set_async: for
// each kind a mask of reasons (bit n for reason n) as master or other
// (index 0) and as slave (index 1).
func SetAsyncConfig(c of13.AsyncConfig) *of10.Vendor {
	var b []byte
	for _, v := range [][2]uint32{c.PacketInMask, c.PortStatusMask, c.FlowRemovedMask} {
		b = binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(b, v[0]), v[1])
	}
	return vendor(SubtypeSetAsyncConfig, b)
}
