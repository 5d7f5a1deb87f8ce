package openflow

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"
)

// Handler handles the messages switches send, in the style of net/http: a
// Controller calls ServeOpenFlow for every message a switch sends once it
// is connected, except those it handles itself (echo, replies to pending
// requests). Calls for one switch are made one at a time, in order, from
// that switch's reader; the message is valid only during the call (a
// PacketIn is reused for the next one).
type Handler interface {
	ServeOpenFlow(sw *Switch, m Message)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(sw *Switch, m Message)

// ServeOpenFlow calls f.
func (f HandlerFunc) ServeOpenFlow(sw *Switch, m Message) { f(sw, m) }

// SwitchHandler is implemented by handlers that want to know when a
// switch finishes its handshake (SwitchUp, called before any message of
// the switch is handled) and when its connection ends (SwitchDown).
type SwitchHandler interface {
	SwitchUp(sw *Switch)
	SwitchDown(sw *Switch)
}

// Default settings of a Controller.
const (
	DefaultAddr             = ":6653"
	DefaultEchoInterval     = 5 * time.Second
	DefaultMaxMissedEchoes  = 3
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultWriteTimeout     = 30 * time.Second
	DefaultSendQueue        = 1024
	DefaultStallTimeout     = 5 * time.Second
	DefaultMaxHandshakes    = 128
	DefaultMaxReplyBytes    = 64 << 20
	// maxHandshakeBytes bounds what a peer may send in reply to one
	// handshake request (a port description of 65,000 ports fits).
	maxHandshakeBytes = 4 << 20
)

// Controller accepts switch connections and runs them. Set its fields
// before Serve; the zero value uses the defaults above, speaks OpenFlow 1.0
// and 1.3, and drops every message (set Handler).
type Controller struct {
	// Handler receives the switches' messages; nil drops them.
	Handler Handler
	// Versions the controller offers, highest preferred; empty means 1.3
	// and 1.0.
	Versions []Version
	// EchoInterval is how long a silent switch waits before an echo
	// request; after MaxMissedEchoes unanswered intervals it is dropped.
	EchoInterval    time.Duration
	MaxMissedEchoes int
	// HandshakeTimeout bounds hello, features and port description.
	HandshakeTimeout time.Duration
	// WriteTimeout drops a switch that does not take what is sent to it
	// within this time (it stopped reading).
	WriteTimeout time.Duration
	// SendQueue is how many messages may wait to be written to one switch;
	// Send blocks (until its context ends) when the queue is full, so a
	// slow switch cannot make the controller's memory grow, and TrySend
	// fails at once.
	SendQueue int
	// StallTimeout drops a switch whose send queue has stayed full this
	// long: it takes nothing, and waiting on it would stall whoever sends
	// to it.
	StallTimeout time.Duration
	// MaxHandshakes bounds the connections that have not finished the
	// handshake yet; more are closed at once, so peers that connect and
	// say nothing cannot exhaust the controller. Each is dropped after
	// HandshakeTimeout anyway.
	MaxHandshakes int
	// MaxReplyBytes bounds the reply to one request (every part of a
	// multipart reply together); a larger one fails the request.
	MaxReplyBytes int
	// MaxMessage is the largest message accepted from a switch.
	MaxMessage int
	// RawFlowMods sends flow_mods as given. By default every flow_mod
	// (and 1.3 packet_out and group_mod) a switch is sent is validated
	// first (its Validate: a match's prerequisites, masks, duplicates and
	// ranges; set_field actions) and refused with the error a switch
	// would answer; a proxy passing on another controller's messages
	// unchanged sets this.
	RawFlowMods bool
	// NoCounters skips counting each message in SwitchStats (a few atomic
	// additions per message; benchmarks/controller measures what they
	// cost).
	NoCounters bool
	// TLSConfig, when set, makes Serve speak TLS.
	TLSConfig *tls.Config
	// Logger receives connection events; nil discards them.
	Logger *slog.Logger

	mu          sync.Mutex
	listeners   map[net.Listener]struct{}
	switches    map[uint64]*Switch
	conns       map[*Switch]struct{}
	handshakes  int // connections in the handshake
	disconnects map[string]uint64
	closing     bool
	wg          sync.WaitGroup
}

// ErrControllerClosed is returned by Serve after Shutdown.
var ErrControllerClosed = errors.New("openflow: controller closed")

func (c *Controller) log() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

func (c *Controller) versions() []Version {
	if len(c.Versions) == 0 {
		return []Version{Version13, Version10}
	}
	return c.Versions
}

func intOr(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// handshakeDone gives back sw's place among the connections in the
// handshake.
func (c *Controller) handshakeDone() {
	c.mu.Lock()
	c.handshakes--
	c.mu.Unlock()
}

func durationOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// ListenAndServe listens on addr (DefaultAddr when empty) and serves.
func (c *Controller) ListenAndServe(addr string) error {
	if addr == "" {
		addr = DefaultAddr
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return c.Serve(l)
}

// Serve accepts switch connections on l until Shutdown, running each in
// goroutines of its own. It always returns an error; after Shutdown,
// ErrControllerClosed.
func (c *Controller) Serve(l net.Listener) error {
	if c.TLSConfig != nil {
		l = tls.NewListener(l, c.TLSConfig)
	}
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		l.Close()
		return ErrControllerClosed
	}
	if c.listeners == nil {
		c.listeners = map[net.Listener]struct{}{}
	}
	c.listeners[l] = struct{}{}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.listeners, l)
		c.mu.Unlock()
	}()
	var backoff time.Duration
	for {
		conn, err := l.Accept()
		if err != nil {
			c.mu.Lock()
			closing := c.closing
			c.mu.Unlock()
			if closing {
				return ErrControllerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		sw := newSwitch(c, conn)
		c.mu.Lock()
		if c.closing {
			c.mu.Unlock()
			conn.Close()
			return ErrControllerClosed
		}
		if c.handshakes >= intOr(c.MaxHandshakes, DefaultMaxHandshakes) {
			c.mu.Unlock()
			c.log().Warn("too many connections in the handshake; closing a new one", "remote", conn.RemoteAddr().String())
			conn.Close()
			continue
		}
		c.handshakes++
		if c.conns == nil {
			c.conns = map[*Switch]struct{}{}
		}
		c.conns[sw] = struct{}{}
		c.wg.Add(1)
		c.mu.Unlock()
		go func() {
			defer c.wg.Done()
			sw.run()
		}()
	}
}

// Switch returns the connected switch with the datapath id, if any.
func (c *Controller) Switch(dpid uint64) (*Switch, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sw, ok := c.switches[dpid]
	return sw, ok
}

// Switches returns the switches connected now, by datapath id.
func (c *Controller) Switches() []*Switch {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Switch, 0, len(c.switches))
	for _, sw := range c.switches {
		out = append(out, sw)
	}
	slices.SortFunc(out, func(a, b *Switch) int {
		switch {
		case a.dpid < b.dpid:
			return -1
		case a.dpid > b.dpid:
			return 1
		}
		return 0
	})
	return out
}

// register makes sw the switch for its datapath id, replacing (and
// closing) an older connection of the same switch.
func (c *Controller) register(sw *Switch) bool {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	if c.switches == nil {
		c.switches = map[uint64]*Switch{}
	}
	old := c.switches[sw.dpid]
	c.switches[sw.dpid] = sw
	c.mu.Unlock()
	if old != nil {
		c.log().Info("switch reconnected, closing its old connection", "dpid", fmt.Sprintf("%#016x", sw.dpid))
		old.closeWith(errReplaced)
		<-old.done
	}
	return true
}

func (c *Controller) unregister(sw *Switch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.switches[sw.dpid] == sw {
		delete(c.switches, sw.dpid)
	}
	delete(c.conns, sw)
}

// Shutdown stops accepting switches, closes every connection (after
// writing what was queued for it, within ctx) and waits for their
// goroutines and SwitchDown calls, or for ctx to end.
func (c *Controller) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	c.closing = true
	for l := range c.listeners {
		l.Close()
	}
	conns := make([]*Switch, 0, len(c.conns))
	for sw := range c.conns {
		conns = append(conns, sw)
	}
	c.mu.Unlock()
	for _, sw := range conns {
		sw.shutdown()
	}
	done := make(chan struct{})
	go func() {
		c.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, sw := range conns {
			sw.closeWith(ErrControllerClosed)
		}
		return ctx.Err()
	}
}
