// Command slicing shows netslice's data flow end to end, on embedded
// defaults: slice configuration lives in the bolt store, an l2 fabric
// follows the store through a watch, and frames are decided by the fabric.
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
	fab := l2.NewFabric(l2.Options{})
	sync := &follower{s: s, f: fab, log: log}
	rev, err := sync.load(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "fabric loaded at revision %d: %v\n", rev, fab.Slices())
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	applied := make(chan int64, 16)
	go sync.follow(wctx, rev+1, applied)

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
	if err := waitFor(applied, rev); err != nil {
		return err
	}
	frame(out, fab, "alice to bob", port(1), alice, bob)
	frame(out, fab, "bob to alice", port(2), bob, alice)
	frame(out, fab, "a stranger on alice's port", port(1), l2.MustParseMAC("02:00:00:00:00:66"), bob)

	fmt.Fprintln(out, "\n-- learned")
	for _, id := range fab.Slices() {
		entries, _ := fab.Entries(id)
		for _, e := range entries {
			fmt.Fprintf(out, "%-12s %v at %v static=%v\n", id, e.MAC, e.Location, e.Static)
		}
	}
	return nil
}

func frame(out io.Writer, f *l2.Fabric, what string, in l2.Location, src, dst l2.MAC) {
	d := f.Decide(in, src, dst)
	switch d.Action {
	case l2.Forward:
		fmt.Fprintf(out, "%-32s slice %-12s forward to %v\n", what, d.Slice, d.Out)
	case l2.Flood:
		fmt.Fprintf(out, "%-32s slice %-12s flood to %v (%v)\n", what, d.Slice, f.FloodTargets(d, in, dst, nil), d.Reason)
	default:
		fmt.Fprintf(out, "%-32s slice %-12s drop (%v)\n", what, d.Slice, d.Reason)
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

// follower keeps a fabric in line with the slices in the store.
type follower struct {
	s   store.Store
	f   *l2.Fabric
	log *slog.Logger
}

// desired is one slice's configuration as the store has it.
type desired map[l2.Location][]l2.MAC

// read returns every slice in the store with its ports, and the revision
// it read them at (the store's, taken first, so a watch from rev+1 misses
// nothing).
func (fl *follower) read(ctx context.Context) (map[string]desired, int64, error) {
	rev, err := fl.s.Revision(ctx)
	if err != nil {
		return nil, 0, err
	}
	want := map[string]desired{}
	after := ""
	for {
		page, more, err := fl.s.List(ctx, prefix, after, 1000)
		if err != nil {
			return nil, 0, err
		}
		for _, kv := range page {
			slice, loc, isPort, err := parseKey(kv.Key)
			if err != nil {
				fl.log.Warn("skipping key", "key", kv.Key, "err", err)
				continue
			}
			if want[slice] == nil {
				want[slice] = desired{}
			}
			if isPort {
				var v portValue
				if err := json.Unmarshal(kv.Value, &v); err != nil {
					fl.log.Warn("skipping port", "key", kv.Key, "err", err)
					continue
				}
				want[slice][loc] = v.Attached
			}
		}
		if !more {
			return want, rev, nil
		}
		after = page[len(page)-1].Key
	}
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

// load reads the store and makes the fabric match it.
func (fl *follower) load(ctx context.Context) (int64, error) {
	want, rev, err := fl.read(ctx)
	if err != nil {
		return 0, err
	}
	return rev, fl.reconcile(want)
}

// reconcile changes the fabric, in one Update, to what want says: only the
// differences, so hosts learned on unchanged ports stay learned.
func (fl *follower) reconcile(want map[string]desired) error {
	_, err := fl.f.Update(func(tx *l2.Tx) error {
		for _, id := range fl.f.Slices() {
			if want[id] == nil {
				if err := tx.RemoveSlice(id); err != nil {
					return err
				}
			}
		}
		for id, ports := range want {
			if err := tx.SetSlice(id, l2.SliceSpec{Ports: ports}); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// follow watches the store and reconciles after each batch of changes,
// reporting the revision it caught up to.
func (fl *follower) follow(ctx context.Context, from int64, applied chan<- int64) {
	for ctx.Err() == nil {
		events, err := fl.s.Watch(ctx, prefix, from)
		if err != nil {
			fl.log.Error("watch", "err", err)
			return
		}
		for ev := range events {
			if ev.Err != nil {
				// Fell behind the kept history: start over from a fresh read.
				fl.log.Warn("watch ended, reloading", "err", ev.Err)
				rev, err := fl.load(ctx)
				if err != nil {
					fl.log.Error("reload", "err", err)
					return
				}
				from = rev + 1
				break
			}
			// Changes come in order; reconciling from a fresh read folds
			// every change up to now into one fabric update.
			want, rev, err := fl.read(ctx)
			if err != nil {
				fl.log.Error("read", "err", err)
				return
			}
			if err := fl.reconcile(want); err != nil {
				fl.log.Error("reconcile", "err", err)
			}
			from = max(ev.KV.ModRevision, rev) + 1
			select {
			case applied <- rev:
			default:
			}
		}
	}
}

func waitFor(applied <-chan int64, rev int64) error {
	timeout := time.After(5 * time.Second)
	for {
		select {
		case r := <-applied:
			if r >= rev {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("fabric did not catch up with revision %d", rev)
		}
	}
}
