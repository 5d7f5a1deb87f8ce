package hostnet

import (
	"context"
	"encoding/json"
	"errors"
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
		// The store's revision before the configuration is read: a change
		// after it is watched for. (The configuration's own revision may be
		// older than the history the store keeps, and no configuration has
		// none: watching from there would end at once, compacted, and the
		// agent would report without pause.)
		head, err := a.Hosts.Store.Revision(ctx)
		var desired Config
		var rev int64
		if err == nil {
			desired, rev, err = a.Hosts.Desired(ctx, a.Host)
		}
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
		if a.await(ctx, max(rev, head), linkEvents, tick.C) {
			a.logf("link changes", errLinkEventsEnded)
			linkEvents = nil // reported every interval from now on
		}
	}
	return ctx.Err()
}

// await returns when the desired configuration may have changed, links
// changed, or the interval passed; linksEnded when the link events ended
// (the caller stops waiting on them: a closed channel would end every
// wait at once).
func (a *Agent) await(ctx context.Context, rev int64, links <-chan LinkEvent, tick <-chan time.Time) (linksEnded bool) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	changes, err := a.Hosts.Store.Watch(wctx, a.Hosts.key(a.Host, "desired"), rev+1)
	if err != nil {
		changes = nil
	}
	for {
		select {
		case <-ctx.Done():
			return false
		case ev, ok := <-changes:
			if ok && ev.Err != nil {
				// The watch ended (the store failed it): wait for the next
				// tick or link change rather than read again at once.
				a.logf("watching the desired configuration", ev.Err)
				changes = nil
				continue
			}
			return false
		case <-tick:
			return false
		case _, ok := <-links:
			if !ok {
				return true
			}
			settle(ctx, links)
			return false
		}
	}
}

// settle lets a burst of link changes settle.
func settle(ctx context.Context, links <-chan LinkEvent) {
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

var errLinkEventsEnded = errors.New("the driver's link events ended")

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
