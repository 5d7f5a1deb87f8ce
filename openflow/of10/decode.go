package of10

import "github.com/netslice/netslice/openflow/internal/wire"

// Message is an OpenFlow 1.0 message: every message type of this package
// (as a pointer) satisfies it.
type Message interface {
	Head() *Header
	AppendBinary(b []byte) ([]byte, error)
	MarshalBinary() ([]byte, error)
	UnmarshalBinary(b []byte) error
}

// New returns an empty message of type t, or nil for an unknown type.
func New(t Type) Message {
	switch t {
	case TypeHello:
		return &Hello{}
	case TypeError:
		return &Error{}
	case TypeEchoRequest:
		return &EchoRequest{}
	case TypeEchoReply:
		return &EchoReply{}
	case TypeVendor:
		return &Vendor{}
	case TypeFeaturesRequest:
		return &FeaturesRequest{}
	case TypeFeaturesReply:
		return &FeaturesReply{}
	case TypeGetConfigRequest:
		return &GetConfigRequest{}
	case TypeGetConfigReply:
		return &GetConfigReply{}
	case TypeSetConfig:
		return &SetConfig{}
	case TypePacketIn:
		return &PacketIn{}
	case TypeFlowRemoved:
		return &FlowRemoved{}
	case TypePortStatus:
		return &PortStatus{}
	case TypePacketOut:
		return &PacketOut{}
	case TypeFlowMod:
		return &FlowMod{}
	case TypePortMod:
		return &PortMod{}
	case TypeStatsRequest:
		return &StatsRequest{}
	case TypeStatsReply:
		return &StatsReply{}
	case TypeBarrierRequest:
		return &BarrierRequest{}
	case TypeBarrierReply:
		return &BarrierReply{}
	case TypeQueueGetConfigRequest:
		return &QueueGetConfigRequest{}
	case TypeQueueGetConfigReply:
		return &QueueGetConfigReply{}
	}
	return nil
}

// Decode decodes one whole OpenFlow 1.0 message. The result may point into
// b. Errors are *openflow.DecodeError values with the offset and the OpenFlow error
// to reply with.
func Decode(b []byte) (Message, error) {
	return wire.DecodeAs(b, func(t uint8) (Message, bool) {
		m := New(Type(t))
		return m, m != nil
	}, func(t uint8) string { return Type(t).String() })
}
