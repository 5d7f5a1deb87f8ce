package sliceable

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/store"
)

// The store schema, under the service's key prefix (default "sliceable/").
// One prefix per kind, so a kind's children are one prefix scan and a
// cascade is a few prefix deletes:
//
//	T/<t>                  tenant       {"description"}
//	N/<t>/<n>              network      {"description"}
//	P/<t>/<n>/<p>          port         {"datapath_id","port","vid"}
//	PA/<t>/<n>/<p>/<a>     port attachment    {"mac"}
//	NA/<t>/<n>/<a>         network attachment {"mac"}
//
// and the unique indexes, each naming its holder:
//
//	L/<dpid>/<port>/<vid>  a location's port      {"port":"<t>/<n>/<p>"}
//	M/<t>/<n>/<mac>        a MAC's port attachment {"port","attachment"}
//	MN/<t>/<n>/<mac>       a MAC's network attachment {"attachment"}
//
// M and MN go with their network's cascade; L is global, so a cascade
// leaves it behind, naming a port that is gone: whoever claims the location
// next checks the holder and takes the key over (see claim).

// Limits of what the service takes.
const (
	// MaxIDLen is the longest id, in bytes.
	MaxIDLen = 255
	// MaxDescriptionLen is the longest description, in bytes.
	MaxDescriptionLen = 1024
)

// Errors of the service; test with errors.Is. Each is wrapped in an
// *Error that says what was wrong.
var (
	ErrNotFound = errors.New("sliceable: not found")
	ErrExists   = errors.New("sliceable: already exists")
	ErrInvalid  = errors.New("sliceable: invalid")
	// ErrInUse: a location or MAC another object holds.
	ErrInUse = errors.New("sliceable: in use")
	// ErrBusy: the object changed under the request too many times.
	ErrBusy = errors.New("sliceable: changing too fast; try again")
)

// Error is a service error: Kind is one of the errors above, Msg what a
// client is told.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns Kind.
func (e *Error) Unwrap() error { return e.Kind }

func fail(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// keys names the store keys under a prefix.
type keys string

func (k keys) tenant(t string) string     { return string(k) + "T/" + t }
func (k keys) network(t, n string) string { return string(k) + "N/" + t + "/" + n }
func (k keys) port(t, n, p string) string { return string(k) + "P/" + t + "/" + n + "/" + p }
func (k keys) pattach(t, n, p, a string) string {
	return string(k) + "PA/" + t + "/" + n + "/" + p + "/" + a
}
func (k keys) nattach(t, n, a string) string { return string(k) + "NA/" + t + "/" + n + "/" + a }
func (k keys) loc(l l2.Location) string      { return string(k) + "L/" + locKey(l) }
func (k keys) pmac(t, n string, m l2.MAC) string {
	return string(k) + "M/" + t + "/" + n + "/" + m.String()
}
func (k keys) nmac(t, n string, m l2.MAC) string {
	return string(k) + "MN/" + t + "/" + n + "/" + m.String()
}

// changed is the change marker of the lists under tenant t, or of the
// list of tenants for "" (see Service.txn).
func (k keys) changed(t string) string {
	if t == "" {
		return string(k) + "C"
	}
	return string(k) + "C/" + t
}

func locKey(l l2.Location) string {
	return l.Datapath.String() + "/" + strconv.FormatUint(uint64(l.Port), 10) + "/" + strconv.FormatUint(uint64(l.VLAN), 10)
}

// Prefixes of a kind under a tenant or network ("N/t/", "P/t/n/").
func (k keys) under(kind string, ids ...string) string {
	p := string(k) + kind + "/"
	for _, id := range ids {
		p += id + "/"
	}
	return p
}

// Stored values.
type (
	descValue struct {
		Description string `json:"description"`
	}
	portValue struct {
		DatapathID string `json:"datapath_id"`
		Port       uint32 `json:"port"`
		VID        uint16 `json:"vid"`
	}
	macValue struct {
		MAC string `json:"mac"`
	}
	// locHolder is an L index key's value.
	locHolder struct {
		Port string `json:"port"` // <t>/<n>/<p>
	}
	// macHolder is an M or MN index key's value.
	macHolder struct {
		Port       string `json:"port,omitempty"`
		Attachment string `json:"attachment"`
	}
)

func (p portValue) location() (l2.Location, error) {
	dp, err := l2.ParseDatapathID(p.DatapathID)
	if err != nil {
		return l2.Location{}, err
	}
	return l2.Location{Datapath: dp, Port: l2.Port(p.Port), VLAN: l2.VLAN(p.VID)}, nil
}

func valueOf(l l2.Location) portValue {
	return portValue{DatapathID: l.Datapath.String(), Port: uint32(l.Port), VID: uint16(l.VLAN)}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// checkID validates a client-given id.
func checkID(kind, id string) error {
	switch {
	case id == "":
		return fail(ErrInvalid, "%s id must not be empty", kind)
	case len(id) > MaxIDLen:
		return fail(ErrInvalid, "%s id is longer than %d bytes", kind, MaxIDLen)
	case !utf8.ValidString(id):
		return fail(ErrInvalid, "%s id is not UTF-8", kind)
	case strings.Contains(id, "/"):
		return fail(ErrInvalid, "%s id %q contains a slash", kind, id)
	case id == "." || id == "..":
		return fail(ErrInvalid, "%s id %q is not allowed", kind, id)
	}
	for _, c := range id {
		if unicode.IsControl(c) {
			return fail(ErrInvalid, "%s id contains a control character", kind)
		}
	}
	return nil
}

// idOrNew returns id, checked, or a new one when it is empty and may be
// generated.
func idOrNew(kind string, id *string) (string, error) {
	if id == nil {
		var b [8]byte
		rand.Read(b[:])
		return hex.EncodeToString(b[:]), nil
	}
	return *id, checkID(kind, *id)
}

func checkDescription(d string) error {
	if len(d) > MaxDescriptionLen {
		return fail(ErrInvalid, "description is longer than %d bytes", MaxDescriptionLen)
	}
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
