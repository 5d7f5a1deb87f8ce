package ovstest

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// DHCPClient is busybox's udhcpc running on a host, with a script that
// configures the address it is given and logs each event (deconfig,
// bound, renew, nak, ...) with what came with it, one line each:
//
//	bound ip=10.0.0.5 mask=24 router=10.0.0.1 dns=10.0.0.53 domain= mtu=1400 lease=3600 staticroutes=...
type DHCPClient struct {
	cmd *exec.Cmd
	mu  sync.Mutex
	out strings.Builder
	log string
}

// StartDHCPClient starts udhcpc on h's interface, asking for the MTU and
// classless static routes too; it stops when the test ends. It skips the
// test when busybox is not installed.
func (h *Host) StartDHCPClient(tb testing.TB) *DHCPClient {
	tb.Helper()
	if _, err := exec.LookPath("busybox"); err != nil {
		tb.Skip("ovstest: busybox (Debian: busybox-static) is not installed: no DHCP client")
	}
	dir := tb.TempDir()
	c := &DHCPClient{log: dir + "/events"}
	script := dir + "/script"
	err := os.WriteFile(script, []byte(`#!/bin/sh
echo "$1 ip=$ip mask=$mask router=$router dns=$dns domain=$domain mtu=$mtu lease=$lease staticroutes=$staticroutes" >> `+c.log+`
case $1 in
bound|renew) ip addr replace $ip/$mask dev $interface ;;
esac
`), 0o755)
	if err != nil {
		tb.Fatalf("ovstest: %v", err)
	}
	// ip netns exec execs udhcpc, so signals reach it.
	c.cmd = exec.Command("ip", "netns", "exec", h.NS, "busybox", "udhcpc", "-f", "-i", h.Dev,
		"-s", script, "-t", "5", "-T", "1", "-O", "mtu", "-O", "staticroutes")
	c.cmd.Stdout, c.cmd.Stderr = (*lockedWriter)(c), (*lockedWriter)(c)
	if err := c.cmd.Start(); err != nil {
		tb.Fatalf("ovstest: udhcpc: %v", err)
	}
	tb.Cleanup(func() {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	})
	return c
}

type lockedWriter DHCPClient

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.Write(b)
}

// Events waits up to 10 seconds until the client logged n events and
// returns them; it fails the test, with udhcpc's output, when it did not.
func (c *DHCPClient) Events(tb testing.TB, n int) []string {
	tb.Helper()
	var lines []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		b, _ := os.ReadFile(c.log)
		lines = strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(b) > 0 && len(lines) >= n {
			return lines
		}
		if time.Now().After(deadline) {
			c.mu.Lock()
			defer c.mu.Unlock()
			tb.Fatalf("ovstest: udhcpc logged fewer than %d events: %q\nudhcpc: %s", n, lines, c.out.String())
		}
	}
}

// Renew makes the client renew its lease now (SIGUSR1): a unicast
// request to its server, then, unanswered, a broadcast one.
func (c *DHCPClient) Renew() error { return c.cmd.Process.Signal(renewSignal) }
