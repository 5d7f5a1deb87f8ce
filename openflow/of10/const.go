package of10

import "github.com/netslice/netslice/openflow/internal/wire"

// Version is the wire version of OpenFlow 1.0.
const Version = 0x01

// Type is an OpenFlow 1.0 message type.
type Type uint8

// Message types.
const (
	TypeHello                 Type = 0
	TypeError                 Type = 1
	TypeEchoRequest           Type = 2
	TypeEchoReply             Type = 3
	TypeVendor                Type = 4
	TypeFeaturesRequest       Type = 5
	TypeFeaturesReply         Type = 6
	TypeGetConfigRequest      Type = 7
	TypeGetConfigReply        Type = 8
	TypeSetConfig             Type = 9
	TypePacketIn              Type = 10
	TypeFlowRemoved           Type = 11
	TypePortStatus            Type = 12
	TypePacketOut             Type = 13
	TypeFlowMod               Type = 14
	TypePortMod               Type = 15
	TypeStatsRequest          Type = 16
	TypeStatsReply            Type = 17
	TypeBarrierRequest        Type = 18
	TypeBarrierReply          Type = 19
	TypeQueueGetConfigRequest Type = 20
	TypeQueueGetConfigReply   Type = 21
)

var typeNames = []string{"HELLO", "ERROR", "ECHO_REQUEST", "ECHO_REPLY", "VENDOR", "FEATURES_REQUEST",
	"FEATURES_REPLY", "GET_CONFIG_REQUEST", "GET_CONFIG_REPLY", "SET_CONFIG", "PACKET_IN", "FLOW_REMOVED",
	"PORT_STATUS", "PACKET_OUT", "FLOW_MOD", "PORT_MOD", "STATS_REQUEST", "STATS_REPLY", "BARRIER_REQUEST",
	"BARRIER_REPLY", "QUEUE_GET_CONFIG_REQUEST", "QUEUE_GET_CONFIG_REPLY"}

func (t Type) String() string { return wire.Name(typeNames, uint64(t), "Type") }

// Port numbers: physical ports are 1 to PortMax; the rest are reserved.
const (
	PortMax        uint16 = 0xff00
	PortInPort     uint16 = 0xfff8
	PortTable      uint16 = 0xfff9
	PortNormal     uint16 = 0xfffa
	PortFlood      uint16 = 0xfffb
	PortAll        uint16 = 0xfffc
	PortController uint16 = 0xfffd
	PortLocal      uint16 = 0xfffe
	PortNone       uint16 = 0xffff
)

var portNames = map[uint16]string{PortInPort: "IN_PORT", PortTable: "TABLE", PortNormal: "NORMAL",
	PortFlood: "FLOOD", PortAll: "ALL", PortController: "CONTROLLER", PortLocal: "LOCAL", PortNone: "NONE"}

// PortName returns the name of a reserved port, or its number.
func PortName(p uint16) string { return wire.MapName(portNames, p, "port") }

// NoBuffer: the message carries the whole packet, no switch buffer.
const NoBuffer uint32 = 0xffffffff

// Capabilities of a switch (FeaturesReply).
const (
	CapFlowStats  uint32 = 1 << 0
	CapTableStats uint32 = 1 << 1
	CapPortStats  uint32 = 1 << 2
	CapSTP        uint32 = 1 << 3
	CapIPReasm    uint32 = 1 << 5
	CapQueueStats uint32 = 1 << 6
	CapARPMatchIP uint32 = 1 << 7
)

// Switch configuration flags.
const (
	ConfigFragNormal uint16 = 0
	ConfigFragDrop   uint16 = 1
	ConfigFragReasm  uint16 = 2
	ConfigFragMask   uint16 = 3
)

// Port config and state bits.
const (
	PortConfigDown       uint32 = 1 << 0
	PortConfigNoSTP      uint32 = 1 << 1
	PortConfigNoRecv     uint32 = 1 << 2
	PortConfigNoRecvSTP  uint32 = 1 << 3
	PortConfigNoFlood    uint32 = 1 << 4
	PortConfigNoFwd      uint32 = 1 << 5
	PortConfigNoPacketIn uint32 = 1 << 6

	PortStateLinkDown uint32 = 1 << 0
)

// PacketInReason says why a packet came to the controller.
type PacketInReason uint8

// Packet-in reasons.
const (
	ReasonNoMatch PacketInReason = 0
	ReasonAction  PacketInReason = 1
)

func (r PacketInReason) String() string {
	return wire.Name([]string{"NO_MATCH", "ACTION"}, uint64(r), "PacketInReason")
}

// FlowRemovedReason says why a flow went.
type FlowRemovedReason uint8

// Flow-removed reasons.
const (
	RemovedIdleTimeout FlowRemovedReason = 0
	RemovedHardTimeout FlowRemovedReason = 1
	RemovedDelete      FlowRemovedReason = 2
)

func (r FlowRemovedReason) String() string {
	return wire.Name([]string{"IDLE_TIMEOUT", "HARD_TIMEOUT", "DELETE"}, uint64(r), "FlowRemovedReason")
}

// PortReason says what happened to a port.
type PortReason uint8

// Port-status reasons.
const (
	PortAdded    PortReason = 0
	PortDeleted  PortReason = 1
	PortModified PortReason = 2
)

func (r PortReason) String() string {
	return wire.Name([]string{"ADD", "DELETE", "MODIFY"}, uint64(r), "PortReason")
}

// FlowModCommand is what a FlowMod does.
type FlowModCommand uint16

// Flow-mod commands.
const (
	FlowAdd          FlowModCommand = 0
	FlowModify       FlowModCommand = 1
	FlowModifyStrict FlowModCommand = 2
	FlowDelete       FlowModCommand = 3
	FlowDeleteStrict FlowModCommand = 4
)

func (c FlowModCommand) String() string {
	return wire.Name([]string{"ADD", "MODIFY", "MODIFY_STRICT", "DELETE", "DELETE_STRICT"}, uint64(c), "FlowModCommand")
}

// Flow-mod flags.
const (
	FlowSendFlowRem  uint16 = 1 << 0
	FlowCheckOverlap uint16 = 1 << 1
	FlowEmerg        uint16 = 1 << 2
)

// StatsType is the kind of a stats request or reply.
type StatsType uint16

// Stats types.
const (
	StatsDesc      StatsType = 0
	StatsFlow      StatsType = 1
	StatsAggregate StatsType = 2
	StatsTable     StatsType = 3
	StatsPort      StatsType = 4
	StatsQueue     StatsType = 5
	StatsVendor    StatsType = 0xffff
)

func (t StatsType) String() string {
	if t == StatsVendor {
		return "VENDOR"
	}
	return wire.Name([]string{"DESC", "FLOW", "AGGREGATE", "TABLE", "PORT", "QUEUE"}, uint64(t), "StatsType")
}

// StatsMore flags a reply that more parts follow.
const StatsMore uint16 = 1

// Queue property types.
const (
	QueuePropNone    uint16 = 0
	QueuePropMinRate uint16 = 1
)

// NiciraID is the vendor id of Nicira (Open vSwitch) extensions.
const NiciraID uint32 = 0x00002320

// ErrorType is the type of an OpenFlow 1.0 error message.
type ErrorType uint16

// Error types.
const (
	ErrorTypeHelloFailed   ErrorType = 0
	ErrorTypeBadRequest    ErrorType = 1
	ErrorTypeBadAction     ErrorType = 2
	ErrorTypeFlowModFailed ErrorType = 3
	ErrorTypePortModFailed ErrorType = 4
	ErrorTypeQueueOpFailed ErrorType = 5
)

// The error types' former names, which read as if they were errors.
//
// Deprecated: use the ErrorType names (ErrBadRequest is ErrorTypeBadRequest).
const (
	ErrHelloFailed   = ErrorTypeHelloFailed
	ErrBadRequest    = ErrorTypeBadRequest
	ErrBadAction     = ErrorTypeBadAction
	ErrFlowModFailed = ErrorTypeFlowModFailed
	ErrPortModFailed = ErrorTypePortModFailed
	ErrQueueOpFailed = ErrorTypeQueueOpFailed
)

func (t ErrorType) String() string {
	return wire.Name([]string{"HELLO_FAILED", "BAD_REQUEST", "BAD_ACTION", "FLOW_MOD_FAILED", "PORT_MOD_FAILED",
		"QUEUE_OP_FAILED"}, uint64(t), "ErrorType")
}

// Error codes, by type, named for the specification's (OFPBRC_BAD_LEN is
// BadRequestBadLen).
const (
	HelloFailedIncompatible = 0
	HelloFailedEPerm        = 1

	BadRequestBadVersion    = 0
	BadRequestBadType       = 1
	BadRequestBadStat       = 2
	BadRequestBadVendor     = 3
	BadRequestBadSubtype    = 4
	BadRequestEPerm         = 5
	BadRequestBadLen        = 6
	BadRequestBufferEmpty   = 7
	BadRequestBufferUnknown = 8

	BadActionBadType       = 0
	BadActionBadLen        = 1
	BadActionBadVendor     = 2
	BadActionBadVendorType = 3
	BadActionBadOutPort    = 4
	BadActionBadArgument   = 5
	BadActionEPerm         = 6
	BadActionTooMany       = 7
	BadActionBadQueue      = 8

	FlowModFailedAllTablesFull   = 0
	FlowModFailedOverlap         = 1
	FlowModFailedEPerm           = 2
	FlowModFailedBadEmergTimeout = 3
	FlowModFailedBadCommand      = 4
	FlowModFailedUnsupported     = 5

	PortModFailedBadPort   = 0
	PortModFailedBadHWAddr = 1

	QueueOpFailedBadPort  = 0
	QueueOpFailedBadQueue = 1
	QueueOpFailedEPerm    = 2
)

var errorCodeNames = map[ErrorType][]string{
	ErrorTypeHelloFailed: {"INCOMPATIBLE", "EPERM"},
	ErrorTypeBadRequest: {"BAD_VERSION", "BAD_TYPE", "BAD_STAT", "BAD_VENDOR", "BAD_SUBTYPE", "EPERM", "BAD_LEN",
		"BUFFER_EMPTY", "BUFFER_UNKNOWN"},
	ErrorTypeBadAction: {"BAD_TYPE", "BAD_LEN", "BAD_VENDOR", "BAD_VENDOR_TYPE", "BAD_OUT_PORT", "BAD_ARGUMENT", "EPERM",
		"TOO_MANY", "BAD_QUEUE"},
	ErrorTypeFlowModFailed: {"ALL_TABLES_FULL", "OVERLAP", "EPERM", "BAD_EMERG_TIMEOUT", "BAD_COMMAND", "UNSUPPORTED"},
	ErrorTypePortModFailed: {"BAD_PORT", "BAD_HW_ADDR"},
	ErrorTypeQueueOpFailed: {"BAD_PORT", "BAD_QUEUE", "EPERM"},
}

// ErrorCodeString names code as an error of type t ("BAD_LEN").
func ErrorCodeString(t ErrorType, code uint16) string {
	return wire.Name(errorCodeNames[t], uint64(code), "Code")
}
