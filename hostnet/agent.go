package hostnet

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"
)

// Agent applies one host's desired configuration from a store: at start
// and whenever it changes. It reports its State after every apply, when
// links change, and every Interval.
type Agent struct {
	Hosts    Hosts
	Host     string
	Driver   Driver
	Logger   *slog.Logger
	Interval time.Duration // default 10 s
	// ReadOnly makes the agent report the host and never change it (the
	// machine's own host, unless it is told otherwise).
	ReadOnly bool

	prov *Provisioner
}

// Provisioner returns the agent's provisioner (valid once Run started).
func (a *Agent) Provisioner() *Provisioner { return a.prov }

// Run applies and reports until ctx ends. Store failures are retried;
// it returns ctx.Err().
func (a *Agent) Run(ctx context.Context) error {
	if a.prov == nil {
		a.prov = NewProvisioner(a.Driver)
	}
	interval := a.interval()
	st := State{}
	// What a previous run applied is the provisioner's to change.
	if old, err := a.Hosts.State(ctx, a.Host); err == nil {
		a.prov.Adopt(old.Applied)
		st = old
	}
	linkEvents, err := a.Driver.Subscribe(ctx)
	if err != nil {
		a.logf("subscribing to link changes", err)
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		desired, rev, err := a.Hosts.Desired(ctx, a.Host)
		if err == nil && rev != st.Revision && !a.ReadOnly {
			st = a.apply(ctx, desired, rev)
		}
		if err == nil {
			err = a.report(ctx, &st)
		}
		if err != nil {
			a.logf("store", err)
			if !sleep(ctx, &wait) {
				break
			}
			continue
		}
		wait = 100 * time.Millisecond
		a.await(ctx, rev, linkEvents, tick.C)
	}
	return ctx.Err()
}

// await returns when the desired configuration may have changed, links
// changed, or the interval passed.
func (a *Agent) await(ctx context.Context, rev int64, links <-chan LinkEvent, tick <-chan time.Time) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	changes, err := a.Hosts.Store.Watch(wctx, a.Hosts.key(a.Host, "desired"), rev+1)
	if err != nil {
		changes = nil
	}
	select {
	case <-ctx.Done():
	case <-changes:
	case <-tick:
	case _, ok := <-links:
		if !ok {
			return
		}
		// Let a burst of changes settle.
		timer := time.NewTimer(100 * time.Millisecond)
		defer timer.Stop()
		for {
			select {
			case _, ok := <-links:
				if ok {
					continue
				}
			case <-timer.C:
			case <-ctx.Done():
			}
			return
		}
	}
}

func (a *Agent) interval() time.Duration {
	if a.Interval <= 0 {
		return 10 * time.Second
	}
	return a.Interval
}

func (a *Agent) apply(ctx context.Context, c Config, rev int64) State {
	st := State{Revision: rev}
	if _, err := a.prov.Apply(ctx, c); err != nil {
		st.Error = err.Error()
		a.logf("applying revision", err)
	}
	st.Applied = a.prov.Applied()
	return st
}

func (a *Agent) report(ctx context.Context, st *State) error {
	links, err := a.Driver.Links()
	if err != nil {
		return err
	}
	st.Links = links
	st.Networks = Drift(a.prov.Applied(), links)
	st.Stats = map[string]Stats{}
	if sl, ok := a.Driver.(StatsLister); ok {
		all, err := sl.AllStats()
		if err != nil {
			return err
		}
		for _, l := range links {
			if s, ok := all[l.Name]; ok {
				st.Stats[l.Name] = s
			}
		}
	} else {
		for _, l := range links {
			if s, err := a.Driver.Stats(l.Name); err == nil {
				st.Stats[l.Name] = s
			}
		}
	}
	st.Updated = time.Now().UTC()
	st.ReadOnly = a.ReadOnly
	st.Interval = a.interval()
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	_, err = a.Hosts.Store.Put(ctx, a.Hosts.key(a.Host, "state"), b)
	return err
}

func (a *Agent) logf(what string, err error) {
	if a.Logger != nil && err != nil {
		a.Logger.Warn("hostnet agent: "+what, "host", a.Host, "err", err)
	}
}

func sleep(ctx context.Context, wait *time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(*wait):
	}
	*wait = min(2**wait, 5*time.Second)
	return true
}
