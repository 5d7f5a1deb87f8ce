// Package of13 holds the messages of OpenFlow 1.3 (wire version 0x04),
// each a struct that encodes itself with AppendBinary and MarshalBinary and
// decodes with UnmarshalBinary; Decode decodes a message of any type.
//
// # Building messages
//
// Matches are lists of OXM fields built with one function a field
// (InPort, EthType, IPv4Dst with a netip.Prefix, ...), instructions and
// actions with one function each (Apply, GotoTable, Output, PushVLAN,
// SetField, ...). All three are plain values, not interfaces: a message
// built as a local value and encoded allocates nothing. The common flow
// reads as one expression:
//
//	fm := of13.NewFlowMod(of13.FlowAdd) // no buffer, any out port, any group
//	fm.Match = of13.NewMatch(of13.EthType(0x0800), of13.IPv4Dst(netip.MustParsePrefix("10.0.0.0/8")))
//	fm.Instructions = of13.Apply(of13.Output(2))
//
// Match.Validate (and FlowMod.Validate) checks a match as a switch would
// (sizes, masks, duplicates, prerequisites such as ip_proto needing
// eth_type) and refuses with a *MatchError naming the OpenFlow error; the
// controller runs it on every flow_mod it sends. Encoding itself checks
// only what decoding checks, so every message that decodes — a packet-in
// whose match breaks a prerequisite, say, or a flow_mod a proxy passes
// on — encodes again to the same bytes.
//
// # Decoding
//
// Decoded messages point into the bytes they came from (packet data,
// experimenter bodies); match fields are values copied out. A message
// reused across calls (a PacketIn, a FlowMod, a PacketOut) reuses its
// lists — match fields, instructions, actions — and decodes without
// allocating (a field payload longer than 20 bytes, other than an IPv6
// address under a prefix mask, is interned: see Field). Malformed bytes
// give an *openflow.DecodeError with the offset and the error type and code to reply
// with.
package of13
