// Package openflow is netslice's OpenFlow wire protocol: the header and
// versions, framing a byte stream into messages, and decoding a message of
// either version. The messages themselves live in openflow/of10
// (OpenFlow 1.0) and openflow/of13 (OpenFlow 1.3); openflow/nicira has the
// Open vSwitch extensions a stateful 1.3 pipeline uses (the connection
// tracker's ct action and fields, registers, resubmit).
//
// # Encoding and decoding
//
// Every message type has AppendBinary (append the encoding to a buffer you
// own), MarshalBinary and UnmarshalBinary. Set a message's XID; the encoder
// fills in the rest of the header. Decoders never read past the bytes they
// are given nor trust a length field beyond them; malformed input returns an
// *DecodeError that carries the offset and the OpenFlow error type and code a peer
// should be answered with (ErrorReply builds that answer).
//
// # The controller
//
// Controller accepts switches (TCP or TLS), negotiates the version, learns
// each switch's identity, description and ports, keeps the connection
// alive with echoes and hands every other message to a Handler. It is
// built so that no peer can hurt the others: connections in the handshake
// are bounded (MaxHandshakes) and timed (HandshakeTimeout), as is what a
// peer may send in reply to a request (MaxReplyBytes); each switch has a
// bounded send queue, Send waits on it while TrySend never does, and a
// switch whose queue stays full for StallTimeout is dropped, so a switch
// that stops reading costs its senders nothing but the messages it misses.
//
// # Performance
//
// The controller's hot path is packet-in in, flow-mod out: decoding an
// of13.PacketIn or of13.FlowMod into a message you reuse does not allocate
// (the data points into the decoded bytes; match fields and actions are
// copied into the message's lists, whose capacity is reused), and well-formed
// messages of the common kinds take a fast path that only slices. Encoding an
// of13.FlowMod into a reused buffer does not allocate; as the
// encoding.BinaryAppender contract allows, AppendBinary may use b's capacity
// past the bytes it returns as scratch space. A Reader hands out messages as
// views into its own buffer.
//
// # Correctness
//
// The tests encode a message of every type and have Open vSwitch's own
// decoder (ovs-ofctl ofp-print) decode it, round-trip every type, and fuzz
// every decoder.
package openflow
