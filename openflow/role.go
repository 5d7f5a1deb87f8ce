package openflow

// Controller roles, for several controllers sharing a switch: OpenFlow
// 1.3's role requests with generation ids (§6.3.7), and on OpenFlow 1.0
// Open vSwitch's Nicira role extension.

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/netslice/netslice/openflow/nicira"
	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

// Role is a controller's role towards a switch. A switch has at most one
// master; a slave may read but not change it (flow mods, packet-outs and
// the like are refused), and receives only the asynchronous messages its
// async configuration asks for. Every connection starts equal: full
// access, as every other equal controller.
type Role uint8

// Roles.
const (
	RoleEqual Role = iota
	RoleMaster
	RoleSlave
)

func (r Role) String() string {
	switch r {
	case RoleEqual:
		return "equal"
	case RoleMaster:
		return "master"
	case RoleSlave:
		return "slave"
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// ErrStaleGeneration is returned by SetRole when the switch refused the
// request because it has seen a newer generation id: another controller
// took over since (OpenFlow 1.3's OFPRRFC_STALE).
var ErrStaleGeneration = errors.New("openflow: stale generation id: another controller took over since")

// roleState is a Switch's role as last granted.
type roleState struct{ role atomic.Uint32 }

// SetRole asks the switch to give this connection role and returns once
// the switch granted it.
//
// generation orders the requests of controllers that take over from one
// another: on OpenFlow 1.3 a master or slave request whose generation id
// is older, by the spec's wrap-around distance, than the newest the
// switch has seen is refused with ErrStaleGeneration, so a controller that
// lost its mastership without knowing cannot take it back. OpenFlow 1.0
// (Open vSwitch's NXT_ROLE_REQUEST) has no generation ids: there the last
// request for master wins.
//
// When another controller becomes master, the switch makes this one a
// slave without saying so (before OpenFlow 1.4): Role goes on reporting
// what was granted last, and the switch refuses what a slave may not send.
func (s *Switch) SetRole(ctx context.Context, r Role, generation uint64) error {
	if r > RoleSlave {
		return fmt.Errorf("openflow: no role %v", r)
	}
	var req Message
	switch s.version {
	case Version13:
		role := map[Role]of13.ControllerRole{RoleEqual: of13.RoleEqual, RoleMaster: of13.RoleMaster, RoleSlave: of13.RoleSlave}[r]
		req = &of13.RoleRequest{Role: role, GenerationID: generation}
	case Version10:
		role := map[Role]nicira.Role{RoleEqual: nicira.RoleOther, RoleMaster: nicira.RoleMaster, RoleSlave: nicira.RoleSlave}[r]
		req = nicira.RoleRequest(role)
	default:
		return fmt.Errorf("openflow: no roles in %v", s.version)
	}
	replies, err := s.Request(ctx, req)
	if se := (*SwitchError)(nil); errors.As(err, &se) && se.Version == Version13 &&
		of13.ErrorType(se.Type) == of13.ErrorTypeRoleRequestFailed && se.Code == of13.RoleRequestFailedStale {
		return fmt.Errorf("%w (generation %d)", ErrStaleGeneration, generation)
	}
	if err != nil {
		return err
	}
	if len(replies) != 1 {
		return fmt.Errorf("openflow: role request answered with %d messages", len(replies))
	}
	var granted Role
	switch m := replies[0].(type) {
	case *of13.RoleReply:
		granted = map[of13.ControllerRole]Role{of13.RoleEqual: RoleEqual, of13.RoleMaster: RoleMaster, of13.RoleSlave: RoleSlave}[m.Role]
		if m.Role < of13.RoleEqual || m.Role > of13.RoleSlave {
			return fmt.Errorf("openflow: role reply with role %v", m.Role)
		}
	case *of10.Vendor:
		nr, err := nicira.ParseRoleReply(m)
		if err != nil {
			return err
		}
		granted = map[nicira.Role]Role{nicira.RoleOther: RoleEqual, nicira.RoleMaster: RoleMaster, nicira.RoleSlave: RoleSlave}[nr]
		if nr > nicira.RoleSlave {
			return fmt.Errorf("openflow: role reply with role %v", nr)
		}
	default:
		return fmt.Errorf("openflow: role request answered with %T", m)
	}
	if granted != r {
		return fmt.Errorf("openflow: asked for role %v, granted %v", r, granted)
	}
	s.role.role.Store(uint32(r))
	return nil
}

// Role returns the role the switch granted last (RoleEqual until SetRole).
func (s *Switch) Role() Role { return Role(s.role.role.Load()) }

// SetAsync says which asynchronous messages this connection receives in
// each role (OpenFlow 1.3's set_async; on 1.0, Open vSwitch's
// NXT_SET_ASYNC_CONFIG): masks of reasons, bit n for reason n, index 0 as
// master or equal and 1 as slave. It returns once the switch has taken it.
func (s *Switch) SetAsync(ctx context.Context, c of13.AsyncConfig) error {
	var m Message
	switch s.version {
	case Version13:
		m = &of13.SetAsync{AsyncConfig: c}
	case Version10:
		m = nicira.SetAsyncConfig(c)
	default:
		return fmt.Errorf("openflow: no async configuration in %v", s.version)
	}
	if err := s.Send(ctx, m); err != nil {
		return err
	}
	return s.Barrier(ctx)
}
