// Package libvirttest gives tests their own libvirt test-driver
// hypervisor: a private, in-process state (no daemon, nothing shared with
// other tests) holding a NAT network "default" and a directory pool
// "default" with one volume, "base.img" (16 MiB). The test driver's pools
// hold 100 GiB, whatever their definition says.
package libvirttest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/netslice/netslice/virt/libvirt"
)

// Node is the test driver's node document every Open starts from. The
// pool's path is replaced by a temporary directory.
const Node = `<node>
  <cpu><mhz>2000</mhz><model>x86_64</model><active>2</active><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads></cpu>
  <memory>8388608</memory>
  <network>
    <name>default</name>
    <bridge name='virbr0'/>
    <forward mode='nat'/>
    <ip address='192.168.122.1' netmask='255.255.255.0'>
      <dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp>
    </ip>
  </network>
  <pool type='dir'>
    <name>default</name>
    <target><path>%[1]s</path></target>
    <volume type='file'><name>base.img</name><capacity unit='MiB'>16</capacity><target><path>%[1]s/base.img</path><format type='qcow2'/></target></volume>
  </pool>
</node>
`

// URI writes the node document to a temporary directory and returns its
// test:// URI: every connection to it has a private copy of the state.
func URI(t testing.TB) string {
	dir := t.TempDir()
	pool := filepath.Join(dir, "images")
	if err := os.MkdirAll(pool, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "node.xml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(Node, pool)), 0o644); err != nil {
		t.Fatal(err)
	}
	return "test://" + path
}

// Open connects to a fresh test hypervisor, closed when the test ends. It
// skips the test when the program was built without cgo or libvirt is
// missing.
func Open(t testing.TB) *libvirt.Driver {
	t.Helper()
	d, err := libvirt.Open(URI(t), libvirt.Options{})
	if err != nil {
		t.Skipf("libvirt test driver unavailable (needs cgo and libvirt0; `make test` as root installs libvirt-dev): %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
