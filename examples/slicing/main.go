// Command slicing shows netslice's data flow end to end, on embedded
// defaults: slice configuration lives in the bolt store, an l2 fabric
// follows the store through a source of slices (l2/sources: a watch that
// survives the store's failures), and frames are decided by the fabric.
//
// It writes a demo configuration (two tenants' slices sharing a switch),
// sends frames between their hosts, then changes the configuration in the
// store — a port is unbound, a host attached — and shows the fabric follow.
//
//	go run ./examples/slicing [-data DIR]
//
// Run it twice: the second run finds the first one's configuration on disk
// and writes the demo's again.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/sources"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/bolt"
)

// The store layout: one key a slice, one key a port binding.
//
//	slices/<slice>                          {}
//	slices/<slice>/ports/<dpid>/<port>/<vid> {"attached": ["<mac>", …]}
const prefix = "slices/"

type portValue struct {
	Attached []l2.MAC `json:"attached,omitempty"`
}

func main() {
	data := flag.String("data", envOr("NETSLICE_DATA", "netslice-data"), "directory for the store (env NETSLICE_DATA)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := run(context.Background(), os.Stdout, *data, log); err != nil {
		fmt.Fprintln(os.Stderr, "slicing:", err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, out io.Writer, dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "netslice.db")
	s, err := bolt.Open(path, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(out, "store: %s\n", path)

	if err := seed(ctx, out, s); err != nil {
		return err
	}
	// The fabric follows the store through a source of slices: the
	// slices under prefix, as "demo/<tenant>/<network>".
	fab := l2.NewFabric(l2.Options{})
	fl := sources.New(fab.Update, sources.Options{Logger: log})
	src := demo{sources.StoreFeed{Store: s, Prefix: prefix, Load: load(s, log), Affected: affected, Reload: reload(s, log)}}
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	go fl.Run(fctx, src)
	rev, err := s.Revision(ctx)
	if err != nil {
		return err
	}
	if err := caughtUp(fl, rev); err != nil {
		return err
	}
	fmt.Fprintf(out, "fabric loaded at revision %d: %v\n", rev, fab.Slices())

	sw := l2.DatapathID(0xe0)
	port := func(n l2.Port) l2.Location { return l2.Location{Datapath: sw, Port: n, VLAN: l2.Untagged} }
	alice, bob, carol := l2.MustParseMAC("02:00:00:00:00:0a"), l2.MustParseMAC("02:00:00:00:00:0b"), l2.MustParseMAC("02:00:00:00:00:0c")

	fmt.Fprintln(out, "\n-- traffic")
	frame(out, fab, "alice ARPs", port(1), alice, l2.Broadcast)
	frame(out, fab, "bob replies", port(2), bob, alice)
	frame(out, fab, "alice to bob", port(1), alice, bob)
	frame(out, fab, "carol (other tenant) to alice", port(3), carol, alice)

	fmt.Fprintln(out, "\n-- configuration change in the store: unbind bob's port, pin alice to port 1")
	v, _ := json.Marshal(portValue{Attached: []l2.MAC{alice}})
	rev, err = s.Txn(ctx, nil, []store.Op{
		store.DeleteOp(portKey("acme/office", port(2))),
		store.PutOp(portKey("acme/office", port(1)), v),
	})
	if err != nil {
		return err
	}
	if err := caughtUp(fl, rev); err != nil {
		return err
	}
	frame(out, fab, "alice to bob", port(1), alice, bob)
	frame(out, fab, "bob to alice", port(2), bob, alice)
	frame(out, fab, "a stranger on alice's port", port(1), l2.MustParseMAC("02:00:00:00:00:66"), bob)

	fmt.Fprintln(out, "\n-- learned")
	for _, id := range fab.Slices() {
		entries, _ := fab.Entries(id)
		for _, e := range entries {
			fmt.Fprintf(out, "%-17s %v at %v static=%v\n", id, e.MAC, e.Location, e.Static)
		}
	}
	return nil
}

func frame(out io.Writer, f *l2.Fabric, what string, in l2.Location, src, dst l2.MAC) {
	d := f.Decide(in, src, dst)
	switch d.Action {
	case l2.Forward:
		fmt.Fprintf(out, "%-32s slice %-17s forward to %v\n", what, d.Slice, d.Out)
	case l2.Flood:
		fmt.Fprintf(out, "%-32s slice %-17s flood to %v (%v)\n", what, d.Slice, f.FloodTargets(d, in, dst, nil), d.Reason)
	default:
		fmt.Fprintf(out, "%-32s slice %-17s drop (%v)\n", what, d.Slice, d.Reason)
	}
}

func portKey(slice string, l l2.Location) string {
	return fmt.Sprintf("%s%s/ports/%s/%d/%d", prefix, slice, l.Datapath, l.Port, l.VLAN)
}

// seed writes the demo configuration, saying whether an earlier run left
// one in the store.
func seed(ctx context.Context, out io.Writer, s store.Store) error {
	if kv, err := s.Get(ctx, prefix+"acme/office"); err == nil {
		fmt.Fprintf(out, "configuration found in the store (written at revision %d)\n", kv.CreateRevision)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	empty, _ := json.Marshal(portValue{})
	ops := []store.Op{store.PutOp(prefix+"acme/office", []byte("{}")), store.PutOp(prefix+"globex/lab", []byte("{}"))}
	for _, p := range []struct {
		slice string
		port  l2.Port
	}{{"acme/office", 1}, {"acme/office", 2}, {"globex/lab", 3}, {"globex/lab", 4}} {
		ops = append(ops, store.PutOp(portKey(p.slice, l2.Location{Datapath: 0xe0, Port: p.port, VLAN: l2.Untagged}), empty))
	}
	rev, err := s.Txn(ctx, nil, ops)
	if err == nil {
		fmt.Fprintf(out, "demo configuration written at revision %d\n", rev)
	}
	return err
}

// demo is the source of the slices under prefix: StoreFeed follows the
// store, reading a slice again whenever a key of it changes.
type demo struct{ sources.StoreFeed }

func (demo) Name() string { return "demo" }

// load reads every slice in the store with its ports.
func load(s store.Store, log *slog.Logger) func(context.Context) (map[string]l2.SliceSpec, error) {
	return func(ctx context.Context) (map[string]l2.SliceSpec, error) {
		all := map[string]l2.SliceSpec{}
		for kv, err := range store.All(ctx, s, prefix) {
			if err != nil {
				return nil, err
			}
			addKey(all, kv, log)
		}
		return all, nil
	}
}

// reload reads one slice; nil when it is gone.
func reload(s store.Store, log *slog.Logger) func(context.Context, string) (*l2.SliceSpec, error) {
	return func(ctx context.Context, slice string) (*l2.SliceSpec, error) {
		if _, err := s.Get(ctx, prefix+slice); errors.Is(err, store.ErrNotFound) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		one := map[string]l2.SliceSpec{slice: {Ports: map[l2.Location][]l2.MAC{}}}
		for kv, err := range store.All(ctx, s, prefix+slice+"/ports/") {
			if err != nil {
				return nil, err
			}
			addKey(one, kv, log)
		}
		spec := one[slice]
		return &spec, nil
	}
}

// affected returns the slice a key belongs to.
func affected(key string) []string {
	slice, _, _, err := parseKey(key)
	if err != nil {
		return nil
	}
	return []string{slice}
}

// addKey adds what one key says to the slices; a key it cannot read is
// logged and skipped.
func addKey(slices map[string]l2.SliceSpec, kv store.KV, log *slog.Logger) {
	slice, loc, isPort, err := parseKey(kv.Key)
	if err != nil {
		log.Warn("skipping key", "key", kv.Key, "err", err)
		return
	}
	spec, ok := slices[slice]
	if !ok {
		spec = l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{}}
		slices[slice] = spec
	}
	if !isPort {
		return
	}
	var v portValue
	if err := json.Unmarshal(kv.Value, &v); err != nil {
		log.Warn("skipping port", "key", kv.Key, "err", err)
		return
	}
	spec.Ports[loc] = v.Attached
}

func parseKey(key string) (slice string, loc l2.Location, isPort bool, err error) {
	rest := strings.TrimPrefix(key, prefix)
	slice, ports, isPort := strings.Cut(rest, "/ports/")
	if !isPort {
		return rest, l2.Location{}, false, nil
	}
	parts := strings.Split(ports, "/")
	if len(parts) != 3 {
		return "", loc, false, fmt.Errorf("want dpid/port/vid, got %q", ports)
	}
	dp, err := l2.ParseDatapathID(parts[0])
	if err != nil {
		return "", loc, false, err
	}
	var port uint32
	if _, err := fmt.Sscan(parts[1], &port); err != nil {
		return "", loc, false, err
	}
	vid, err := l2.ParseVLAN(parts[2])
	if err != nil {
		return "", loc, false, err
	}
	return slice, l2.Location{Datapath: dp, Port: l2.Port(port), VLAN: vid}, true, nil
}

// caughtUp waits until the source has reported up to revision rev.
func caughtUp(fl *sources.Follower, rev int64) error {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if st := fl.Status(); len(st) == 1 && st[0].Revision >= rev {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("fabric did not catch up with revision %d", rev)
}
