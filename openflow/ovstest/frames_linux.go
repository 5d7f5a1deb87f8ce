package ovstest

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// SendFrame sends a raw Ethernet frame out of the host's interface, as if
// the host's own stack had sent it (a forged or hand-made frame).
func (h *Host) SendFrame(frame []byte) error {
	errc := make(chan error, 1)
	go func() {
		// The thread enters the host's namespace and is never let go: the
		// runtime ends it with the goroutine instead of reusing it.
		runtime.LockOSThread()
		errc <- h.sendFrame(frame)
	}()
	return <-errc
}

func (h *Host) sendFrame(frame []byte) error {
	ns, err := os.Open("/run/netns/" + h.NS)
	if err != nil {
		return err
	}
	defer ns.Close()
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("ovstest: enter %s: %w", h.NS, err)
	}
	ifi, err := net.InterfaceByName(h.Link)
	if err != nil {
		return err
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Sendto(fd, frame, 0, &unix.SockaddrLinklayer{Ifindex: ifi.Index})
}

// RxPackets returns how many frames the host's interface has received.
func (h *Host) RxPackets() (uint64, error) {
	out, err := exec.Command("ip", "-n", h.NS, "-s", "-j", "link", "show", "dev", h.Link).Output()
	if err != nil {
		return 0, fmt.Errorf("ovstest: ip link show: %w", err)
	}
	var links []struct {
		Stats struct {
			RX struct {
				Packets uint64 `json:"packets"`
			} `json:"rx"`
		} `json:"stats64"`
	}
	if err := json.Unmarshal(out, &links); err != nil || len(links) != 1 {
		return 0, fmt.Errorf("ovstest: ip link show: %s", out)
	}
	return links[0].Stats.RX.Packets, nil
}

// SetPort brings the host's port on the bridge up or down, as a cable
// plugged in or pulled out.
func (h *Host) SetPort(up bool) error {
	state := "down"
	if up {
		state = "up"
	}
	return ip("link", "set", h.Port, state)
}

// DisableTxChecksum turns transmit checksum offload off on both ends of
// the host's veth pair. TCP through Open vSwitch's userspace datapath
// needs it: a veth leaves checksums partial, and the datapath forwards
// them so (ping, which the kernel checksums itself, does not show it).
func (h *Host) DisableTxChecksum() error {
	if err := txChecksumOff(h.Port); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never let go: see SendFrame
		ns, err := os.Open("/run/netns/" + h.NS)
		if err != nil {
			errc <- err
			return
		}
		defer ns.Close()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("ovstest: enter %s: %w", h.NS, err)
			return
		}
		errc <- txChecksumOff(h.Link)
	}()
	return <-errc
}

// txChecksumOff is ethtool -K dev tx off, in the calling thread's
// namespace: the ETHTOOL_STXCSUM ioctl.
func txChecksumOff(dev string) error {
	const ethtoolSTXCSUM = 0x17
	value := struct{ cmd, data uint32 }{cmd: ethtoolSTXCSUM}
	var ifr struct {
		name [unix.IFNAMSIZ]byte
		data unsafe.Pointer
		_    [16]byte
	}
	copy(ifr.name[:], dev)
	ifr.data = unsafe.Pointer(&value)
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&ifr))); errno != 0 {
		return fmt.Errorf("ovstest: turn tx checksum offload off on %s: %w", dev, errno)
	}
	return nil
}

// Capture counts the frames the host's interface receives that match
// (outgoing ones are not seen), from when it returns until stop is
// called; stop returns the count.
func (h *Host) Capture(match func(frame []byte) bool) (stop func() (int, error), err error) {
	ready := make(chan error, 1)
	done := make(chan struct{})
	result := make(chan int, 1)
	go func() {
		runtime.LockOSThread() // never let go: see SendFrame
		fd, err := h.captureSocket()
		ready <- err
		if err != nil {
			return
		}
		defer unix.Close(fd)
		n := 0
		buf := make([]byte, 65536)
		for {
			select {
			case <-done:
				result <- n
				return
			default:
			}
			m, from, err := unix.Recvfrom(fd, buf, 0)
			if err != nil {
				continue // the receive timeout: look at done again
			}
			if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
				continue
			}
			if match(buf[:m]) {
				n++
			}
		}
	}()
	if err := <-ready; err != nil {
		return nil, err
	}
	return func() (int, error) {
		close(done)
		return <-result, nil
	}, nil
}

// captureSocket enters the host's namespace and opens a packet socket on
// its interface that gives up waiting every 50 ms.
func (h *Host) captureSocket() (int, error) {
	ns, err := os.Open("/run/netns/" + h.NS)
	if err != nil {
		return -1, err
	}
	defer ns.Close()
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		return -1, fmt.Errorf("ovstest: enter %s: %w", h.NS, err)
	}
	ifi, err := net.InterfaceByName(h.Link)
	if err != nil {
		return -1, err
	}
	all := int(uint16(unix.ETH_P_ALL)>>8 | uint16(unix.ETH_P_ALL)<<8) // network order
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, all)
	if err != nil {
		return -1, err
	}
	tv := unix.NsecToTimeval(int64(50 * time.Millisecond))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: uint16(all), Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}
