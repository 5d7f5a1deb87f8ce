//go:build cgo

// Package libvirt implements virt.Driver with libvirt (libvirt.org/go/
// libvirt), on any libvirt URI: qemu:///system, test:///default (in
// process, what the tests use), a remote one. Every XML document goes
// through libvirt.org/go/libvirtxml.
//
// Where a hypervisor lacks a call that has an honest equivalent on the
// persistent definition — attaching or detaching a device, say, on the
// test driver — the definition is edited and redefined, as Kimchi does;
// where nothing honest exists, the error wraps virt.ErrNotSupported.
//
// Built with the libvirt_dlopen tag, the binding loads libvirt.so.0 when
// first used instead of linking it: the program builds without
// libvirt-dev, and Open says what is missing when libvirt is not
// installed. Without cgo, Open returns virt.ErrUnavailable.
//
// # Faults in C
//
// libvirt runs in the calling process. A Go panic under a call (a nil
// document, a binding's bug surfacing as one) is an ordinary panic: the
// HTTP surfaces recover it as a 500 for that request alone. A fault in C —
// a double free, a segmentation fault inside libvirt — is not a panic: Go
// cannot recover it and the whole process ends, every other surface and
// the OpenFlow controller with it. An embedding program that cannot accept
// that should run the hypervisor's surface in a process of its own.
//
// This package therefore calls only binding methods whose memory handling
// was checked against libvirt's documentation. libvirt returns some
// strings owned by the object (virNodeDeviceGetParent,
// virNWFilterBindingGetFilterName, virNWFilterBindingGetPortDev; the
// Get*Name and virStorageVolGetKey calls too): the binding at v1.11006.0
// frees the first three itself and libvirt frees them again with the
// object, so this package never calls them and reads a device's parent
// from its XML instead (TestNoOwnedStringFrees holds it to that). The
// others' bindings copy without freeing, and the strings libvirt hands to
// the caller (XML, paths, URIs, metadata, capability names) are freed
// once, by the binding.
package libvirt

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	golibvirt "libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/netslice/netslice/virt"
)

// Driver is a libvirt connection. It is safe for concurrent use. When
// the connection breaks (libvirtd restarts, the peer stops answering its
// keepalives) calls fail with virt.ErrUnavailable at once, and the driver
// reconnects by itself, with backoff, until Close.
type Driver struct {
	connMu sync.RWMutex
	conn   *golibvirt.Connect
	closed bool
	uri    string
	opts   Options

	mu      sync.Mutex
	cache   map[string]cachedDomain // name → parsed definition
	formats map[string]string       // volume path → format
	gen     uint64                  // bumped by every change seen
	subs    map[int]chan virt.Event
	next    int
	cbID    int
	// The last Domains answer, read whole at listAt, and the domains that
	// changed since (refreshed one by one by the next Domains); listMu
	// orders the calls that refresh it.
	listMu  sync.Mutex
	list    []virt.DomainSummary
	listAt  time.Time
	dirty   map[string]bool
	aliveAt atomic.Int64 // when the connection was last found alive (ns since epoch)
	vols    map[string]keptVolumes
}

type cachedDomain struct {
	dom virt.Domain
}

// Options configure a Driver.
type Options struct {
	// MetadataNS and MetadataKey are the namespace URI and prefix of the
	// application's element in domain metadata.
	MetadataNS, MetadataKey string
}

var (
	eventOnce sync.Once
	eventErr  error
)

// startEventLoop registers libvirt's default event loop, once per
// process, and runs it: lifecycle events need it.
func startEventLoop() error {
	eventOnce.Do(func() {
		if eventErr = golibvirt.EventRegisterDefaultImpl(); eventErr != nil {
			return
		}
		go func() {
			for {
				if err := golibvirt.EventRunDefaultImpl(); err != nil {
					return
				}
			}
		}()
	})
	return eventErr
}

// Open connects to uri ("" lets libvirt choose, as virsh does).
func Open(uri string, opts Options) (*Driver, error) {
	if opts.MetadataNS == "" {
		opts.MetadataNS, opts.MetadataKey = "https://netslice.dev/virt/1", "netslice"
	}
	if err := startEventLoop(); err != nil {
		return nil, unavailable(err)
	}
	c, err := golibvirt.NewConnect(uri)
	if err != nil {
		return nil, unavailable(err)
	}
	d := &Driver{conn: c, uri: uri, opts: opts, cache: map[string]cachedDomain{}, formats: map[string]string{}, vols: map[string]keptVolumes{}, dirty: map[string]bool{}, subs: map[int]chan virt.Event{}}
	if got, err := c.GetURI(); err == nil {
		d.uri = got
	}
	d.watch(c)
	return d, nil
}

// c is the current connection.
func (d *Driver) c() *golibvirt.Connect {
	d.connMu.RLock()
	defer d.connMu.RUnlock()
	return d.conn
}

// watch registers for a connection's lifecycle events and its closing,
// and has it send keepalives (a remote peer that stops answering is
// dropped within 15 s).
func (d *Driver) watch(c *golibvirt.Connect) {
	id, err := c.DomainEventLifecycleRegister(nil, d.onLifecycle)
	if err != nil {
		id = -1
	}
	d.mu.Lock()
	d.cbID = id
	d.mu.Unlock()
	c.SetKeepAlive(5, 3) // not every driver has keepalives (test:// has none)
	c.RegisterCloseCallback(func(*golibvirt.Connect, golibvirt.ConnectCloseReason) {
		// Nothing cached can be trusted now: no event will say what
		// changes meanwhile.
		d.aliveAt.Store(0)
		d.mu.Lock()
		clear(d.cache)
		d.list = nil
		d.gen++
		d.cbID = -1
		d.mu.Unlock()
		go d.reconnect(c)
	})
}

// reconnect replaces a connection that closed, retrying with backoff
// until it succeeds or the driver is closed. What was cached may be stale
// by then: it goes, and subscribers are told that anything may have
// changed (an EventOther without a domain).
func (d *Driver) reconnect(dead *golibvirt.Connect) {
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 5*time.Second) {
		d.connMu.RLock()
		stop := d.closed || d.conn != dead
		d.connMu.RUnlock()
		if stop {
			return
		}
		c, err := golibvirt.NewConnect(d.uri)
		if err == nil {
			d.connMu.Lock()
			if d.closed {
				d.connMu.Unlock()
				c.Close()
				return
			}
			d.conn = c
			d.connMu.Unlock()
			dead.UnregisterCloseCallback()
			dead.Close()
			d.watch(c)
			d.mu.Lock()
			clear(d.cache)
			d.list = nil
			d.gen++
			for _, ch := range d.subs {
				select {
				case ch <- virt.Event{Kind: virt.EventOther}:
				default:
				}
			}
			d.mu.Unlock()
			return
		}
		time.Sleep(delay)
	}
}

// unavailable words why there is no connection: libvirt missing (the
// dlopen build), or the URI not reachable.
func unavailable(err error) error {
	msg := err.Error()
	var le golibvirt.Error
	if errors.As(err, &le) {
		msg = le.Message
	}
	if strings.Contains(msg, "libvirt.so") {
		msg = "libvirt is not installed (" + msg + "): apt-get install libvirt0, and libvirt-daemon-system for a local hypervisor"
	}
	return &virt.Error{Op: "connect", Kind: virt.ErrUnavailable, Msg: msg}
}

// Close closes the connection.
func (d *Driver) Close() error {
	d.connMu.Lock()
	defer d.connMu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	d.mu.Lock()
	id := d.cbID
	d.mu.Unlock()
	if id >= 0 {
		d.conn.DomainEventDeregister(id)
	}
	d.conn.UnregisterCloseCallback()
	_, err := d.conn.Close()
	return err
}

// URI is the connection's URI.
func (d *Driver) URI() string { return d.uri }

// wrap maps a libvirt error to a virt.Error with its sentinel.
func wrap(op, object string, err error) error {
	if err == nil {
		return nil
	}
	var ve *virt.Error
	if errors.As(err, &ve) {
		return err
	}
	e := &virt.Error{Op: op, Object: object, Msg: err.Error()}
	var le golibvirt.Error
	if errors.As(err, &le) {
		e.Msg = le.Message
		switch le.Code {
		case golibvirt.ERR_NO_DOMAIN, golibvirt.ERR_NO_NETWORK, golibvirt.ERR_NO_STORAGE_POOL, golibvirt.ERR_NO_STORAGE_VOL,
			golibvirt.ERR_NO_DOMAIN_SNAPSHOT, golibvirt.ERR_NO_NODE_DEVICE, golibvirt.ERR_NO_DOMAIN_METADATA:
			e.Kind = virt.ErrNotFound
		case golibvirt.ERR_DOM_EXIST, golibvirt.ERR_NETWORK_EXIST, golibvirt.ERR_STORAGE_VOL_EXIST:
			e.Kind = virt.ErrExists
		case golibvirt.ERR_OPERATION_INVALID:
			e.Kind = virt.ErrInvalidState
		case golibvirt.ERR_NO_SUPPORT, golibvirt.ERR_ARGUMENT_UNSUPPORTED, golibvirt.ERR_CONFIG_UNSUPPORTED:
			e.Kind = virt.ErrNotSupported
		case golibvirt.ERR_RESOURCE_BUSY, golibvirt.ERR_OPERATION_TIMEOUT:
			e.Kind = virt.ErrBusy
		case golibvirt.ERR_INVALID_ARG, golibvirt.ERR_XML_ERROR:
			e.Kind = virt.ErrInvalid
		case golibvirt.ERR_NO_CONNECT, golibvirt.ERR_INVALID_CONN, golibvirt.ERR_RPC, golibvirt.ERR_AUTH_UNAVAILABLE:
			e.Kind = virt.ErrUnavailable
		case golibvirt.ERR_INTERNAL_ERROR, golibvirt.ERR_OPERATION_FAILED, golibvirt.ERR_SYSTEM_ERROR:
			// Drivers say "already exists", "not running" in words.
			switch m := strings.ToLower(le.Message); {
			case strings.Contains(m, "already exists") || strings.Contains(m, "already defined"):
				e.Kind = virt.ErrExists
			case strings.Contains(m, "client socket is closed") || strings.Contains(m, "end of file while reading") ||
				strings.Contains(m, "broken pipe") || strings.Contains(m, "connection reset") || strings.Contains(m, "keepalive"):
				e.Kind = virt.ErrUnavailable
			case strings.Contains(m, "not running") || strings.Contains(m, "not active") || strings.Contains(m, "is active") ||
				strings.Contains(m, "already running") || strings.Contains(m, "not paused") || strings.Contains(m, "already active"):
				e.Kind = virt.ErrInvalidState
			}
		}
	}
	return e
}

func notFound(op, object string) error {
	return &virt.Error{Op: op, Object: object, Kind: virt.ErrNotFound, Msg: "not found"}
}

// Capabilities answers from what the connection really does.
func (d *Driver) Capabilities(ctx context.Context) (virt.Capabilities, error) {
	caps := virt.Capabilities{URI: d.uri}
	typ, err := d.c().GetType()
	if err != nil {
		return caps, wrap("capabilities", "", err)
	}
	caps.Driver = typ
	if x, err := d.c().GetCapabilities(); err == nil {
		var c libvirtxml.Caps
		if c.Unmarshal(x) == nil {
			caps.Arch = c.Host.CPU.Arch
		}
	}
	test := strings.EqualFold(typ, "test")
	qemu := strings.EqualFold(typ, "qemu")
	caps.Screenshot = test || qemu
	// SPICE where the emulator has it (Debian's QEMU does; others may
	// not): its domain capabilities say which graphics it takes.
	if qemu {
		if x, err := d.c().GetDomainCapabilities("", caps.Arch, "", d.domainType(caps.Arch), 0); err == nil {
			var dc libvirtxml.DomainCaps
			if dc.Unmarshal(x) == nil && dc.Devices != nil && dc.Devices.Graphics != nil {
				for _, e := range dc.Devices.Graphics.Enums {
					if e.Name == "type" {
						caps.Spice = slices.Contains(e.Values, "spice")
					}
				}
			}
		}
	}
	caps.LiveAttach = qemu
	caps.Migrate = qemu
	caps.DHCPLeases = qemu
	caps.VolumeClone = true
	caps.BulkStats = qemu
	return caps, nil
}

// Events delivers lifecycle events until ctx ends.
func (d *Driver) Events(ctx context.Context) (<-chan virt.Event, error) {
	d.mu.Lock()
	cb := d.cbID
	d.mu.Unlock()
	if cb < 0 {
		return nil, &virt.Error{Op: "events", Kind: virt.ErrNotSupported, Msg: "lifecycle events are not available on this connection"}
	}
	ch := make(chan virt.Event, 64)
	d.mu.Lock()
	id := d.next
	d.next++
	d.subs[id] = ch
	d.mu.Unlock()
	go func() {
		<-ctx.Done()
		d.mu.Lock()
		delete(d.subs, id)
		close(ch)
		d.mu.Unlock()
	}()
	return ch, nil
}

var lifecycleKinds = map[golibvirt.DomainEventType]virt.EventKind{
	golibvirt.DOMAIN_EVENT_DEFINED:   virt.EventDefined,
	golibvirt.DOMAIN_EVENT_UNDEFINED: virt.EventUndefined,
	golibvirt.DOMAIN_EVENT_STARTED:   virt.EventStarted,
	golibvirt.DOMAIN_EVENT_SUSPENDED: virt.EventSuspended,
	golibvirt.DOMAIN_EVENT_RESUMED:   virt.EventResumed,
	golibvirt.DOMAIN_EVENT_STOPPED:   virt.EventStopped,
	golibvirt.DOMAIN_EVENT_SHUTDOWN:  virt.EventShutdown,
}

func (d *Driver) onLifecycle(_ *golibvirt.Connect, dom *golibvirt.Domain, ev *golibvirt.DomainEventLifecycle) {
	name, _ := dom.GetName()
	uuid, _ := dom.GetUUIDString()
	kind, ok := lifecycleKinds[ev.Event]
	if !ok {
		kind = virt.EventOther
	}
	d.mu.Lock()
	delete(d.cache, name)
	d.markDirty(name)
	d.gen++
	for _, ch := range d.subs {
		select {
		case ch <- virt.Event{Domain: name, UUID: uuid, Kind: kind}:
		default: // a slow reader loses events, not the event loop
		}
	}
	d.mu.Unlock()
}

// forget notes a change made through the driver: to the domains named,
// or (none) to storage.
func (d *Driver) forget(names ...string) {
	d.mu.Lock()
	for _, n := range names {
		delete(d.cache, n)
		d.markDirty(n)
	}
	d.gen++
	d.mu.Unlock()
}

// maxDirty is how many changed domains are noted before the kept list is
// dropped instead (read whole next time).
const maxDirty = 4096

// markDirty notes that a domain changed. Called with mu held.
func (d *Driver) markDirty(name string) {
	if len(d.dirty) >= maxDirty {
		d.list = nil
		clear(d.dirty)
		return
	}
	d.dirty[name] = true
}
