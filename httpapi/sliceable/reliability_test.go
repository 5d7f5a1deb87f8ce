package sliceable_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/sliceable"
	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/etcd"
	"github.com/netslice/netslice/store/etcd/etcdtest"
	"github.com/netslice/netslice/store/memory"
)

// TestConcurrentDistinctPorts: creates of different ports never wait on
// or fail for each other; creates of one location, from many clients at
// once, succeed exactly once.
func TestConcurrentDistinctPorts(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		a := newAPI(t, st)
		a.expect("POST", "/tenants/t/networks", `{"id":"n"}`, 202)
		a.expect("POST", "/tenants/t/networks", `{"id":"m"}`, 202)
		var wg sync.WaitGroup
		var other atomic.Int64
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := a.do("POST", "/tenants/t/networks/n/ports", fmt.Sprintf(`{"datapath_id":"0x1","port":%d,"vid":1}`, i+1))
				if r.status != 202 {
					other.Add(1)
					t.Errorf("port %d: %d %s", i+1, r.status, r.body)
				}
			}()
		}
		wg.Wait()
		assert.Zero(t, other.Load())
		assert.Len(t, a.json("GET", "/tenants/t/networks/n/ports", "", 200), 50)

		var won atomic.Int64
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				net := []string{"n", "m"}[i%2]
				switch r := a.do("POST", "/tenants/t/networks/"+net+"/ports", `{"datapath_id":"0x2","port":1,"vid":1}`); r.status {
				case 202:
					won.Add(1)
				case 422:
					assert.Contains(t, r.body, "already bound")
				default:
					t.Errorf("%d %s", r.status, r.body)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int64(1), won.Load(), "one location, bound more than once")
	})
}

// TestLocationFreedByCascade: deleting a network frees its ports'
// locations for others, though the cascade leaves their index keys.
func TestLocationFreedByCascade(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		a := newAPI(t, st)
		a.expect("POST", "/tenants/t/networks", `{"id":"old"}`, 202)
		a.expect("POST", "/tenants/t/networks/old/ports", `{"id":"p","datapath_id":"0x1","port":1,"vid":1}`, 202)
		a.expect("DELETE", "/tenants/t", "", 202)
		a.expect("POST", "/tenants/u/networks", `{"id":"new"}`, 202)
		a.expect("POST", "/tenants/u/networks/new/ports", `{"id":"q","datapath_id":"0x1","port":1,"vid":1}`, 202)
		// A port re-created under the old id elsewhere does not hold the
		// location it had.
		a.expect("POST", "/tenants/t/networks", `{"id":"old"}`, 202)
		a.expect("POST", "/tenants/t/networks/old/ports", `{"id":"p","datapath_id":"0x1","port":2,"vid":1}`, 202)
		a.expect("DELETE", "/tenants/u", "", 202)
		a.expect("POST", "/tenants/t/networks/old/ports", `{"id":"r","datapath_id":"0x1","port":1,"vid":1}`, 202)
		r := a.expect("POST", "/tenants/t/networks/old/ports", `{"datapath_id":"0x1","port":2,"vid":1}`, 422)
		assert.Contains(t, r.body, "t/old/p", "the message names the holder")
	})
}

// TestAttachmentsUnique: a MAC is attached once per network of each kind.
func TestAttachmentsUnique(t *testing.T) {
	st := memory.New(nil)
	defer st.Close()
	a := newAPI(t, st)
	net := "/tenants/t/networks/n"
	a.expect("POST", "/tenants/t/networks", `{"id":"n"}`, 202)
	a.expect("POST", net+"/ports", `{"id":"p","datapath_id":"0x1","port":1,"vid":1}`, 202)
	a.expect("POST", net+"/attachments", `{"id":"a","mac":"02:00:00:00:00:01"}`, 202)
	r := a.expect("POST", net+"/attachments", `{"id":"b","mac":"02-00-00-00-00-01"}`, 422)
	assert.Contains(t, r.body, "already attached")
	// Port-attached too is fine: the fabric tells them apart by port.
	a.expect("POST", net+"/ports/p/attachments", `{"id":"c","mac":"02:00:00:00:00:01"}`, 202)
	a.expect("DELETE", net+"/attachments/a", "", 202)
	a.expect("POST", net+"/attachments", `{"id":"b","mac":"02:00:00:00:00:01"}`, 202)
}

// TestLocationRoundTrip: every id the API accepts leads back to its
// object through the Location it answers with.
func TestLocationRoundTrip(t *testing.T) {
	st := memory.New(nil)
	defer st.Close()
	a := newAPI(t, st)
	for _, id := range []string{"q?x=1", "h#frag", "p%41", "sp ace", "ü", `a"b`, "a\\b", "+&=;", "..."} {
		body := fmt.Sprintf(`{"id":%q}`, id)
		r := a.expect("POST", "/tenants", body, 202)
		loc := r.header.Get("Location")
		u, err := url.Parse(loc)
		require.NoError(t, err, loc)
		assert.Equal(t, "/tenants/"+id, u.Path, "Location %q", loc)
		a.expect("GET", u.EscapedPath(), "", 200)
	}
}

// TestInputEdges: what the issue found, each answered clearly, nothing
// stored.
func TestInputEdges(t *testing.T) {
	st := memory.New(nil)
	defer st.Close()
	a := newAPI(t, st)
	a.expect("POST", "/tenants/t/networks", `{"id":"n"}`, 202)
	rev, _ := st.Revision(context.Background())
	for _, tt := range []struct {
		path, body, want string
	}{
		{"/tenants", "{\"id\":\"a\xffb\"}", "not valid UTF-8"},
		{"/tenants", `null`, "must be a JSON object, not null"},
		{"/tenants", `{"ID":"x"}`, `unknown field "ID"`},
		{"/tenants", `[1,2]`, "must be a JSON object, not an array"},
		{"/tenants", `{"id":"x"}xyz`, "unexpected data after the value"},
		{"/tenants/t/networks/n/ports", `{"datapath_id":"0x1","port":-1,"vid":1}`, `field "port" must be an integer from 0 to 4294967295, not -1`},
		{"/tenants", `{"description":"` + strings.Repeat("d", 1025) + `"}`, "description is longer than 1024 bytes"},
	} {
		r := a.expect("POST", tt.path, tt.body, 422)
		assert.Contains(t, r.body, tt.want, tt.body)
		assert.NotContains(t, r.body, "store:", "internals reached the client")
	}
	after, _ := st.Revision(context.Background())
	assert.Equal(t, rev, after)
	r := httpReq(a, "GET", "/tenants", "application/json;q=0")
	assert.Equal(t, http.StatusNotAcceptable, r.status)
}

func httpReq(a *api, method, path, accept string) resp {
	a.t.Helper()
	req, _ := http.NewRequest(method, path, nil)
	req.Header.Set("Accept", accept)
	req.RequestURI = path
	w := &recorder{header: http.Header{}}
	a.c.Handler.ServeHTTP(w, req)
	return resp{status: w.status, body: w.body.String()}
}

type recorder struct {
	header http.Header
	status int
	body   strings.Builder
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int)   { r.status = s }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.body.Write(b)
}

// down is a store that cannot be reached.
type down struct{ store.Store }

func (down) Get(context.Context, string) (store.KV, error) { return store.KV{}, store.ErrUnavailable }
func (down) List(context.Context, string, string, int) ([]store.KV, bool, error) {
	return nil, false, store.ErrUnavailable
}
func (down) Txn(context.Context, []store.Cond, []store.Op) (int64, error) {
	return 0, store.ErrUnavailable
}
func (down) Create(context.Context, string, []byte) (int64, error) { return 0, store.ErrUnavailable }
func (down) Revision(context.Context) (int64, error)               { return 0, store.ErrUnavailable }

// TestStoreUnavailable: every route answers 503 with Retry-After, at once,
// when the store cannot be reached.
func TestStoreUnavailable(t *testing.T) {
	mem := memory.New(nil)
	defer mem.Close()
	a := newAPI(t, down{mem})
	net := "/tenants/t/networks/n"
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/tenants", ""}, {"POST", "/tenants", `{"id":"x"}`}, {"GET", "/tenants/t", ""}, {"PUT", "/tenants/t", `{"description":"d"}`},
		{"DELETE", "/tenants/t", ""}, {"GET", "/tenants/t/networks", ""}, {"POST", "/tenants/t/networks", `{"id":"n"}`},
		{"GET", net, ""}, {"PUT", net, `{"description":"d"}`}, {"DELETE", net, ""},
		{"GET", net + "/ports", ""}, {"POST", net + "/ports", `{"datapath_id":"0x1","port":1,"vid":1}`},
		{"GET", net + "/ports/p", ""}, {"DELETE", net + "/ports/p", ""},
		{"GET", net + "/ports/p/attachments", ""}, {"POST", net + "/ports/p/attachments", `{"id":"a","mac":"02:00:00:00:00:01"}`},
		{"GET", net + "/ports/p/attachments/a", ""}, {"DELETE", net + "/ports/p/attachments/a", ""},
		{"GET", net + "/attachments", ""}, {"POST", net + "/attachments", `{"id":"a","mac":"02:00:00:00:00:01"}`},
		{"GET", net + "/attachments/a", ""}, {"DELETE", net + "/attachments/a", ""},
	} {
		start := time.Now()
		r := a.expect(c.method, c.path, c.body, 503)
		assert.Equal(t, "1", r.header.Get("Retry-After"), "%s %s", c.method, c.path)
		assert.Less(t, time.Since(start), 100*time.Millisecond)
	}
}

// TestIntegrationEtcdOutage: with etcd stopped the API answers 503 within
// the store's request timeout, and once it is back the API and the fabric
// following it resume by themselves.
func TestIntegrationEtcdOutage(t *testing.T) {
	srv := etcdtest.Start(t)
	st, err := etcd.Open(context.Background(), etcd.Options{Endpoints: []string{srv.Endpoint}, Prefix: "/outage/", RequestTimeout: time.Second})
	require.NoError(t, err)
	defer st.Close()
	a := newAPI(t, st)
	fabric := l2.NewFabric(l2.Options{})
	wait := following(t, st, fabric, nil)
	a.expect("POST", "/tenants/acme/networks", `{"id":"office"}`, 202)
	wait()

	srv.Stop()
	for range 3 {
		start := time.Now()
		r := a.expect("POST", "/tenants/acme/networks", `{"id":"lab"}`, 503)
		assert.Equal(t, "1", r.header.Get("Retry-After"))
		assert.Less(t, time.Since(start), 2500*time.Millisecond, "a request hung on the lost store")
	}
	srv.Restart(t)
	back := time.Now()
	require.Eventually(t, func() bool { return a.do("POST", "/tenants/acme/networks", `{"id":"lab"}`).status == 202 },
		10*time.Second, 20*time.Millisecond)
	t.Logf("the API answered again %v after etcd did", time.Since(back))
	wait()
	assert.Equal(t, []string{"sliceable/acme/lab", "sliceable/acme/office"}, fabric.Slices(), "the fabric stopped following")
}

// TestReindex: a store an earlier version wrote (no index keys, a version
// key) gets its indexes, and uniqueness holds for what it held.
func TestReindex(t *testing.T) {
	st := memory.New(nil)
	defer st.Close()
	ctx := context.Background()
	for k, v := range map[string]string{
		"sliceable/T/t":        `{"description":""}`,
		"sliceable/N/t/n":      `{"description":""}`,
		"sliceable/P/t/n/p":    `{"datapath_id":"0x0000000000000001","port":1,"vid":1}`,
		"sliceable/PA/t/n/p/a": `{"mac":"02:00:00:00:00:01"}`,
		"sliceable/NA/t/n/b":   `{"mac":"02:00:00:00:00:02"}`,
		"sliceable/V/ports":    ``,
		"sliceable/V/macs/t/n": ``,
	} {
		_, err := st.Put(ctx, k, []byte(v))
		require.NoError(t, err)
	}
	a := newAPI(t, st)
	svc, err := sliceable.NewService(st, sliceable.Options{})
	require.NoError(t, err)
	require.NoError(t, svc.Reindex(ctx))
	require.NoError(t, svc.Reindex(ctx), "twice")
	a.expect("POST", "/tenants/t/networks/n/ports", `{"datapath_id":"0x1","port":1,"vid":1}`, 422)
	a.expect("POST", "/tenants/t/networks/n/attachments", `{"id":"c","mac":"02:00:00:00:00:02"}`, 422)
	_, err = st.Get(ctx, "sliceable/V/ports")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

// TestLargeListFollowsWrites: a list large enough to be kept rendered is
// rendered again after any write.
func TestLargeListFollowsWrites(t *testing.T) {
	st := memory.New(nil)
	defer st.Close()
	a := newAPI(t, st)
	desc := strings.Repeat("d", 100)
	for i := range 300 {
		a.expect("POST", "/tenants/t/networks", fmt.Sprintf(`{"id":"n%03d","description":%q}`, i, desc), 202)
	}
	first := a.expect("GET", "/tenants/t/networks", "", 200).body
	require.Greater(t, len(first), 16<<10)
	assert.Equal(t, first, a.expect("GET", "/tenants/t/networks", "", 200).body)
	a.expect("PUT", "/tenants/t/networks/n007", `{"description":"changed"}`, 202)
	assert.Contains(t, a.expect("GET", "/tenants/t/networks", "", 200).body, `{"id":"n007","description":"changed"}`)
	a.expect("DELETE", "/tenants/t/networks/n008", "", 202)
	assert.NotContains(t, a.expect("GET", "/tenants/t/networks", "", 200).body, `"n008"`)
}
