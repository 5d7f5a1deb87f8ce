// Package of10 holds the messages of OpenFlow 1.0 (wire version 0x01),
// each a struct that encodes itself with AppendBinary and MarshalBinary and
// decodes with UnmarshalBinary; Decode decodes a message of any type.
//
// The 1.0 match is a fixed structure with wildcard bits; build it from
// MatchAll with the With methods, which clear the bits for you:
//
//	m := of10.MatchAll().WithDLType(0x0800).WithNWDst(netip.MustParsePrefix("10.0.0.0/8"))
//
// Actions are values built with one function each (Output, SetVLANVID,
// StripVLAN, ...), so a message built as a local value and encoded
// allocates nothing.
//
// Decoded messages point into the bytes they came from; a PacketIn, and a
// FlowMod or PacketOut reused across calls, decode without allocating. Malformed bytes give an *openflow.DecodeError with the
// offset and the OpenFlow 1.0 error type and code to reply with.
package of10
