package neutron

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/memory"
)

// TestViewHoldsNoTransactionInPart: a watch may hand over a transaction's
// events in two batches. Between them the view holds the pool a subnet
// was taken from at its new revision but not the subnet; a writer reading
// then would allocate the same prefix and commit. Readers wait for the
// transaction's head instead.
func TestViewHoldsNoTransactionInPart(t *testing.T) {
	k := keys("n/")
	v := newView(k, nil)
	put := func(key string, val string, rev int64) {
		v.mu.Lock()
		defer v.mu.Unlock()
		v.apply(store.Event{Type: store.EventPut, KV: store.KV{Key: key, Value: []byte(val), CreateRevision: rev, ModRevision: rev}})
	}
	put(k.object("subnetpools", "p"), `{"id":"p"}`, 5)
	put(k.head(), "", 5)
	require.NoError(t, v.rlock(context.Background()), "a whole transaction")
	v.mu.RUnlock()

	put(k.object("subnetpools", "p"), `{"id":"p"}`, 6) // the first batch ends here
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, v.rlock(ctx), context.DeadlineExceeded, "half a transaction is not read")

	done := make(chan error, 1)
	go func() {
		err := v.rlock(context.Background())
		if err == nil {
			v.mu.RUnlock()
		}
		done <- err
	}()
	put(k.object("subnets", "s"), `{"id":"s","subnetpool_id":"p","cidr":"10.0.0.0/24"}`, 6)
	put(k.head(), "", 6)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(tornWait / 2):
		t.Fatal("a reader still waits once the transaction is whole")
	}
	require.NoError(t, v.rlock(context.Background()))
	assert.NotNil(t, v.subnet("s"))
	v.mu.RUnlock()

	// A write that is not a service's (no head) is read after tornWait.
	put(k.object("networks", "stray"), `{"id":"stray"}`, 7)
	start := time.Now()
	require.NoError(t, v.rlock(context.Background()))
	v.mu.RUnlock()
	assert.GreaterOrEqual(t, time.Since(start), tornWait)
}

// TestSortedIndexOrder: lists sorted by an indexed attribute (name, a
// port's MAC) page through its index in the order the attribute then id
// give, ascending and descending, forward and back from a marker — the
// order a list sorted by any attribute has — whether the view took the
// objects one at a time or loaded them at once.
func TestSortedIndexOrder(t *testing.T) {
	k := keys("n/")
	applied := newView(k, nil) // one change at a time, as a watch hands them over
	st := memory.New(nil)
	defer st.Close()
	applied.mu.Lock()
	type row struct{ id, name, mac string }
	var rows []row
	for i := range 60 {
		// Few distinct names and MACs: ties are broken by id.
		r := row{fmt.Sprintf("p%03d", (i*37)%60), fmt.Sprintf("port-%d", i%7), fmt.Sprintf("fa:16:3e:00:00:%02x", i%11)}
		rows = append(rows, r)
		val := fmt.Sprintf(`{"id":%q,"name":%q,"mac_address":%q,"network_id":"n","project_id":"p"}`, r.id, r.name, r.mac)
		applied.apply(store.Event{Type: store.EventPut, KV: store.KV{Key: k.object("ports", r.id), Value: []byte(val), CreateRevision: int64(i + 1), ModRevision: int64(i + 1)}})
		_, err := st.Put(context.Background(), k.object("ports", r.id), []byte(val))
		require.NoError(t, err)
	}
	applied.mu.Unlock()
	loaded := newView(k, nil) // all at once, as a start reads the store
	require.NoError(t, loaded.load(context.Background(), st, 0))
	admin := Caller{Project: "p", Admin: true}
	for _, v := range []*view{applied, loaded} {
		for _, attr := range []string{"name", "mac_address"} {
			key := func(r row) string {
				if attr == "name" {
					return r.name
				}
				return r.mac
			}
			for _, desc := range []bool{false, true} {
				want := slices.Clone(rows)
				slices.SortFunc(want, func(a, b row) int {
					if c := cmp.Compare(key(a), key(b)); c != 0 {
						return c
					}
					return cmp.Compare(a.id, b.id)
				})
				if desc {
					slices.Reverse(want)
				}
				var wantIDs []string
				for _, r := range want {
					wantIDs = append(wantIDs, r.id)
				}
				require.NotNil(t, v.tables[ports].sorted[attr], "%s has an index", attr)
				q := Query{Sort: []SortKey{{Key: attr, Desc: desc}}, Limit: 7}
				var got []string
				for {
					page, err := v.list(admin, ports, q, 0)
					require.NoError(t, err)
					for _, o := range page.Items {
						got = append(got, o.(*Port).ID)
					}
					if !page.Next {
						break
					}
					q.Marker = got[len(got)-1]
				}
				assert.Equal(t, wantIDs, got, "%s desc=%v: forward pages", attr, desc)
				// Back from the 30th: the 7 before it, in list order.
				q = Query{Sort: []SortKey{{Key: attr, Desc: desc}}, Limit: 7, Marker: wantIDs[30], PageReverse: true}
				page, err := v.list(admin, ports, q, 0)
				require.NoError(t, err)
				var back []string
				for _, o := range page.Items {
					back = append(back, o.(*Port).ID)
				}
				assert.Equal(t, wantIDs[23:30], back, "%s desc=%v: a reverse page", attr, desc)
			}
		}
		assert.Nil(t, v.tables[networks].sorted["mac_address"], "only ports have MACs")
	}
}

// TestPortJSON: ports written by hand are json.Marshal's bytes for an
// admin, and the same object without the admin-only attributes for
// anyone else, whatever the strings hold.
func TestPortJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	strs := []string{"", "plain", "fa:16:3e:00:00:01", `quote " and \ backslash`, "<html> & co", "tab\there", "ünïcödé", "\u2028 line sep",
		string([]byte{0xff, 'x'}), "控制", "\x00nul"}
	s := func() string { return strs[rng.IntN(len(strs))] }
	for range 2000 {
		p := &Port{Standard: Standard{ID: s(), TenantID: s(), ProjectID: s(), Description: s(), CreatedAt: s(), UpdatedAt: s(),
			RevisionNumber: rng.Int64N(1000) - 5},
			Name: s(), NetworkID: s(), AdminStateUp: rng.IntN(2) == 0, Status: s(), MACAddress: s(), DeviceID: s(), DeviceOwner: s(),
			PortSecurityEnabled: rng.IntN(2) == 0, HostID: s(), VIFType: s(), VNICType: s()}
		if rng.IntN(3) > 0 {
			p.FixedIPs = []FixedIP{}
			for range rng.IntN(3) {
				p.FixedIPs = append(p.FixedIPs, FixedIP{SubnetID: s(), IPAddress: s()})
			}
		}
		if rng.IntN(3) > 0 {
			p.SecurityGroups = []string{}
			for range rng.IntN(3) {
				p.SecurityGroups = append(p.SecurityGroups, s())
			}
		}
		if rng.IntN(3) > 0 {
			p.AllowedAddressPairs = []AddressPair{{IPAddress: s(), MACAddress: s()}}[:rng.IntN(2)]
		}
		if rng.IntN(3) > 0 {
			p.ExtraDHCPOpts = []DHCPOption{{Name: s(), Value: s(), IPVersion: rng.IntN(7)}}[:rng.IntN(2)]
		}
		switch rng.IntN(3) {
		case 0:
			p.Profile = map[string]any{"port": float64(rng.IntN(100)), "vlan": float64(7), "z": s(), "a": []any{true, nil}}
		case 1:
			p.Profile = map[string]any{}
		}
		if rng.IntN(2) == 0 {
			p.VIFDetails = map[string]any{"port_filter": true}
		}
		if rng.IntN(3) > 0 {
			v := rng.IntN(2) == 0
			p.Trusted = &v
		}
		if rng.IntN(2) == 0 {
			p.Tags = []string{s(), s()}
		}
		want, err := json.Marshal(p)
		require.NoError(t, err)
		require.Equal(t, string(want), string(appendPort(nil, p, true)), "admin")
		var got, was map[string]any
		require.NoError(t, json.Unmarshal(appendPort(nil, p, false), &got))
		require.NoError(t, json.Unmarshal(renderReflect(ports, p, Caller{Project: "x"}, nil), &was))
		require.Equal(t, was, got, "not an admin")
	}
}

// TestClaimsShareThePortID: the view holds a port's ID once — its table
// and indexes share the port's own string rather than the store key it
// came from, and so do its address claims (after a create; a restart
// leaves them copies, see portID).
func TestClaimsShareThePortID(t *testing.T) {
	st := memory.New(nil)
	ctx := WithCaller(context.Background(), Caller{Project: "p", Admin: true})
	check := func(svc *Service, id string, claims bool) {
		t.Helper()
		_, err := svc.Ports(ctx, Query{}) // caught up with the writes
		require.NoError(t, err)
		require.NoError(t, svc.v.rlock(ctx))
		defer svc.v.mu.RUnlock()
		e := svc.v.tables[ports].m[id]
		require.NotNil(t, e)
		p := e.obj.(*Port)
		same := func(what, s string) {
			t.Helper()
			assert.Equal(t, p.ID, s, what)
			assert.Same(t, unsafe.StringData(p.ID), unsafe.StringData(s), what)
		}
		for key := range svc.v.tables[ports].m {
			if key == id {
				same("the table's key", key)
			}
		}
		_, used := svc.v.macs[p.NetworkID][p.MACAddress]
		assert.True(t, used, "the MAC's claim")
		require.NotEmpty(t, p.FixedIPs)
		for _, ip := range p.FixedIPs {
			owner, ok := svc.v.addrs[ip.SubnetID].owner(netip.MustParseAddr(ip.IPAddress))
			require.True(t, ok)
			if claims {
				same("the address's claim", owner)
			} else {
				assert.Equal(t, p.ID, owner, "the address's claim")
			}
		}
	}
	svc, err := NewService(st, Options{})
	require.NoError(t, err)
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.Run(runCtx); close(done) }()
	n, err := svc.CreateNetwork(ctx, Attrs{"name": "n"})
	require.NoError(t, err)
	_, err = svc.CreateSubnet(ctx, Attrs{"network_id": n.ID, "cidr": "10.0.0.0/24", "ip_version": 4})
	require.NoError(t, err)
	p, err := svc.CreatePort(ctx, Attrs{"network_id": n.ID})
	require.NoError(t, err)
	check(svc, p.ID, true)
	stop()
	<-done

	again, err := NewService(st, Options{})
	require.NoError(t, err)
	running(t, again)
	check(again, p.ID, false)
}

// TestUpdateLeavesTheOldObject: an update builds a new object from a copy
// of the old one, which shares the old one's lists, maps and pointers;
// what the request gives must replace them, not be written into them
// (the view's object would change under its readers, and stay changed
// when the request fails).
func TestUpdateLeavesTheOldObject(t *testing.T) {
	svc, err := NewService(memory.New(nil), Options{})
	require.NoError(t, err)
	running(t, svc)
	ctx := WithCaller(context.Background(), Caller{Project: "p", Admin: true})
	n, err := svc.CreateNetwork(ctx, Attrs{"name": "n"})
	require.NoError(t, err)

	// A list, in a request that fails after decoding it (the gateway is
	// outside the subnet).
	sub, err := svc.CreateSubnet(ctx, Attrs{"network_id": n.ID, "cidr": "10.0.0.0/24", "ip_version": 4,
		"dns_nameservers": []string{"8.8.8.8", "8.8.4.4"}})
	require.NoError(t, err)
	_, err = svc.UpdateSubnet(ctx, sub.ID, Attrs{"dns_nameservers": []string{"1.1.1.1"}, "gateway_ip": "192.168.9.1"}, -1)
	require.Error(t, err)
	got, err := svc.Subnet(ctx, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"8.8.8.8", "8.8.4.4"}, got.DNSNameservers)

	// A map is replaced, as neutron replaces binding:profile; a pointer is
	// not written through.
	p, err := svc.CreatePort(ctx, Attrs{"network_id": n.ID, "binding:profile": map[string]any{"a": 1}, "trusted": true})
	require.NoError(t, err)
	before, err := svc.Port(ctx, p.ID)
	require.NoError(t, err)
	require.NotNil(t, before.Trusted)
	_, err = svc.UpdatePort(ctx, p.ID, Attrs{"binding:profile": map[string]any{"b": 2}, "trusted": false}, -1)
	require.NoError(t, err)
	after, err := svc.Port(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"b": float64(2), "trusted": false}, after.Profile)
	assert.Equal(t, map[string]any{"a": float64(1), "trusted": true}, before.Profile, "the old port's profile")
	assert.True(t, *before.Trusted, "the old port's flag")
}
