package neutron

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"runtime"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/netslice/netslice/store"
)

// Ports are what the store holds by the hundred thousand, and a full load
// decodes every one: they are read by hand in the shape json.Marshal
// writes them, several times faster than encoding/json's reflection and
// its validating pass. Anything outside that shape — an escape in a
// string, an unknown or differently cased key, a non-empty map, a number
// with a fraction, a null inside a list — goes through encoding/json, so
// the result is always json.Unmarshal's (FuzzDecodePort holds the two
// together).

// interner hands out one copy of strings that repeat from port to port
// (projects, networks, subnets, security groups, states, timestamps): less
// memory, and the strings a list writes stay in cache. It forgets all at
// maxInterned strings. Not safe for concurrent use; nil interns nothing.
type interner map[string]string

const maxInterned = 1 << 16

func (in interner) of(b []byte) string {
	if in == nil {
		return string(b)
	}
	if s, ok := in[string(b)]; ok {
		return s
	}
	if len(in) >= maxInterned {
		clear(in)
	}
	s := string(b)
	in[s] = s
	return s
}

// decodePort decodes a stored port.
func decodePort(b []byte, in interner) (*Port, error) {
	p := new(Port)
	d := jsonReader{b: b, in: in}
	if d.port(p) && d.end() {
		d.pack()
		return p, nil
	}
	p = new(Port)
	return p, json.Unmarshal(b, p)
}

// jsonReader reads the JSON json.Marshal writes; every method reports
// false at anything else, and the caller then gives up.
type jsonReader struct {
	b  []byte
	i  int
	in interner
	// own are the strings of the port's own (its id, name, MAC, device,
	// description) read so far: they point into b until pack copies them
	// all into one allocation, side by side — less memory than one each,
	// and a list writing them loads two cache lines rather than four.
	own  [8]*string
	nown int
}

// pack moves the strings in own out of b, into one allocation.
func (d *jsonReader) pack() {
	n := 0
	for _, s := range d.own[:d.nown] {
		n += len(*s)
	}
	buf := make([]byte, 0, n)
	for _, s := range d.own[:d.nown] {
		if len(*s) == 0 {
			continue
		}
		start := len(buf)
		buf = append(buf, *s...)
		*s = unsafe.String(&buf[start], len(*s))
	}
	d.nown = 0
}

func (d *jsonReader) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// end reports whether only white space is left.
func (d *jsonReader) end() bool {
	d.ws()
	return d.i == len(d.b)
}

// is consumes c if it comes next.
func (d *jsonReader) is(c byte) bool {
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// null consumes a null if it comes next.
func (d *jsonReader) null() bool {
	d.ws()
	if len(d.b)-d.i >= 4 && string(d.b[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	return false
}

// raw reads a string without escapes, in valid UTF-8.
func (d *jsonReader) raw() ([]byte, bool) {
	if !d.is('"') {
		return nil, false
	}
	start, ascii := d.i, true
	for ; d.i < len(d.b); d.i++ {
		switch c := d.b[d.i]; {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			return s, ascii || utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// owned reads a string of the port's own, left in b until pack (a copy
// now when own is full).
func (d *jsonReader) owned(s *string) bool {
	if d.null() {
		return true
	}
	b, ok := d.raw()
	switch {
	case !ok:
	case len(b) == 0:
		*s = ""
	case d.nown < len(d.own):
		*s = unsafe.String(&b[0], len(b))
		d.own[d.nown] = s
		d.nown++
	default:
		*s = string(b)
	}
	return ok
}

func (d *jsonReader) str(s *string) bool {
	if d.null() {
		return true // a string field keeps its value
	}
	b, ok := d.raw()
	if ok {
		*s = string(b)
	}
	return ok
}

// shared reads a string that repeats from port to port.
func (d *jsonReader) shared(s *string) bool {
	if d.null() {
		return true
	}
	b, ok := d.raw()
	if ok {
		*s = d.in.of(b)
	}
	return ok
}

func (d *jsonReader) boolean(v *bool) bool {
	d.ws()
	switch {
	case d.null():
		return true
	case len(d.b)-d.i >= 4 && string(d.b[d.i:d.i+4]) == "true":
		*v = true
		d.i += 4
		return true
	case len(d.b)-d.i >= 5 && string(d.b[d.i:d.i+5]) == "false":
		*v = false
		d.i += 5
		return true
	}
	return false
}

// integer reads an integer without fraction or exponent.
func (d *jsonReader) integer(v *int64) bool {
	if d.null() {
		return true
	}
	neg := d.i < len(d.b) && d.b[d.i] == '-'
	if neg {
		d.i++
	}
	start := d.i
	var n uint64
	for ; d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9'; d.i++ {
		if n > (math.MaxUint64-9)/10 {
			return false
		}
		n = n*10 + uint64(d.b[d.i]-'0')
	}
	digits := d.i - start
	if digits == 0 || digits > 1 && d.b[start] == '0' {
		return false
	}
	if d.i < len(d.b) {
		if c := d.b[d.i]; c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	switch {
	case !neg && n <= math.MaxInt64:
		*v = int64(n)
	case neg && n <= 1<<63:
		*v = -int64(n)
	default:
		return false
	}
	return true
}

// object reads an object, calling field with each key (the reader is then
// at its value).
func (d *jsonReader) object(field func(key []byte) bool) bool {
	if !d.is('{') {
		return false
	}
	if d.is('}') {
		return true
	}
	for {
		key, ok := d.raw()
		if !ok || !d.is(':') || !field(key) {
			return false
		}
		if d.is('}') {
			return true
		}
		if !d.is(',') {
			return false
		}
	}
}

// list reads an array: null calls null, anything else empty and then
// item for each element.
func (d *jsonReader) list(null func(), empty func(), item func() bool) bool {
	if d.null() {
		null()
		return true
	}
	if !d.is('[') {
		return false
	}
	empty()
	if d.is(']') {
		return true
	}
	for {
		if d.null() || !item() {
			return false // a null element is encoding/json's to zero
		}
		if d.is(']') {
			return true
		}
		if !d.is(',') {
			return false
		}
	}
}

// objects reads a list of objects, each key of an item by field.
func objects[T any](d *jsonReader, v *[]T, field func(item *T, key []byte) bool) bool {
	return d.list(func() { *v = nil }, func() { *v = []T{} }, func() bool {
		var item T
		ok := d.object(func(key []byte) bool { return field(&item, key) })
		*v = append(*v, item)
		return ok
	})
}

func (d *jsonReader) strings(v *[]string, shared bool) bool {
	return d.list(func() { *v = nil }, func() { *v = []string{} }, func() bool {
		b, ok := d.raw()
		if !ok {
			return false
		}
		s := string(b)
		if shared {
			s = d.in.of(b)
		}
		*v = append(*v, s)
		return true
	})
}

// emptyMap reads {} (or null); a map with anything in it is
// encoding/json's.
func (d *jsonReader) emptyMap(v *map[string]any) bool {
	if d.null() {
		*v = nil
		return true
	}
	if !d.is('{') || !d.is('}') {
		return false
	}
	if *v == nil {
		*v = map[string]any{}
	}
	return true
}

func (d *jsonReader) standard(s *Standard, key []byte) (known, ok bool) {
	switch string(key) {
	case "id":
		return true, d.owned(&s.ID)
	case "tenant_id":
		return true, d.shared(&s.TenantID)
	case "project_id":
		return true, d.shared(&s.ProjectID)
	case "description":
		return true, d.owned(&s.Description)
	case "created_at":
		return true, d.shared(&s.CreatedAt)
	case "updated_at":
		return true, d.shared(&s.UpdatedAt)
	case "revision_number":
		return true, d.integer(&s.RevisionNumber)
	}
	return false, false
}

func (d *jsonReader) port(p *Port) bool {
	return d.object(func(key []byte) bool {
		if known, ok := d.standard(&p.Standard, key); known {
			return ok
		}
		switch string(key) {
		case "name":
			return d.owned(&p.Name)
		case "network_id":
			return d.shared(&p.NetworkID)
		case "admin_state_up":
			return d.boolean(&p.AdminStateUp)
		case "status":
			return d.shared(&p.Status)
		case "mac_address":
			return d.owned(&p.MACAddress)
		case "fixed_ips":
			return objects(d, &p.FixedIPs, func(f *FixedIP, key []byte) bool {
				switch string(key) {
				case "subnet_id":
					return d.shared(&f.SubnetID)
				case "ip_address":
					return d.str(&f.IPAddress)
				}
				return false
			})
		case "device_id":
			return d.owned(&p.DeviceID)
		case "device_owner":
			return d.shared(&p.DeviceOwner)
		case "security_groups":
			return d.strings(&p.SecurityGroups, true)
		case "allowed_address_pairs":
			return objects(d, &p.AllowedAddressPairs, func(a *AddressPair, key []byte) bool {
				switch string(key) {
				case "ip_address":
					return d.str(&a.IPAddress)
				case "mac_address":
					return d.str(&a.MACAddress)
				}
				return false
			})
		case "port_security_enabled":
			return d.boolean(&p.PortSecurityEnabled)
		case "binding:host_id":
			return d.shared(&p.HostID)
		case "binding:profile":
			return d.emptyMap(&p.Profile)
		case "binding:vif_type":
			return d.shared(&p.VIFType)
		case "binding:vif_details":
			return d.emptyMap(&p.VIFDetails)
		case "binding:vnic_type":
			return d.shared(&p.VNICType)
		case "extra_dhcp_opts":
			return objects(d, &p.ExtraDHCPOpts, func(o *DHCPOption, key []byte) bool {
				switch string(key) {
				case "opt_name":
					return d.str(&o.Name)
				case "opt_value":
					return d.str(&o.Value)
				case "ip_version":
					if d.null() {
						return true
					}
					var v int64
					if !d.integer(&v) || v < math.MinInt || v > math.MaxInt {
						return false
					}
					o.IPVersion = int(v)
					return true
				}
				return false
			})
		case "trusted":
			if d.null() {
				p.Trusted = nil
				return true
			}
			var v bool
			if !d.boolean(&v) {
				return false
			}
			p.Trusted = &v
			return true
		case "tags":
			return d.strings(&p.Tags, false)
		}
		return false
	})
}

// decodeObject decodes a stored object of kind k (ports by hand, the
// rest through encoding/json).
func decodeObject(k *kind, val []byte, in interner) (any, error) {
	if k == ports {
		return decodePort(val, in)
	}
	obj := reflect.New(k.typ).Interface()
	return obj, json.Unmarshal(val, obj)
}

// decoded is a stored object decoded ahead of applying it (kind nil: the
// key is not an object's).
type decoded struct {
	kind *kind
	id   string
	obj  any
	err  error
}

// decodeChunk is how many keys a decoder takes at a time.
const decodeChunk = 1000

// listDecoded reads every key under the view's prefix, page by page, and
// decodes the objects among them on every core while the next pages are
// read: most of a full load's time is decoding. objs[i] is all[i]
// decoded (kind nil: the key is not an object's).
func listDecoded(ctx context.Context, st store.Store, k keys) (all []store.KV, objs []decoded, err error) {
	type chunk struct {
		kvs []store.KV
		out []decoded
	}
	work := make(chan chunk, 64)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			in := interner{} // one copy per worker of what repeats
			for c := range work {
				for i, kv := range c.kvs {
					kind, rest, ok := k.parse(kv.Key)
					kd := kindsByPlural[kind]
					if !ok || kd == nil {
						continue
					}
					obj, err := decodeObject(kd, kv.Value, in)
					c.out[i] = decoded{kind: kd, id: rest, obj: obj, err: err}
				}
			}
		})
	}
	var pages [][]store.KV
	var outs [][]decoded
	n := 0
	for after := ""; ; {
		page, more, lerr := st.List(ctx, string(k), after, store.MaxListLimit)
		if lerr != nil {
			err = lerr
			break
		}
		out := make([]decoded, len(page))
		for i := 0; i < len(page); i += decodeChunk {
			j := min(i+decodeChunk, len(page))
			work <- chunk{page[i:j], out[i:j]}
		}
		pages, outs, n = append(pages, page), append(outs, out), n+len(page)
		if !more || len(page) == 0 {
			break
		}
		after = page[len(page)-1].Key
	}
	close(work)
	wg.Wait()
	if err != nil {
		return nil, nil, err
	}
	all, objs = make([]store.KV, 0, n), make([]decoded, 0, n)
	for i := range pages {
		all, objs = append(all, pages[i]...), append(objs, outs[i]...)
	}
	return all, objs, nil
}
