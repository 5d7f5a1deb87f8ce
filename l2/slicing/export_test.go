package slicing

// LLDPFrame exposes lldpFrame to the end-to-end tests, which forge and
// replay discovery frames.
var LLDPFrame = lldpFrame
