package kimchi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/store/memory"
	"github.com/netslice/netslice/virt/libvirt"
	"github.com/netslice/netslice/virt/libvirt/libvirttest"
)

func TestTasksSurviveRestart(t *testing.T) {
	drv := libvirttest.Open(t)
	st := memory.New(nil)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	// A task left running by a server with this ID that stopped.
	stale, _ := json.Marshal(kimchi.Task{ID: "41", Status: kimchi.TaskRunning, Target: "/vms/x", Owner: "srv-a"})
	_, err := st.Put(ctx, "kimchi/tasks/00000000000000000041", stale)
	require.NoError(t, err)
	other, _ := json.Marshal(kimchi.Task{ID: "42", Status: kimchi.TaskRunning, Target: "/vms/y", Owner: "srv-b"})
	_, err = st.Put(ctx, "kimchi/tasks/00000000000000000042", other)
	require.NoError(t, err)

	e := startEnv(t, drv, st, kimchi.Options{ServerID: "srv-a"})
	var task kimchi.Task
	e.must(200, "GET", "/tasks/41", nil).json(t, &task)
	assert.Equal(t, kimchi.TaskFailed, task.Status)
	assert.Contains(t, task.Message, "restarted")
	e.must(200, "GET", "/tasks/42", nil).json(t, &task)
	assert.Equal(t, kimchi.TaskRunning, task.Status, "another server's task is its own business")
	assert.Contains(t, e.must(404, "GET", "/tasks/999", nil).reason(t), "WOKASYNC0001E")
	e.must(404, "GET", "/tasks/abc", nil)
	e.must(405, "DELETE", "/tasks/41", nil)

	e.template("t", nil)
	done := e.wait(e.do("POST", "/vms", map[string]any{"name": "v", "template": "/templates/t"}))
	assert.Equal(t, kimchi.TaskFinished, done.Status)
	var list []kimchi.Task
	e.must(200, "GET", "/tasks?status=failed", nil).json(t, &list)
	require.Len(t, list, 1)
	assert.Equal(t, "41", list[0].ID)
	// The sequence moves on from the counter, not from what is listed.
	assert.Equal(t, "1", done.ID)
}

func TestConfig(t *testing.T) {
	e := newEnv(t, kimchi.Options{Notice: "using the test hypervisor"})
	var c kimchi.Config
	e.must(200, "GET", "/config", nil).json(t, &c)
	assert.Equal(t, 64667, c.DisplayProxyPort)
	var caps kimchi.Capabilities
	e.must(200, "GET", "/config/capabilities", nil).json(t, &caps)
	assert.True(t, caps.Available)
	assert.Equal(t, "TEST", caps.Hypervisor)
	assert.Equal(t, "using the test hypervisor", caps.Notice)
	require.NotNil(t, caps.Screenshot)
	assert.True(t, *caps.Screenshot)
	assert.False(t, caps.Migration)
	e.must(405, "POST", "/config", map[string]any{})
	e.must(404, "GET", "/nothing", nil)
}

func TestUnavailable(t *testing.T) {
	st := memory.New(nil)
	t.Cleanup(func() { st.Close() })
	e := startEnv(t, nil, st, kimchi.Options{Unavailable: "libvirt is not installed"})
	assert.Contains(t, e.must(503, "GET", "/vms", nil).reason(t), "libvirt is not installed")
	assert.Contains(t, e.must(503, "POST", "/templates", map[string]any{"name": "t"}).reason(t), "KCHCONN0001E")
	var caps kimchi.Capabilities
	e.must(200, "GET", "/config/capabilities", nil).json(t, &caps)
	assert.False(t, caps.Available)
	assert.Contains(t, caps.Notice, "libvirt is not installed")
}

// TestHypervisorOutage: while the hypervisor's daemon is down every call
// answers 503 at once, templates and tasks (in the store) still answer,
// and when it is back the API works again without a restart.
func TestIntegrationHypervisorOutage(t *testing.T) {
	lv := libvirttest.StartDaemon(t)
	drv, err := libvirt.Open(lv.URI(), libvirt.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { drv.Close() })
	st := memory.New(nil)
	t.Cleanup(func() { st.Close() })
	e := startEnv(t, drv, st, kimchi.Options{})
	e.must(200, "GET", "/vms/test", nil)

	lv.Stop()
	require.Eventually(t, func() bool { return e.do("GET", "/vms", nil).status == 503 }, 5*time.Second, 10*time.Millisecond)
	start := time.Now()
	assert.Contains(t, e.must(503, "GET", "/vms/test", nil).reason(t), "KCHVM0009E")
	e.must(503, "POST", "/vms/test/start", nil)
	assert.Less(t, time.Since(start), 3*time.Second, "no request waits on a dead hypervisor")
	e.must(200, "GET", "/tasks", nil)

	lv.Start(t)
	require.Eventually(t, func() bool { return e.do("GET", "/vms/test", nil).status == 200 }, 15*time.Second, 20*time.Millisecond)
	var vms []kimchi.VM
	e.must(200, "GET", "/vms", nil).json(t, &vms)
	assert.Len(t, vms, 1)
}

// TestConcurrentCreates: 16 clients create VMs, some asking for the same
// names: each name ends up as one domain, every accepted task finishes,
// every refusal is KCHVM0001E.
func TestConcurrentCreates(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	e.template("t", map[string]any{"disks": []any{map[string]any{"index": 0, "volume": "base.img"}}})
	names := make(chan string, 64)
	for i := range 64 {
		names <- fmt.Sprintf("c%02d", i%40) // 24 names asked for twice
	}
	close(names)
	var mu sync.Mutex
	var tasks []string
	refused := 0
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range names {
				r := e.do("POST", "/vms", map[string]any{"name": n, "template": "/templates/t"})
				mu.Lock()
				switch r.status {
				case 202:
					var task kimchi.Task
					r.json(t, &task)
					tasks = append(tasks, task.ID)
				case 400:
					assert.Contains(t, r.reason(t), "KCHVM0001E")
					refused++
				default:
					t.Errorf("POST /vms %s: %d %s", n, r.status, r.body)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	ids := map[string]bool{}
	for _, id := range tasks {
		assert.False(t, ids[id], "task id %s handed out twice", id)
		ids[id] = true
		task, err := e.svc.WaitTask(context.Background(), id)
		require.NoError(t, err)
		assert.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	}
	assert.Len(t, tasks, 40)
	assert.Equal(t, 24, refused)
	doms, err := e.drv.Domains(context.Background())
	require.NoError(t, err)
	assert.Len(t, doms, 40)
}

// TestTwoServers: two services on one store and one hypervisor (as two
// servers on one etcd would be): templates made through one are used by
// the other, task ids never collide, and each answers for the other's
// tasks.
func TestTwoServers(t *testing.T) {
	drv := libvirttest.Open(t)
	st := memory.New(nil)
	t.Cleanup(func() { st.Close() })
	a := startEnv(t, drv, st, kimchi.Options{ServerID: "a"})
	b := startEnv(t, drv, st, kimchi.Options{ServerID: "b"})
	a.template("shared", map[string]any{"disks": []any{map[string]any{"index": 0, "volume": "base.img"}}})
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[string]bool{}
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := a
			if i%2 == 1 {
				e = b
			}
			r := e.do("POST", "/vms", map[string]any{"name": fmt.Sprintf("vm%d", i), "template": "/templates/shared"})
			var task kimchi.Task
			r.json(t, &task)
			mu.Lock()
			defer mu.Unlock()
			assert.False(t, ids[task.ID], "task %s from two servers", task.ID)
			ids[task.ID] = true
		}()
	}
	wg.Wait()
	require.Len(t, ids, 20)
	for id := range ids {
		task, err := b.svc.WaitTask(context.Background(), id)
		require.NoError(t, err)
		assert.Equal(t, kimchi.TaskFinished, task.Status)
	}
	var vms []kimchi.VM
	a.must(200, "GET", "/vms", nil).json(t, &vms)
	assert.Len(t, vms, 20)
}
