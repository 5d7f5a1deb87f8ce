package guest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Kernel makes sure the test runs on a kernel that has the modules
// named (8021q, bonding, dummy, openvswitch, ...). On this kernel, when
// it has them (loaded here if need be), Kernel returns false and the test
// goes on. Otherwise the test binary runs again in a guest, running just
// this test (-test.run naming it, subtest and all), and its result there
// is the test's: Kernel returns true and the caller returns at once —
//
//	if guest.Kernel(t, "8021q") {
//		return
//	}
//
// A test skipped in the guest is skipped here, with its reason; one that
// fails fails with the guest's output. Without the means for a guest the
// test is skipped, naming the packages it takes.
//
// A benchmark runs in the guest the same way, once for each time it is
// run here; its figures there are logged and it is marked skipped here,
// since what it would measure here is the guest's boot.
func Kernel(t testing.TB, modules ...string) bool {
	t.Helper()
	missing := lacking(modules)
	if len(missing) == 0 {
		return false
	}
	if InGuest() {
		t.Fatalf("the guest's kernel lacks %s too", strings.Join(missing, ", "))
	}
	if err := Available(); err != nil {
		t.Skipf("this kernel lacks %s, and %v", strings.Join(missing, ", "), err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	timeout := 10 * time.Minute
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if d, ok := dt.Deadline(); ok {
			timeout = time.Until(d) - 5*time.Second
		}
	}
	args := []string{exe, "-test.run", RunPattern(t.Name()), "-test.v", "-test.count=1",
		"-test.timeout", timeout.String()}
	_, bench := t.(*testing.B)
	if bench {
		args = []string{exe, "-test.run", "^$", "-test.bench", RunPattern(t.Name()), "-test.benchmem", "-test.count=1",
			"-test.timeout", timeout.String()}
	}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	res, err := Run(context.Background(), args, Options{Timeout: timeout})
	if err != nil {
		t.Fatalf("running %s in a guest (this kernel lacks %s): %v\n%s", t.Name(), strings.Join(missing, ", "), err, res.Output)
	}
	out := string(res.Output)
	where := fmt.Sprintf("in a guest (%s, booted in %.1fs, ran %.1fs), for this kernel lacks %s",
		res.Accel, res.Boot.Seconds(), res.Total.Seconds(), strings.Join(missing, ", "))
	name := regexp.QuoteMeta(t.Name())
	switch {
	case bench && res.ExitCode == 0:
		t.Skipf("ran %s:\n%s", where, out)
	case res.ExitCode == 0 && regexp.MustCompile(`(?m)^\s*--- PASS: `+name+` `).MatchString(out):
		t.Logf("passed %s:\n%s", where, out)
	case res.ExitCode == 0 && regexp.MustCompile(`(?m)^\s*--- SKIP: `+name+` `).MatchString(out):
		t.Skipf("skipped %s:\n%s", where, out)
	default:
		t.Fatalf("failed %s (exit status %d):\n%s", where, res.ExitCode, out)
	}
	return true
}

// RunPattern is the -test.run pattern that runs the test named (a
// subtest's full name) and nothing else.
func RunPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// lacking returns the modules this kernel neither has nor loads.
func lacking(modules []string) []string {
	var out []string
	for _, m := range modules {
		if _, err := os.Stat("/sys/module/" + strings.ReplaceAll(m, "-", "_")); err == nil {
			continue
		}
		if exec.Command("modprobe", "-q", m).Run() == nil {
			continue
		}
		out = append(out, m)
	}
	return out
}
