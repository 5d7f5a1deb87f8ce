package bolt_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/bolt"
	"github.com/netslice/netslice/store/storetest"
)

func open(t *testing.T, opts *bolt.Options) (*bolt.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "netslice.db")
	s, err := bolt.Open(path, opts)
	require.NoError(t, err)
	return s, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := open(t, nil)
		return s
	})
}

func TestReopenKeepsDataAndHistory(t *testing.T) {
	ctx := context.Background()
	s, path := open(t, nil)
	r1, err := s.Put(ctx, "a", []byte("1"))
	require.NoError(t, err)
	r2, err := s.Put(ctx, "b", []byte("2"))
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s, err = bolt.Open(path, nil)
	require.NoError(t, err)
	defer s.Close()
	rev, err := s.Revision(ctx)
	require.NoError(t, err)
	assert.Equal(t, r2, rev)
	kv, err := s.Get(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, r1, kv.ModRevision)

	// The change log survives too: a watcher resumes across the restart.
	ch, err := s.Watch(ctx, "", r1)
	require.NoError(t, err)
	for _, want := range []string{"a", "b"} {
		ev := storetest.Next(t, ch)
		require.NoError(t, ev.Err)
		assert.Equal(t, want, ev.KV.Key)
	}
	r3, err := s.Put(ctx, "c", nil)
	require.NoError(t, err)
	assert.Equal(t, r2+1, r3)
}

func TestFileLocked(t *testing.T) {
	_, path := open(t, nil)
	_, err := bolt.Open(path, &bolt.Options{Timeout: 50 * time.Millisecond})
	assert.Error(t, err, "a second opener of a locked file must fail, not wait forever")
}

func TestWatchCompacted(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, &bolt.Options{History: 10, NoSync: true})
	defer s.Close()
	for i := range 30 {
		_, err := s.Put(ctx, fmt.Sprintf("k%d", i), nil)
		require.NoError(t, err)
	}
	ch, err := s.Watch(ctx, "", 5)
	require.NoError(t, err)
	assert.ErrorIs(t, storetest.Next(t, ch).Err, store.ErrCompacted)
	ch, err = s.Watch(ctx, "", 21)
	require.NoError(t, err)
	ev := storetest.Next(t, ch)
	require.NoError(t, ev.Err)
	assert.Equal(t, int64(21), ev.KV.ModRevision)
}

// TestCancelledWriteNotApplied: in bolt a write that returned ctx.Err()
// did not happen (the committer either takes a request or drops it).
func TestCancelledWriteNotApplied(t *testing.T) {
	s, _ := open(t, nil)
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	result := map[string]error{}
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				k := fmt.Sprintf("k/%d/%d", w, i)
				_, err := s.Put(ctx, k, nil)
				mu.Lock()
				result[k] = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	failed := 0
	for k, werr := range result {
		_, err := s.Get(context.Background(), k)
		if werr == nil {
			assert.NoError(t, err, "acknowledged %s missing", k)
		} else {
			failed++
			assert.ErrorIs(t, werr, context.DeadlineExceeded)
			assert.ErrorIs(t, err, store.ErrNotFound, "write %s returned %v yet is present", k, werr)
		}
	}
	t.Logf("%d writes, %d cancelled", len(result), failed)
}

// The crash test: a child process writes keys and prints each one the
// store acknowledged; the parent kills it with SIGKILL mid-stream and
// checks that every acknowledged key is in the file.

const crashEnv = "NETSLICE_BOLT_CRASH_CHILD"

func TestIntegrationCrashKill9(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestIntegrationCrashKill9$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	var acked []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if k, ok := strings.CutPrefix(line, "ACK "); ok {
			acked = append(acked, k)
			if len(acked) == 3000 {
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
				break
			}
		}
	}
	_ = cmd.Wait()
	require.Len(t, acked, 3000, "child acknowledged too few writes before the kill")

	s, err := bolt.Open(path, nil)
	require.NoError(t, err)
	defer s.Close()
	for _, k := range acked {
		kv, err := s.Get(context.Background(), k)
		if assert.NoError(t, err, "acknowledged key %s lost", k) {
			assert.Equal(t, "value-"+k, string(kv.Value))
		}
	}
}

// crashChild writes from 16 goroutines until killed.
func crashChild(path string) {
	s, err := bolt.Open(path, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				k := fmt.Sprintf("crash/%02d/%06d", g, i)
				if _, err := s.Put(context.Background(), k, []byte("value-"+k)); err != nil {
					if errors.Is(err, store.ErrClosed) {
						return
					}
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintln(w, "ACK", k)
				w.Flush()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// The sync test: kill -9 cannot tell a write on disk from one in the page
// cache, so this one watches the system calls. A child process opens the
// store and makes 20 writes, one after another, each acknowledged before
// the next; strace counts its fsync-family calls. Every acknowledged write
// must have been synced: at least one sync per write more than the same
// child with Options.NoSync makes (which syncs only opening and closing
// the file, so the count means what it says).

const syncEnv = "NETSLICE_BOLT_SYNC_CHILD"

func TestIntegrationWritesAreSynced(t *testing.T) {
	if path := os.Getenv(syncEnv); path != "" {
		syncChild(path, os.Getenv(syncEnv+"_NOSYNC") != "")
		return
	}
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not found: install the Debian package strace (make test does, as root)")
	}
	count := func(noSync bool) int {
		dir := t.TempDir()
		trace := filepath.Join(dir, "trace")
		cmd := exec.Command(strace, "-f", "-qq", "-e", "trace=fsync,fdatasync,sync_file_range,msync,sync,syncfs",
			"-o", trace, os.Args[0], "-test.run=^TestIntegrationWritesAreSynced$")
		cmd.Env = append(os.Environ(), syncEnv+"="+filepath.Join(dir, "sync.db"))
		if noSync {
			cmd.Env = append(cmd.Env, syncEnv+"_NOSYNC=1")
		}
		out, err := cmd.CombinedOutput()
		if err != nil && strings.Contains(string(out), "PTRACE") {
			t.Skipf("strace cannot trace here: %s", out)
		}
		require.NoError(t, err, "%s", out)
		b, err := os.ReadFile(trace)
		require.NoError(t, err)
		syncs := 0
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, "sync") && strings.Contains(l, "= 0") {
				syncs++
			}
		}
		return syncs
	}
	synced, unsynced := count(false), count(true)
	// Opening and closing a file syncs a few times either way: the writes
	// must add one each at least.
	assert.GreaterOrEqual(t, synced-unsynced, 20, "20 acknowledged writes: %d syncs, %d with NoSync", synced, unsynced)
	assert.Less(t, unsynced, 10, "NoSync synced %d times: the count does not tell", unsynced)
	t.Logf("20 acknowledged writes: %d successful syncs; with NoSync %d", synced, unsynced)
}

func syncChild(path string, noSync bool) {
	s, err := bolt.Open(path, &bolt.Options{NoSync: noSync})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// Past the opening's own syncs, each of these is one commit.
	for i := range 20 {
		if _, err := s.Put(context.Background(), fmt.Sprintf("k%d", i), []byte("v")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	s.Close()
}
