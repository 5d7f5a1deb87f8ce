package kimchi

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
)

// imageInfo is what a disk image says of itself: its format and the size
// of the disk it holds.
type imageInfo struct {
	Format string // "qcow2" or "raw"
	Size   uint64 // bytes: the virtual disk's, not the file's
}

var errNotImage = errors.New("not a disk image")

// probeImage reads an image's header: a qcow2 image (magic QFI\xfb, the
// virtual size at offset 24), else a raw one as long as the file.
func probeImage(path string) (imageInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return imageInfo{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return imageInfo{}, errNotImage
	}
	var h [32]byte
	if _, err := io.ReadFull(f, h[:]); err == nil && string(h[:4]) == "QFI\xfb" {
		size := binary.BigEndian.Uint64(h[24:32])
		if size == 0 {
			return imageInfo{}, errNotImage
		}
		return imageInfo{Format: "qcow2", Size: size}, nil
	}
	if st.Size() == 0 {
		return imageInfo{}, errNotImage
	}
	return imageInfo{Format: "raw", Size: uint64(st.Size())}, nil
}
