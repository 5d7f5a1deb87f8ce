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
package libvirt

import (
	"context"
	"errors"
	"strings"
	"sync"

	golibvirt "libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/netslice/netslice/virt"
)

// Driver is a libvirt connection. It is safe for concurrent use.
type Driver struct {
	conn *golibvirt.Connect
	uri  string
	opts Options

	mu    sync.Mutex
	cache map[string]cachedDomain // name → parsed definition
	gen   uint64                  // bumped by every change seen
	subs  map[int]chan virt.Event
	next  int
	cbID  int
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
	d := &Driver{conn: c, uri: uri, opts: opts, cache: map[string]cachedDomain{}, subs: map[int]chan virt.Event{}}
	if got, err := c.GetURI(); err == nil {
		d.uri = got
	}
	d.cbID, err = c.DomainEventLifecycleRegister(nil, d.onLifecycle)
	if err != nil {
		d.cbID = -1
	}
	return d, nil
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
	if d.cbID >= 0 {
		d.conn.DomainEventDeregister(d.cbID)
	}
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
		case golibvirt.ERR_INTERNAL_ERROR, golibvirt.ERR_OPERATION_FAILED:
			// Drivers say "already exists", "not running" in words.
			switch m := strings.ToLower(le.Message); {
			case strings.Contains(m, "already exists") || strings.Contains(m, "already defined"):
				e.Kind = virt.ErrExists
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
	typ, err := d.conn.GetType()
	if err != nil {
		return caps, wrap("capabilities", "", err)
	}
	caps.Driver = typ
	if x, err := d.conn.GetCapabilities(); err == nil {
		var c libvirtxml.Caps
		if c.Unmarshal(x) == nil {
			caps.Arch = c.Host.CPU.Arch
		}
	}
	test := strings.EqualFold(typ, "test")
	qemu := strings.EqualFold(typ, "qemu")
	caps.Screenshot = test || qemu
	caps.Spice = qemu
	caps.LiveAttach = qemu
	caps.Migrate = qemu
	caps.DHCPLeases = qemu
	caps.VolumeClone = true
	caps.BulkStats = qemu
	return caps, nil
}

// Events delivers lifecycle events until ctx ends.
func (d *Driver) Events(ctx context.Context) (<-chan virt.Event, error) {
	if d.cbID < 0 {
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

func (d *Driver) onLifecycle(_ *golibvirt.Connect, dom *golibvirt.Domain, ev *golibvirt.DomainEventLifecycle) {
	name, _ := dom.GetName()
	uuid, _ := dom.GetUUIDString()
	kind := virt.EventOther
	switch ev.Event {
	case golibvirt.DOMAIN_EVENT_DEFINED:
		kind = virt.EventDefined
	case golibvirt.DOMAIN_EVENT_UNDEFINED:
		kind = virt.EventUndefined
	case golibvirt.DOMAIN_EVENT_STARTED:
		kind = virt.EventStarted
	case golibvirt.DOMAIN_EVENT_SUSPENDED:
		kind = virt.EventSuspended
	case golibvirt.DOMAIN_EVENT_RESUMED:
		kind = virt.EventResumed
	case golibvirt.DOMAIN_EVENT_STOPPED:
		kind = virt.EventStopped
	case golibvirt.DOMAIN_EVENT_SHUTDOWN:
		kind = virt.EventShutdown
	}
	d.mu.Lock()
	delete(d.cache, name)
	d.gen++
	for _, ch := range d.subs {
		select {
		case ch <- virt.Event{Domain: name, UUID: uuid, Kind: kind}:
		default: // a slow reader loses events, not the event loop
		}
	}
	d.mu.Unlock()
}

func (d *Driver) forget(names ...string) {
	d.mu.Lock()
	for _, n := range names {
		delete(d.cache, n)
	}
	d.gen++
	d.mu.Unlock()
}
