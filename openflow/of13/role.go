package of13

// Controller roles and the asynchronous messages a controller asks for:
// role_request/reply, get_async, set_async.

import (
	"github.com/netslice/netslice/openflow/internal/wire"
)

// RoleRequest asks to change (or learn) the controller's role.
type RoleRequest struct {
	Header
	Role         ControllerRole
	GenerationID uint64
}

// RoleReply answers a RoleRequest.
type RoleReply struct {
	Header
	Role         ControllerRole
	GenerationID uint64
}

func appendRole(b []byte, t Type, xid uint32, r ControllerRole, gen uint64) ([]byte, error) {
	start := len(b)
	return wire.Finish(a64(append(a32(head(b, t, xid), uint32(r)), 0, 0, 0, 0), gen), start)
}

func decodeRole(b []byte, t Type, h *Header, r *ControllerRole, gen *uint64) error {
	hd, d, err := begin(b, t)
	if err != nil {
		return err
	}
	*h, *r = hd, ControllerRole(d.U32())
	d.Skip(4)
	*gen = d.U64()
	return end(&d, t)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *RoleRequest) AppendBinary(b []byte) ([]byte, error) {
	return appendRole(b, TypeRoleRequest, m.XID, m.Role, m.GenerationID)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *RoleRequest) MarshalBinary() ([]byte, error) { return marshal(m, 24) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *RoleRequest) UnmarshalBinary(b []byte) error {
	return decodeRole(b, TypeRoleRequest, &m.Header, &m.Role, &m.GenerationID)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *RoleReply) AppendBinary(b []byte) ([]byte, error) {
	return appendRole(b, TypeRoleReply, m.XID, m.Role, m.GenerationID)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *RoleReply) MarshalBinary() ([]byte, error) { return marshal(m, 24) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *RoleReply) UnmarshalBinary(b []byte) error {
	return decodeRole(b, TypeRoleReply, &m.Header, &m.Role, &m.GenerationID)
}

// AsyncConfig says which asynchronous messages a controller receives, as
// bit masks by reason: index 0 in the master or equal role, 1 as slave.
type AsyncConfig struct {
	PacketInMask    [2]uint32
	PortStatusMask  [2]uint32
	FlowRemovedMask [2]uint32
}

// GetAsyncReply carries the asynchronous message configuration.
type GetAsyncReply struct {
	Header
	AsyncConfig
}

// SetAsync sets the asynchronous message configuration.
type SetAsync struct {
	Header
	AsyncConfig
}

func appendAsync(b []byte, t Type, xid uint32, c *AsyncConfig) ([]byte, error) {
	start := len(b)
	b = head(b, t, xid)
	for _, v := range [][2]uint32{c.PacketInMask, c.PortStatusMask, c.FlowRemovedMask} {
		b = a32(a32(b, v[0]), v[1])
	}
	return wire.Finish(b, start)
}

func decodeAsync(b []byte, t Type, h *Header, c *AsyncConfig) error {
	hd, d, err := begin(b, t)
	if err != nil {
		return err
	}
	*h = hd
	for _, v := range []*[2]uint32{&c.PacketInMask, &c.PortStatusMask, &c.FlowRemovedMask} {
		v[0], v[1] = d.U32(), d.U32()
	}
	return end(&d, t)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *GetAsyncReply) AppendBinary(b []byte) ([]byte, error) {
	return appendAsync(b, TypeGetAsyncReply, m.XID, &m.AsyncConfig)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *GetAsyncReply) MarshalBinary() ([]byte, error) { return marshal(m, 32) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *GetAsyncReply) UnmarshalBinary(b []byte) error {
	return decodeAsync(b, TypeGetAsyncReply, &m.Header, &m.AsyncConfig)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *SetAsync) AppendBinary(b []byte) ([]byte, error) {
	return appendAsync(b, TypeSetAsync, m.XID, &m.AsyncConfig)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *SetAsync) MarshalBinary() ([]byte, error) { return marshal(m, 32) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *SetAsync) UnmarshalBinary(b []byte) error {
	return decodeAsync(b, TypeSetAsync, &m.Header, &m.AsyncConfig)
}
