package of13

import "github.com/netslice/netslice/openflow/internal/wire"

// ErrorType is the type of an OpenFlow 1.3 error message.
type ErrorType uint16

// Error types.
const (
	ErrorTypeHelloFailed         ErrorType = 0
	ErrorTypeBadRequest          ErrorType = 1
	ErrorTypeBadAction           ErrorType = 2
	ErrorTypeBadInstruction      ErrorType = 3
	ErrorTypeBadMatch            ErrorType = 4
	ErrorTypeFlowModFailed       ErrorType = 5
	ErrorTypeGroupModFailed      ErrorType = 6
	ErrorTypePortModFailed       ErrorType = 7
	ErrorTypeTableModFailed      ErrorType = 8
	ErrorTypeQueueOpFailed       ErrorType = 9
	ErrorTypeSwitchConfigFailed  ErrorType = 10
	ErrorTypeRoleRequestFailed   ErrorType = 11
	ErrorTypeMeterModFailed      ErrorType = 12
	ErrorTypeTableFeaturesFailed ErrorType = 13
	ErrorTypeExperimenter        ErrorType = 0xffff
)

var errorTypeNames = []string{"HELLO_FAILED", "BAD_REQUEST", "BAD_ACTION", "BAD_INSTRUCTION", "BAD_MATCH",
	"FLOW_MOD_FAILED", "GROUP_MOD_FAILED", "PORT_MOD_FAILED", "TABLE_MOD_FAILED", "QUEUE_OP_FAILED",
	"SWITCH_CONFIG_FAILED", "ROLE_REQUEST_FAILED", "METER_MOD_FAILED", "TABLE_FEATURES_FAILED"}

// The error types' former names, which read as if they were errors.
//
// Deprecated: use the ErrorType names (ErrBadRequest is ErrorTypeBadRequest).
const (
	ErrHelloFailed         = ErrorTypeHelloFailed
	ErrBadRequest          = ErrorTypeBadRequest
	ErrBadAction           = ErrorTypeBadAction
	ErrBadInstruction      = ErrorTypeBadInstruction
	ErrBadMatch            = ErrorTypeBadMatch
	ErrFlowModFailed       = ErrorTypeFlowModFailed
	ErrGroupModFailed      = ErrorTypeGroupModFailed
	ErrPortModFailed       = ErrorTypePortModFailed
	ErrTableModFailed      = ErrorTypeTableModFailed
	ErrQueueOpFailed       = ErrorTypeQueueOpFailed
	ErrSwitchConfigFailed  = ErrorTypeSwitchConfigFailed
	ErrRoleRequestFailed   = ErrorTypeRoleRequestFailed
	ErrMeterModFailed      = ErrorTypeMeterModFailed
	ErrTableFeaturesFailed = ErrorTypeTableFeaturesFailed
	ErrExperimenter        = ErrorTypeExperimenter
)

func (t ErrorType) String() string {
	if t == ErrorTypeExperimenter {
		return "EXPERIMENTER"
	}
	return wire.Name(errorTypeNames, uint64(t), "ErrorType")
}

// Error codes, by type. Each constant is named for its type and code as
// the specification names them (OFPBRC_BAD_LEN is BadRequestBadLen).
const (
	HelloFailedIncompatible = 0
	HelloFailedEPerm        = 1

	BadRequestBadVersion      = 0
	BadRequestBadType         = 1
	BadRequestBadMultipart    = 2
	BadRequestBadExperimenter = 3
	BadRequestBadExpType      = 4
	BadRequestEPerm           = 5
	BadRequestBadLen          = 6
	BadRequestBufferEmpty     = 7
	BadRequestBufferUnknown   = 8
	BadRequestBadTableID      = 9
	BadRequestIsSlave         = 10
	BadRequestBadPort         = 11
	BadRequestBadPacket       = 12
	BadRequestBufferOverflow  = 13

	BadActionBadType           = 0
	BadActionBadLen            = 1
	BadActionBadExperimenter   = 2
	BadActionBadExpType        = 3
	BadActionBadOutPort        = 4
	BadActionBadArgument       = 5
	BadActionEPerm             = 6
	BadActionTooMany           = 7
	BadActionBadQueue          = 8
	BadActionBadOutGroup       = 9
	BadActionMatchInconsistent = 10
	BadActionUnsupportedOrder  = 11
	BadActionBadTag            = 12
	BadActionBadSetType        = 13
	BadActionBadSetLen         = 14
	BadActionBadSetArgument    = 15

	BadInstructionUnknownInst       = 0
	BadInstructionUnsupInst         = 1
	BadInstructionBadTableID        = 2
	BadInstructionUnsupMetadata     = 3
	BadInstructionUnsupMetadataMask = 4
	BadInstructionBadExperimenter   = 5
	BadInstructionBadExpType        = 6
	BadInstructionBadLen            = 7
	BadInstructionEPerm             = 8

	BadMatchBadType       = 0
	BadMatchBadLen        = 1
	BadMatchBadTag        = 2
	BadMatchBadDLAddrMask = 3
	BadMatchBadNWAddrMask = 4
	BadMatchBadWildcards  = 5
	BadMatchBadField      = 6
	BadMatchBadValue      = 7
	BadMatchBadMask       = 8
	BadMatchBadPrereq     = 9
	BadMatchDupField      = 10
	BadMatchEPerm         = 11

	FlowModFailedUnknown    = 0
	FlowModFailedTableFull  = 1
	FlowModFailedBadTableID = 2
	FlowModFailedOverlap    = 3
	FlowModFailedEPerm      = 4
	FlowModFailedBadTimeout = 5
	FlowModFailedBadCommand = 6
	FlowModFailedBadFlags   = 7

	GroupModFailedGroupExists         = 0
	GroupModFailedInvalidGroup        = 1
	GroupModFailedWeightUnsupported   = 2
	GroupModFailedOutOfGroups         = 3
	GroupModFailedOutOfBuckets        = 4
	GroupModFailedChainingUnsupported = 5
	GroupModFailedWatchUnsupported    = 6
	GroupModFailedLoop                = 7
	GroupModFailedUnknownGroup        = 8
	GroupModFailedChainedGroup        = 9
	GroupModFailedBadType             = 10
	GroupModFailedBadCommand          = 11
	GroupModFailedBadBucket           = 12
	GroupModFailedBadWatch            = 13
	GroupModFailedEPerm               = 14

	PortModFailedBadPort      = 0
	PortModFailedBadHWAddr    = 1
	PortModFailedBadConfig    = 2
	PortModFailedBadAdvertise = 3
	PortModFailedEPerm        = 4

	TableModFailedBadTable  = 0
	TableModFailedBadConfig = 1
	TableModFailedEPerm     = 2

	QueueOpFailedBadPort  = 0
	QueueOpFailedBadQueue = 1
	QueueOpFailedEPerm    = 2

	SwitchConfigFailedBadFlags = 0
	SwitchConfigFailedBadLen   = 1
	SwitchConfigFailedEPerm    = 2

	RoleRequestFailedStale   = 0
	RoleRequestFailedUnsup   = 1
	RoleRequestFailedBadRole = 2

	MeterModFailedUnknown      = 0
	MeterModFailedMeterExists  = 1
	MeterModFailedInvalidMeter = 2
	MeterModFailedUnknownMeter = 3
	MeterModFailedBadCommand   = 4
	MeterModFailedBadFlags     = 5
	MeterModFailedBadRate      = 6
	MeterModFailedBadBurst     = 7
	MeterModFailedBadBand      = 8
	MeterModFailedBadBandValue = 9
	MeterModFailedOutOfMeters  = 10
	MeterModFailedOutOfBands   = 11

	TableFeaturesFailedBadTable    = 0
	TableFeaturesFailedBadMetadata = 1
	TableFeaturesFailedBadType     = 2
	TableFeaturesFailedBadLen      = 3
	TableFeaturesFailedBadArgument = 4
	TableFeaturesFailedEPerm       = 5
)

var errorCodeNames = map[ErrorType][]string{
	ErrorTypeHelloFailed: {"INCOMPATIBLE", "EPERM"},
	ErrorTypeBadRequest: {"BAD_VERSION", "BAD_TYPE", "BAD_MULTIPART", "BAD_EXPERIMENTER", "BAD_EXP_TYPE", "EPERM",
		"BAD_LEN", "BUFFER_EMPTY", "BUFFER_UNKNOWN", "BAD_TABLE_ID", "IS_SLAVE", "BAD_PORT", "BAD_PACKET",
		"MULTIPART_BUFFER_OVERFLOW"},
	ErrorTypeBadAction: {"BAD_TYPE", "BAD_LEN", "BAD_EXPERIMENTER", "BAD_EXP_TYPE", "BAD_OUT_PORT", "BAD_ARGUMENT",
		"EPERM", "TOO_MANY", "BAD_QUEUE", "BAD_OUT_GROUP", "MATCH_INCONSISTENT", "UNSUPPORTED_ORDER", "BAD_TAG",
		"BAD_SET_TYPE", "BAD_SET_LEN", "BAD_SET_ARGUMENT"},
	ErrorTypeBadInstruction: {"UNKNOWN_INST", "UNSUP_INST", "BAD_TABLE_ID", "UNSUP_METADATA", "UNSUP_METADATA_MASK",
		"BAD_EXPERIMENTER", "BAD_EXP_TYPE", "BAD_LEN", "EPERM"},
	ErrorTypeBadMatch: {"BAD_TYPE", "BAD_LEN", "BAD_TAG", "BAD_DL_ADDR_MASK", "BAD_NW_ADDR_MASK", "BAD_WILDCARDS",
		"BAD_FIELD", "BAD_VALUE", "BAD_MASK", "BAD_PREREQ", "DUP_FIELD", "EPERM"},
	ErrorTypeFlowModFailed: {"UNKNOWN", "TABLE_FULL", "BAD_TABLE_ID", "OVERLAP", "EPERM", "BAD_TIMEOUT", "BAD_COMMAND",
		"BAD_FLAGS"},
	ErrorTypeGroupModFailed: {"GROUP_EXISTS", "INVALID_GROUP", "WEIGHT_UNSUPPORTED", "OUT_OF_GROUPS", "OUT_OF_BUCKETS",
		"CHAINING_UNSUPPORTED", "WATCH_UNSUPPORTED", "LOOP", "UNKNOWN_GROUP", "CHAINED_GROUP", "BAD_TYPE",
		"BAD_COMMAND", "BAD_BUCKET", "BAD_WATCH", "EPERM"},
	ErrorTypePortModFailed:      {"BAD_PORT", "BAD_HW_ADDR", "BAD_CONFIG", "BAD_ADVERTISE", "EPERM"},
	ErrorTypeTableModFailed:     {"BAD_TABLE", "BAD_CONFIG", "EPERM"},
	ErrorTypeQueueOpFailed:      {"BAD_PORT", "BAD_QUEUE", "EPERM"},
	ErrorTypeSwitchConfigFailed: {"BAD_FLAGS", "BAD_LEN", "EPERM"},
	ErrorTypeRoleRequestFailed:  {"STALE", "UNSUP", "BAD_ROLE"},
	ErrorTypeMeterModFailed: {"UNKNOWN", "METER_EXISTS", "INVALID_METER", "UNKNOWN_METER", "BAD_COMMAND", "BAD_FLAGS",
		"BAD_RATE", "BAD_BURST", "BAD_BAND", "BAD_BAND_VALUE", "OUT_OF_METERS", "OUT_OF_BANDS"},
	ErrorTypeTableFeaturesFailed: {"BAD_TABLE", "BAD_METADATA", "BAD_TYPE", "BAD_LEN", "BAD_ARGUMENT", "EPERM"},
}

// ErrorCodeString names code as an error of type t ("BAD_LEN").
func ErrorCodeString(t ErrorType, code uint16) string {
	return wire.Name(errorCodeNames[t], uint64(code), "Code")
}
