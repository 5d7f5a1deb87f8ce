package guest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// cpioWriter writes a cpio archive in the "newc" format the kernel
// unpacks as an initramfs.
type cpioWriter struct {
	w   io.Writer
	ino int
	err error
}

// add writes one entry: a directory (mode with 040000), a regular file
// (0100000) with data, or a symbolic link (0120000) whose data is its
// target.
func (c *cpioWriter) add(name string, mode uint32, data []byte) {
	if c.err != nil {
		return
	}
	c.ino++
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name)+1, 0)
	c.write([]byte(hdr))
	c.write(append([]byte(name), 0))
	c.pad(len(hdr) + len(name) + 1)
	c.write(data)
	c.pad(len(data))
}

func (c *cpioWriter) write(b []byte) {
	if c.err == nil {
		_, c.err = c.w.Write(b)
	}
}

// pad aligns to four bytes what was n bytes long.
func (c *cpioWriter) pad(n int) {
	if r := n % 4; r != 0 {
		c.write(make([]byte, 4-r))
	}
}

// close writes the trailer.
func (c *cpioWriter) close() error {
	c.add("TRAILER!!!", 0, nil)
	return c.err
}

// addModules adds the kernel modules files (paths under
// /lib/modules/version) to lib/mods, numbered in the order given, and
// /modules, their names in that order, for an init to insmod.
func (c *cpioWriter) addModules(version string, files []string) error {
	var order []string
	for i, m := range files {
		b, err := os.ReadFile(filepath.Join("/lib/modules", version, m))
		if err != nil {
			return err
		}
		name := fmt.Sprintf("%02d-%s", i, filepath.Base(m))
		c.add("lib/mods/"+name, 0o100644, b)
		order = append(order, name)
	}
	c.add("modules", 0o100644, []byte(strings.Join(order, "\n")+"\n"))
	return nil
}
