// Package uuid makes the UUIDs the surfaces give what they create: random
// ones (version 4), and ones derived from a name (version 5's layout).
package uuid

import (
	"crypto/rand"
	"crypto/sha1"
	"fmt"
)

// New returns a random (version 4) UUID.
func New() string {
	var b [16]byte
	rand.Read(b[:])
	return format(b, 0x40)
}

// FromName returns the UUID that name derives (the SHA-1 of space and
// name, with version 5's bits): the same name, the same UUID, in every
// process.
func FromName(space, name string) string {
	h := sha1.Sum([]byte(space + "\x00" + name))
	var b [16]byte
	copy(b[:], h[:16])
	return format(b, 0x50)
}

func format(b [16]byte, version byte) string {
	b[6] = b[6]&0x0f | version
	b[8] = b[8]&0x3f | 0x80 // RFC 4122's variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
