package of13

import "github.com/netslice/netslice/openflow/internal/wire"

// Version is the wire version of OpenFlow 1.3.
const Version = 0x04

// Type is an OpenFlow 1.3 message type.
type Type uint8

// Message types.
const (
	TypeHello                 Type = 0
	TypeError                 Type = 1
	TypeEchoRequest           Type = 2
	TypeEchoReply             Type = 3
	TypeExperimenter          Type = 4
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
	TypeGroupMod              Type = 15
	TypePortMod               Type = 16
	TypeTableMod              Type = 17
	TypeMultipartRequest      Type = 18
	TypeMultipartReply        Type = 19
	TypeBarrierRequest        Type = 20
	TypeBarrierReply          Type = 21
	TypeQueueGetConfigRequest Type = 22
	TypeQueueGetConfigReply   Type = 23
	TypeRoleRequest           Type = 24
	TypeRoleReply             Type = 25
	TypeGetAsyncRequest       Type = 26
	TypeGetAsyncReply         Type = 27
	TypeSetAsync              Type = 28
	TypeMeterMod              Type = 29
)

var typeNames = []string{"HELLO", "ERROR", "ECHO_REQUEST", "ECHO_REPLY", "EXPERIMENTER", "FEATURES_REQUEST",
	"FEATURES_REPLY", "GET_CONFIG_REQUEST", "GET_CONFIG_REPLY", "SET_CONFIG", "PACKET_IN", "FLOW_REMOVED",
	"PORT_STATUS", "PACKET_OUT", "FLOW_MOD", "GROUP_MOD", "PORT_MOD", "TABLE_MOD", "MULTIPART_REQUEST",
	"MULTIPART_REPLY", "BARRIER_REQUEST", "BARRIER_REPLY", "QUEUE_GET_CONFIG_REQUEST", "QUEUE_GET_CONFIG_REPLY",
	"ROLE_REQUEST", "ROLE_REPLY", "GET_ASYNC_REQUEST", "GET_ASYNC_REPLY", "SET_ASYNC", "METER_MOD"}

func (t Type) String() string { return wire.Name(typeNames, uint64(t), "Type") }

// Port numbers: physical ports are 1 to PortMax; the rest are reserved.
const (
	PortMax        uint32 = 0xffffff00
	PortInPort     uint32 = 0xfffffff8
	PortTable      uint32 = 0xfffffff9
	PortNormal     uint32 = 0xfffffffa
	PortFlood      uint32 = 0xfffffffb
	PortAll        uint32 = 0xfffffffc
	PortController uint32 = 0xfffffffd
	PortLocal      uint32 = 0xfffffffe
	PortAny        uint32 = 0xffffffff
)

var portNames = map[uint32]string{PortInPort: "IN_PORT", PortTable: "TABLE", PortNormal: "NORMAL",
	PortFlood: "FLOOD", PortAll: "ALL", PortController: "CONTROLLER", PortLocal: "LOCAL", PortAny: "ANY"}

// PortName returns the name of a reserved port, or its number.
func PortName(p uint32) string {
	if s, ok := portNames[p]; ok {
		return s
	}
	return uintString(uint64(p))
}

func uintString(v uint64) string {
	if v == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[i:])
}

// Table, group, meter and buffer ids with a meaning of their own.
const (
	TableMax uint8 = 0xfe
	TableAll uint8 = 0xff

	GroupMax uint32 = 0xffffff00
	GroupAll uint32 = 0xfffffffc
	GroupAny uint32 = 0xffffffff

	MeterMax        uint32 = 0xffff0000
	MeterSlowpath   uint32 = 0xfffffffd
	MeterController uint32 = 0xfffffffe
	MeterAll        uint32 = 0xffffffff

	// NoBuffer: the message carries the whole packet, no switch buffer.
	NoBuffer uint32 = 0xffffffff
	// ControllerMaxLen is the largest max_len of an output to the
	// controller; ControllerNoBuffer asks for the whole packet unbuffered.
	ControllerMaxLen   uint16 = 0xffe5
	ControllerNoBuffer uint16 = 0xffff
)

// Capabilities of a switch (FeaturesReply).
const (
	CapFlowStats   uint32 = 1 << 0
	CapTableStats  uint32 = 1 << 1
	CapPortStats   uint32 = 1 << 2
	CapGroupStats  uint32 = 1 << 3
	CapIPReasm     uint32 = 1 << 5
	CapQueueStats  uint32 = 1 << 6
	CapPortBlocked uint32 = 1 << 8
)

// Switch configuration flags (SetConfig).
const (
	ConfigFragNormal uint16 = 0
	ConfigFragDrop   uint16 = 1
	ConfigFragReasm  uint16 = 2
	ConfigFragMask   uint16 = 3
)

// PacketInReason says why a packet came to the controller.
type PacketInReason uint8

// Packet-in reasons.
const (
	ReasonNoMatch    PacketInReason = 0
	ReasonAction     PacketInReason = 1
	ReasonInvalidTTL PacketInReason = 2
)

func (r PacketInReason) String() string {
	return wire.Name([]string{"NO_MATCH", "ACTION", "INVALID_TTL"}, uint64(r), "PacketInReason")
}

// FlowRemovedReason says why a flow went.
type FlowRemovedReason uint8

// Flow-removed reasons.
const (
	RemovedIdleTimeout FlowRemovedReason = 0
	RemovedHardTimeout FlowRemovedReason = 1
	RemovedDelete      FlowRemovedReason = 2
	RemovedGroupDelete FlowRemovedReason = 3
)

func (r FlowRemovedReason) String() string {
	return wire.Name([]string{"IDLE_TIMEOUT", "HARD_TIMEOUT", "DELETE", "GROUP_DELETE"}, uint64(r), "FlowRemovedReason")
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

// Port config and state bits.
const (
	PortConfigDown       uint32 = 1 << 0
	PortConfigNoRecv     uint32 = 1 << 2
	PortConfigNoFwd      uint32 = 1 << 5
	PortConfigNoPacketIn uint32 = 1 << 6

	PortStateLinkDown uint32 = 1 << 0
	PortStateBlocked  uint32 = 1 << 1
	PortStateLive     uint32 = 1 << 2
)

// FlowModCommand is what a FlowMod does.
type FlowModCommand uint8

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
	FlowResetCounts  uint16 = 1 << 2
	FlowNoPktCounts  uint16 = 1 << 3
	FlowNoBytCounts  uint16 = 1 << 4
)

// GroupModCommand is what a GroupMod does.
type GroupModCommand uint16

// Group-mod commands.
const (
	GroupAdd    GroupModCommand = 0
	GroupModify GroupModCommand = 1
	GroupDelete GroupModCommand = 2
)

func (c GroupModCommand) String() string {
	return wire.Name([]string{"ADD", "MODIFY", "DELETE"}, uint64(c), "GroupModCommand")
}

// GroupType is a group's kind.
type GroupType uint8

// Group types.
const (
	GroupTypeAll          GroupType = 0
	GroupTypeSelect       GroupType = 1
	GroupTypeIndirect     GroupType = 2
	GroupTypeFastFailover GroupType = 3
)

func (t GroupType) String() string {
	return wire.Name([]string{"ALL", "SELECT", "INDIRECT", "FF"}, uint64(t), "GroupType")
}

// MeterModCommand is what a MeterMod does.
type MeterModCommand uint16

// Meter-mod commands.
const (
	MeterAdd    MeterModCommand = 0
	MeterModify MeterModCommand = 1
	MeterDelete MeterModCommand = 2
)

func (c MeterModCommand) String() string {
	return wire.Name([]string{"ADD", "MODIFY", "DELETE"}, uint64(c), "MeterModCommand")
}

// Meter flags.
const (
	MeterFlagKbps  uint16 = 1 << 0
	MeterFlagPktps uint16 = 1 << 1
	MeterFlagBurst uint16 = 1 << 2
	MeterFlagStats uint16 = 1 << 3
)

// MeterBandType is a meter band's kind.
type MeterBandType uint16

// Meter band types.
const (
	BandDrop         MeterBandType = 1
	BandDSCPRemark   MeterBandType = 2
	BandExperimenter MeterBandType = 0xffff
)

func (t MeterBandType) String() string {
	return wire.MapName(map[MeterBandType]string{BandDrop: "DROP", BandDSCPRemark: "DSCP_REMARK", BandExperimenter: "EXPERIMENTER"}, t, "MeterBandType")
}

// ControllerRole is a controller's role towards a switch.
type ControllerRole uint32

// Controller roles.
const (
	RoleNoChange ControllerRole = 0
	RoleEqual    ControllerRole = 1
	RoleMaster   ControllerRole = 2
	RoleSlave    ControllerRole = 3
)

func (r ControllerRole) String() string {
	return wire.Name([]string{"NOCHANGE", "EQUAL", "MASTER", "SLAVE"}, uint64(r), "ControllerRole")
}

// MultipartType is the kind of a multipart request or reply.
type MultipartType uint16

// Multipart types.
const (
	MultipartDesc          MultipartType = 0
	MultipartFlow          MultipartType = 1
	MultipartAggregate     MultipartType = 2
	MultipartTable         MultipartType = 3
	MultipartPortStats     MultipartType = 4
	MultipartQueue         MultipartType = 5
	MultipartGroup         MultipartType = 6
	MultipartGroupDesc     MultipartType = 7
	MultipartGroupFeatures MultipartType = 8
	MultipartMeter         MultipartType = 9
	MultipartMeterConfig   MultipartType = 10
	MultipartMeterFeatures MultipartType = 11
	MultipartTableFeatures MultipartType = 12
	MultipartPortDesc      MultipartType = 13
	MultipartExperimenter  MultipartType = 0xffff
)

var multipartNames = []string{"DESC", "FLOW", "AGGREGATE", "TABLE", "PORT_STATS", "QUEUE", "GROUP", "GROUP_DESC",
	"GROUP_FEATURES", "METER", "METER_CONFIG", "METER_FEATURES", "TABLE_FEATURES", "PORT_DESC"}

func (t MultipartType) String() string {
	if t == MultipartExperimenter {
		return "EXPERIMENTER"
	}
	return wire.Name(multipartNames, uint64(t), "MultipartType")
}

// MultipartMore flags a request or reply that more parts follow.
const MultipartMore uint16 = 1

// Table features property types.
const (
	TFPInstructions      uint16 = 0
	TFPInstructionsMiss  uint16 = 1
	TFPNextTables        uint16 = 2
	TFPNextTablesMiss    uint16 = 3
	TFPWriteActions      uint16 = 4
	TFPWriteActionsMiss  uint16 = 5
	TFPApplyActions      uint16 = 6
	TFPApplyActionsMiss  uint16 = 7
	TFPMatch             uint16 = 8
	TFPWildcards         uint16 = 10
	TFPWriteSetfield     uint16 = 12
	TFPWriteSetfieldMiss uint16 = 13
	TFPApplySetfield     uint16 = 14
	TFPApplySetfieldMiss uint16 = 15
	TFPExperimenter      uint16 = 0xfffe
	TFPExperimenterMiss  uint16 = 0xffff
)

// Queue property types.
const (
	QueuePropMinRate      uint16 = 1
	QueuePropMaxRate      uint16 = 2
	QueuePropExperimenter uint16 = 0xffff
)

// Hello element types.
const HelloVersionBitmap uint16 = 1
