package kimchi_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/sources"
	"github.com/netslice/netslice/store/memory"
	"github.com/netslice/netslice/virt"
	"github.com/netslice/netslice/virt/libvirt/libvirttest"
)

// panicky is a real hypervisor whose chosen calls panic while armed, as
// a binding's bug would.
type panicky struct {
	virt.Driver
	mu    sync.Mutex
	armed map[string]bool
}

func (p *panicky) arm(calls ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armed = map[string]bool{}
	for _, c := range calls {
		p.armed[c] = true
	}
}

func (p *panicky) check(call string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.armed[call] {
		panic("panicky: " + call)
	}
}

func (p *panicky) Domains(ctx context.Context) ([]virt.DomainSummary, error) {
	p.check("Domains")
	return p.Driver.Domains(ctx)
}

func (p *panicky) DefineDomain(ctx context.Context, spec virt.DomainSpec) (virt.Domain, error) {
	p.check("DefineDomain")
	return p.Driver.DefineDomain(ctx, spec)
}

func (p *panicky) Networks(ctx context.Context) ([]virt.Network, error) {
	p.check("Networks")
	return p.Driver.Networks(ctx)
}

// TestPanicsStayInTheirRequest: a hypervisor call that panics answers 500
// for its request, fails its task, and keeps the source failing — the
// process (and every other surface in it) goes on.
func TestPanicsStayInTheirRequest(t *testing.T) {
	drv := &panicky{Driver: libvirttest.Open(t)}
	st := memory.New(nil)
	t.Cleanup(func() { st.Close() })
	e := startEnv(t, drv, st, kimchi.Options{Resync: 10 * time.Millisecond})
	e.template("t", nil)

	drv.arm("Domains")
	r := e.must(500, "GET", "/vms", nil)
	assert.Equal(t, "internal server error", r.reason(t))
	drv.arm("DefineDomain")
	task := e.wait(e.do("POST", "/vms", map[string]any{"name": "vm", "template": "/templates/t"}))
	assert.Equal(t, kimchi.TaskFailed, task.Status)
	assert.Equal(t, "internal error", task.Message, "the details are in the log only")

	fabric := l2.NewFabric(l2.Options{})
	follower := sources.New(fabric.Update, sources.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		follower.Run(ctx, e.svc.Source(""))
	}()
	defer func() { cancel(); <-done }()
	drv.arm("Networks")
	require.Eventually(t, func() bool {
		st := follower.Status()
		return len(st) == 1 && st[0].Error != ""
	}, 5*time.Second, 5*time.Millisecond, "the source says it is failing")

	drv.arm()
	e.must(200, "GET", "/templates", nil)
	e.vm("vm", "t")
	require.Eventually(t, func() bool {
		st := follower.Status()
		return len(st) == 1 && st[0].Error == ""
	}, 5*time.Second, 5*time.Millisecond, "the source recovers")
}
