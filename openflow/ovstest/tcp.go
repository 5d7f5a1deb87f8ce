package ovstest

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// ServeTCP listens on port in the host's namespace until the test ends
// (busybox nc), answering every connection with "hello". It skips the
// test when busybox is not installed. Call DisableTxChecksum first.
func (h *Host) ServeTCP(tb testing.TB, port int) {
	tb.Helper()
	if _, err := exec.LookPath("busybox"); err != nil {
		tb.Skip("ovstest: busybox (Debian: busybox-static) is not installed: no nc")
	}
	cmd := exec.Command("ip", "netns", "exec", h.NS, "busybox", "nc", "-ll", "-p", strconv.Itoa(port), "-e", "echo", "hello")
	if err := cmd.Start(); err != nil {
		tb.Fatalf("ovstest: nc: %v", err)
	}
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
}

// ConnectsTCP reports whether the host opens a TCP connection to
// addr:port and reads a ServeTCP greeting, within two seconds.
func (h *Host) ConnectsTCP(addr string, port int) bool {
	// nc's input stays open as long: at its end nc would stop reading.
	out, _ := exec.Command("ip", "netns", "exec", h.NS, "busybox", "timeout", "3", "busybox", "sh", "-c",
		"sleep 2 | busybox nc -w 2 "+addr+" "+strconv.Itoa(port)).Output()
	return strings.Contains(string(out), "hello")
}
