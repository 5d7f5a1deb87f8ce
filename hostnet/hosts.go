package hostnet

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/netslice/netslice/store"
)

// Hosts is the hosts' network configuration in a store, as both sides
// use it: an API sets a host's desired Config; the host's Agent applies it
// and reports back its State. Keys, under Prefix (default "hostnet/"):
//
//	<host>/desired   the Config to apply
//	<host>/state     what the agent applied and what the host has
type Hosts struct {
	Store  store.Store
	Prefix string
}

func (h Hosts) key(host, what string) string {
	p := h.Prefix
	if p == "" {
		p = "hostnet/"
	}
	return p + host + "/" + what
}

// State is what a host's agent reports.
type State struct {
	// Revision is the store revision of the desired Config last applied,
	// or that failed to (Error then says why, and the host was left as it
	// was).
	Revision int64  `json:"revision"`
	Error    string `json:"error,omitempty"`
	// Applied is the configuration the host carries.
	Applied  Config           `json:"applied"`
	Networks []NetworkState   `json:"networks"`
	Links    []Link           `json:"links"`
	Stats    map[string]Stats `json:"stats"`
	Updated  time.Time        `json:"updated"`
	// ReadOnly says the agent reports only and applies nothing.
	ReadOnly bool `json:"read_only,omitempty"`
	// Interval is how often the agent reports at least.
	Interval time.Duration `json:"interval"`
}

// Desired returns a host's desired configuration and its revision (0
// when it has none).
func (h Hosts) Desired(ctx context.Context, host string) (Config, int64, error) {
	kv, err := h.Store.Get(ctx, h.key(host, "desired"))
	if errors.Is(err, store.ErrNotFound) {
		return Config{}, 0, nil
	}
	if err != nil {
		return Config{}, 0, err
	}
	var c Config
	err = json.Unmarshal(kv.Value, &c)
	return c, kv.ModRevision, err
}

// SetDesired replaces a host's desired configuration if it is still at
// revision ifRev (0: it has none), returning the new revision; a
// store.ErrConflict when another change came first.
func (h Hosts) SetDesired(ctx context.Context, host string, c Config, ifRev int64) (int64, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return 0, err
	}
	key := h.key(host, "desired")
	return h.Store.Txn(ctx, []store.Cond{store.IfModRevision(key, ifRev)}, []store.Op{store.PutOp(key, b)})
}

// State returns what a host's agent last reported.
func (h Hosts) State(ctx context.Context, host string) (State, error) {
	kv, err := h.Store.Get(ctx, h.key(host, "state"))
	if err != nil {
		return State{}, err
	}
	var s State
	err = json.Unmarshal(kv.Value, &s)
	return s, err
}

// WaitApplied waits until host's agent reports having handled revision
// rev (applied, or failed and rolled back) and returns that state.
func (h Hosts) WaitApplied(ctx context.Context, host string, rev int64) (State, error) {
	key := h.key(host, "state")
	for {
		kv, err := h.Store.Get(ctx, key)
		var st State
		if err == nil {
			if err := json.Unmarshal(kv.Value, &st); err == nil && st.Revision >= rev {
				return st, nil
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return st, err
		}
		wctx, cancel := context.WithCancel(ctx)
		events, err := h.Store.Watch(wctx, key, kv.ModRevision+1)
		if err != nil {
			cancel()
			return st, err
		}
		select {
		case <-events:
		case <-ctx.Done():
		}
		cancel()
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
	}
}

// List returns the hosts whose agents have reported, by name.
func (h Hosts) List(ctx context.Context) ([]string, error) {
	prefix := h.key("", "")
	prefix = strings.TrimSuffix(prefix, "/")
	var out []string
	for kv, err := range store.All(ctx, h.Store, prefix) {
		if err != nil {
			return nil, err
		}
		rest := strings.TrimPrefix(kv.Key, prefix)
		if host, ok := strings.CutSuffix(rest, "/state"); ok && !strings.Contains(host, "/") {
			out = append(out, host)
		}
	}
	sort.Strings(out)
	return out, nil
}
