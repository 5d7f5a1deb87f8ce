package kimchi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/netslice/netslice/store"
)

// Task states.
const (
	TaskRunning  = "running"
	TaskFinished = "finished"
	TaskFailed   = "failed"
)

// Task is long work the API answered 202 for: creating or cloning a VM,
// taking a snapshot. Tasks live in the store, so every server sharing it
// answers /tasks/{id} alike; a server that restarts marks the tasks it
// was running failed.
type Task struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Message string `json:"message"`
	// Target is the URI of what the task works on, relative to the API's
	// mount point ("/vms/web1"); the handler prefixes it.
	Target string `json:"target_uri"`
	// Owner is the ServerID of the server running it.
	Owner   string    `json:"owner"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

func (s *Service) taskKey(id string) string {
	n, _ := strconv.ParseUint(id, 10, 64)
	return fmt.Sprintf("%stasks/%020d", s.opts.KeyPrefix, n)
}

// newTask stores a running task with the next id (a counter in the store,
// advanced in the same transaction, so servers sharing it never hand out
// one id twice).
func (s *Service) newTask(ctx context.Context, target, message string) (Task, error) {
	seqKey := s.opts.KeyPrefix + "taskseq"
	for {
		var n uint64
		var rev int64
		kv, err := s.st.Get(ctx, seqKey)
		switch {
		case err == nil:
			n, _ = strconv.ParseUint(string(kv.Value), 10, 64)
			rev = kv.ModRevision
		case !errors.Is(err, store.ErrNotFound):
			return Task{}, err
		}
		now := time.Now().UTC()
		t := Task{ID: strconv.FormatUint(n+1, 10), Status: TaskRunning, Message: message, Target: target,
			Owner: s.opts.ServerID, Created: now, Updated: now}
		b, _ := json.Marshal(t)
		_, err = s.st.Txn(ctx, []store.Cond{store.IfModRevision(seqKey, rev)},
			[]store.Op{store.PutOp(seqKey, []byte(t.ID)), store.PutOp(s.taskKey(t.ID), b)})
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err == nil && (n+1)%100 == 0 {
			go s.pruneTasks(context.WithoutCancel(ctx))
		}
		return t, err
	}
}

// run starts a task and works it in the background: work reports
// progress through step and its error fails the task.
func (s *Service) run(ctx context.Context, target, message string, work func(ctx context.Context, step func(string)) error) (Task, error) {
	t, err := s.newTask(ctx, target, message)
	if err != nil {
		return Task{}, err
	}
	s.tasks.Add(1)
	go func() {
		defer s.tasks.Done()
		wctx, cancel := context.WithTimeout(s.life, s.opts.TaskTimeout)
		defer cancel()
		step := func(msg string) { s.finishTask(t, TaskRunning, msg) }
		err := s.catch("task "+t.ID, func() error { return work(wctx, step) })
		if err != nil {
			var ke *Error
			msg := err.Error()
			if !errors.As(err, &ke) {
				s.log().Error("kimchi: task failed", "task", t.ID, "target", t.Target, "err", err)
			}
			s.finishTask(t, TaskFailed, msg)
			return
		}
		s.finishTask(t, TaskFinished, "OK")
	}()
	return t, nil
}

// finishTask records a task's new status, retrying while the store is
// unreachable (for as long as the service lives).
func (s *Service) finishTask(t Task, status, msg string) {
	t.Status, t.Message, t.Updated = status, msg, time.Now().UTC()
	b, _ := json.Marshal(t)
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 5*time.Second) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(s.life), 10*time.Second)
		_, err := s.st.Put(ctx, s.taskKey(t.ID), b)
		cancel()
		if err == nil || errors.Is(err, store.ErrClosed) {
			return
		}
		s.log().Warn("kimchi: recording a task's status", "task", t.ID, "err", err)
		select {
		case <-time.After(delay):
		case <-s.life.Done():
			if status == TaskRunning {
				return
			}
		}
	}
}

// Tasks lists the tasks, oldest first; status filters ("" all).
func (s *Service) Tasks(ctx context.Context, status string) ([]Task, error) {
	var out []Task
	err := s.scan(ctx, s.opts.KeyPrefix+"tasks/", func(v []byte) error {
		var t Task
		if json.Unmarshal(v, &t) == nil && (status == "" || t.Status == status) {
			out = append(out, t)
		}
		return nil
	})
	return out, err
}

// Task returns one task.
func (s *Service) Task(ctx context.Context, id string) (Task, error) {
	if _, err := strconv.ParseUint(id, 10, 64); err != nil || strings.HasPrefix(id, "0") {
		return Task{}, notFound("WOKASYNC0001E", "Unable to find task id: %s", id)
	}
	kv, err := s.st.Get(ctx, s.taskKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return Task{}, notFound("WOKASYNC0001E", "Unable to find task id: %s", id)
	}
	if err != nil {
		return Task{}, err
	}
	var t Task
	if err := json.Unmarshal(kv.Value, &t); err != nil {
		return Task{}, err
	}
	return t, nil
}

// WaitTask waits until a task is no longer running and returns it.
func (s *Service) WaitTask(ctx context.Context, id string) (Task, error) {
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		t, err := s.Task(ctx, id)
		if err != nil || t.Status != TaskRunning {
			return t, err
		}
		select {
		case <-ctx.Done():
			return t, ctx.Err()
		case <-time.After(delay):
		}
	}
}

// recoverTasks marks failed the tasks this server (its ServerID) was
// running when it stopped: nothing works them any more.
func (s *Service) recoverTasks(ctx context.Context) error {
	tasks, err := s.Tasks(ctx, TaskRunning)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if t.Owner != s.opts.ServerID {
			continue
		}
		t.Status, t.Message, t.Updated = TaskFailed, "the server restarted while the task ran", time.Now().UTC()
		b, _ := json.Marshal(t)
		if _, err := s.st.Put(ctx, s.taskKey(t.ID), b); err != nil {
			return err
		}
	}
	s.pruneTasks(ctx)
	return nil
}

// pruneTasks deletes tasks that ended more than TaskRetention ago.
func (s *Service) pruneTasks(ctx context.Context) {
	tasks, err := s.Tasks(ctx, "")
	if err != nil {
		return
	}
	cut := time.Now().Add(-s.opts.TaskRetention)
	for _, t := range tasks {
		if t.Status != TaskRunning && t.Updated.Before(cut) {
			if _, err := s.st.Delete(ctx, s.taskKey(t.ID)); err != nil && !errors.Is(err, store.ErrNotFound) {
				s.log().Warn("kimchi: pruning tasks", "err", err)
				return
			}
		}
	}
}

// errPanic is what a call that panicked returns: the details are logged.
var errPanic = errors.New("internal error")

// catch runs f, turning a panic under it (a hypervisor call's, say) into
// errPanic, logged with its stack, so that no background work of the
// service — a task, the source's refresh — can end the process the other
// surfaces share. Requests are recovered by httpapi.Wrap.
func (s *Service) catch(what string, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log().Error("kimchi: panic recovered", "in", what, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = errPanic
		}
	}()
	return f()
}

func (s *Service) log() *slog.Logger {
	if s.opts.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.opts.Logger
}
