package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Limits every backend enforces, so that data written through one backend
// can be moved to another. They match etcd's defaults where etcd has one.
const (
	// MaxKeySize is the longest key, in bytes.
	MaxKeySize = 1024
	// MaxValueSize is the largest value, in bytes (etcd's default request
	// limit is 1.5 MiB; one value stays well inside it).
	MaxValueSize = 1 << 20
	// MaxTxnOps is the most conditions, and separately the most operations,
	// one transaction may hold (etcd's default --max-txn-ops).
	MaxTxnOps = 128
	// MaxListLimit is the largest page List returns; a larger or zero limit
	// is clamped to it.
	MaxListLimit = 10000
)

// Errors of the contract. Backends return them, possibly wrapped with
// context, so test them with errors.Is.
var (
	// ErrNotFound: Get or Delete of a key that does not exist.
	ErrNotFound = errors.New("store: key not found")
	// ErrExists: Create of a key that already exists.
	ErrExists = errors.New("store: key already exists")
	// ErrConflict: a Txn condition did not hold; nothing was written.
	ErrConflict = errors.New("store: revision conflict")
	// ErrCompacted: Watch from a revision older than the history the
	// backend keeps (delivered as the watch's last event).
	ErrCompacted = errors.New("store: revision compacted")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
	// ErrUnavailable: the store cannot be reached now (a distributed
	// backend whose cluster is down or out of reach). Nothing was written,
	// or — for a write whose answer was lost — it may have been; retrying
	// later is the remedy. A server answers 503 with Retry-After.
	ErrUnavailable = errors.New("store: unavailable")
	// ErrNoSpace: the store has no room for a write (its disk is full,
	// or etcd's space quota is reached); nothing was written. Reads still
	// work, and writes do again once room is made.
	ErrNoSpace = errors.New("store: out of space")
	// ErrInvalid: a malformed key, an oversized value or transaction, or a
	// bad argument. Wrapped in *InvalidError which says what was wrong.
	ErrInvalid = errors.New("store: invalid argument")
)

// InvalidError describes input that a store refuses before writing
// anything. errors.Is(err, ErrInvalid) holds for it.
type InvalidError struct {
	Key    string // the offending key, if any (truncated)
	Reason string
}

func (e *InvalidError) Error() string {
	if e.Key == "" {
		return "store: invalid argument: " + e.Reason
	}
	return fmt.Sprintf("store: invalid key %q: %s", e.Key, e.Reason)
}

// Is reports whether target is ErrInvalid.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// KV is one stored key and its value with revision bookkeeping.
type KV struct {
	Key   string
	Value []byte
	// CreateRevision is the store revision that created the key.
	CreateRevision int64
	// ModRevision is the store revision of the last write to the key.
	ModRevision int64
	// Version counts writes since the key was created, starting at 1.
	Version int64
}

// Store is an ordered key/value store with a store-wide revision, atomic
// transactions and ordered watches. Every write advances the revision; the
// revisions one store hands out strictly increase but need not be
// consecutive (etcd shares its revision across namespaces).
//
// Values returned by a Store must not be modified by the caller; backends
// may share them with their own state. Values passed in are copied.
//
// Implementations are safe for concurrent use.
type Store interface {
	// Get returns the key, or ErrNotFound.
	Get(ctx context.Context, key string) (KV, error)
	// Put creates or replaces the key and returns the revision of the write.
	Put(ctx context.Context, key string, value []byte) (int64, error)
	// Create writes the key only if it does not exist, else ErrExists.
	Create(ctx context.Context, key string, value []byte) (int64, error)
	// Delete removes the key and returns the revision of the write, or
	// ErrNotFound (and no new revision) when it does not exist.
	Delete(ctx context.Context, key string) (int64, error)
	// List returns up to limit keys with the prefix that sort after
	// startAfter (all when it is empty), in byte order, and whether more
	// follow. A page costs O(limit), not O(keys).
	List(ctx context.Context, prefix, startAfter string, limit int) (page []KV, more bool, err error)
	// Txn checks every condition and, only if all hold, applies every
	// operation in order as one write with one revision. When a condition
	// fails it returns an error wrapping ErrConflict (a *ConflictError that
	// names the condition) and writes nothing.
	Txn(ctx context.Context, conds []Cond, ops []Op) (int64, error)
	// Watch delivers every change to keys under prefix, in revision order,
	// starting at revision fromRev (0: changes after the current revision;
	// a revision the store has not reached yet: from when it does). The
	// channel closes when ctx is done or the store closes; a watch that
	// ends for any other reason delivers one last Event with Err set —
	// ErrCompacted when fromRev is older than the kept history, at once or
	// later, the same in every backend.
	Watch(ctx context.Context, prefix string, fromRev int64) (<-chan Event, error)
	// Revision returns the store's current revision.
	Revision(ctx context.Context) (int64, error)
	// Close releases the store. Open watches end; later calls return
	// ErrClosed.
	Close() error
}

// Scanner is implemented by stores that hand a range over without
// copying it (every backend here): for rendering a large list straight
// from the store.
type Scanner interface {
	// Scan calls fn for each of up to limit keys under prefix after
	// startAfter, in order, like List, and reports whether more follow.
	// key and value are valid only during the call, and fn must not call
	// the store (a backend may hold a read lock or transaction while it
	// runs). An error from fn ends the scan and is returned.
	Scan(ctx context.Context, prefix, startAfter string, limit int, fn func(key, value []byte) error) (more bool, err error)
}

// Compactor is implemented by stores that drop their change history on
// demand, as etcd does (every backend here; memory and bolt also keep a
// bounded history on their own).
type Compactor interface {
	// Compact drops the history before rev, which must not be past the
	// store's revision: a watch may still start at rev, one from before it
	// ends with ErrCompacted.
	Compact(ctx context.Context, rev int64) error
}

// EventType says what happened to a key.
type EventType uint8

// Event types.
const (
	EventPut EventType = iota + 1
	EventDelete
)

func (t EventType) String() string {
	switch t {
	case EventPut:
		return "put"
	case EventDelete:
		return "delete"
	}
	return fmt.Sprintf("EventType(%d)", uint8(t))
}

// Event is one change seen by a watch. All events of one transaction share
// one revision (KV.ModRevision) and arrive consecutively.
type Event struct {
	Type EventType
	// KV is the key after the change. For a delete, Value is nil and
	// ModRevision is the revision of the delete.
	KV KV
	// Err, when set, ends the watch: this is the last event and carries no
	// change.
	Err error
}

// CondKind is what a Cond checks.
type CondKind uint8

// Condition kinds.
const (
	CondExists CondKind = iota + 1
	CondAbsent
	CondModRevision
)

// Cond is one transaction condition. Build them with IfExists, IfAbsent and
// IfModRevision.
type Cond struct {
	Kind     CondKind
	Key      string
	Revision int64 // for CondModRevision
}

// IfExists holds when key exists.
func IfExists(key string) Cond { return Cond{Kind: CondExists, Key: key} }

// IfAbsent holds when key does not exist.
func IfAbsent(key string) Cond { return Cond{Kind: CondAbsent, Key: key} }

// IfModRevision holds when key was last written at rev (0: does not exist).
func IfModRevision(key string, rev int64) Cond {
	return Cond{Kind: CondModRevision, Key: key, Revision: rev}
}

// String formats the condition for error messages.
func (c Cond) String() string {
	switch c.Kind {
	case CondExists:
		return fmt.Sprintf("exists(%q)", c.Key)
	case CondAbsent:
		return fmt.Sprintf("absent(%q)", c.Key)
	case CondModRevision:
		return fmt.Sprintf("mod_revision(%q)=%d", c.Key, c.Revision)
	}
	return fmt.Sprintf("Cond(%d)", c.Kind)
}

// Holds reports whether the condition is satisfied by the key's current
// state; found says whether the key exists and modRev is its ModRevision.
// Backends use it so that every one evaluates conditions alike.
func (c Cond) Holds(found bool, modRev int64) bool {
	switch c.Kind {
	case CondExists:
		return found
	case CondAbsent:
		return !found
	case CondModRevision:
		if !found {
			return c.Revision == 0
		}
		return modRev == c.Revision
	}
	return false
}

// ConflictError says which transaction condition failed.
// errors.Is(err, ErrConflict) holds for it.
type ConflictError struct {
	Cond Cond
}

func (e *ConflictError) Error() string {
	if e.Cond.Kind == 0 {
		return ErrConflict.Error()
	}
	return "store: revision conflict: condition " + e.Cond.String() + " failed"
}

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// OpKind is what an Op does.
type OpKind uint8

// Operation kinds.
const (
	OpPut OpKind = iota + 1
	OpDelete
	OpDeletePrefix
)

// Op is one transaction operation. Build them with PutOp, DeleteOp and
// DeletePrefixOp.
type Op struct {
	Kind  OpKind
	Key   string // the key, or the prefix for OpDeletePrefix
	Value []byte
}

// PutOp creates or replaces key.
func PutOp(key string, value []byte) Op { return Op{Kind: OpPut, Key: key, Value: value} }

// DeleteOp removes key; it is not an error inside a transaction when the
// key does not exist.
func DeleteOp(key string) Op { return Op{Kind: OpDelete, Key: key} }

// DeletePrefixOp removes every key under prefix (cascading deletes).
// The prefix must not be empty.
func DeletePrefixOp(prefix string) Op { return Op{Kind: OpDeletePrefix, Key: prefix} }

// ValidateKey returns a *InvalidError when key is empty, longer than
// MaxKeySize or holds a NUL byte.
func ValidateKey(key string) error {
	switch {
	case key == "":
		return &InvalidError{Reason: "empty key"}
	case len(key) > MaxKeySize:
		return &InvalidError{Key: key[:32] + "…", Reason: fmt.Sprintf("key is %d bytes, limit %d", len(key), MaxKeySize)}
	case strings.IndexByte(key, 0) >= 0:
		return &InvalidError{Key: key, Reason: "key holds a NUL byte"}
	}
	return nil
}

// ValidateValue returns a *InvalidError when value exceeds MaxValueSize.
func ValidateValue(key string, value []byte) error {
	if len(value) > MaxValueSize {
		return &InvalidError{Key: key, Reason: fmt.Sprintf("value is %d bytes, limit %d", len(value), MaxValueSize)}
	}
	return nil
}

// ValidatePrefix accepts the empty prefix (everything) and otherwise the
// same keys as ValidateKey.
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	return ValidateKey(prefix)
}

// ValidateTxn checks a transaction's shape before a backend touches its
// data: sizes, kinds, keys and values.
func ValidateTxn(conds []Cond, ops []Op) error {
	if len(conds) > MaxTxnOps || len(ops) > MaxTxnOps {
		return &InvalidError{Reason: fmt.Sprintf("transaction has %d conditions and %d operations, limit %d each", len(conds), len(ops), MaxTxnOps)}
	}
	if len(ops) == 0 {
		return &InvalidError{Reason: "transaction has no operations"}
	}
	for _, c := range conds {
		if c.Kind < CondExists || c.Kind > CondModRevision {
			return &InvalidError{Key: c.Key, Reason: fmt.Sprintf("unknown condition kind %d", c.Kind)}
		}
		if c.Kind == CondModRevision && c.Revision < 0 {
			return &InvalidError{Key: c.Key, Reason: "negative revision"}
		}
		if err := ValidateKey(c.Key); err != nil {
			return err
		}
	}
	for _, op := range ops {
		switch op.Kind {
		case OpPut:
			if err := ValidateValue(op.Key, op.Value); err != nil {
				return err
			}
		case OpDelete, OpDeletePrefix:
		default:
			return &InvalidError{Key: op.Key, Reason: fmt.Sprintf("unknown operation kind %d", op.Kind)}
		}
		if err := ValidateKey(op.Key); err != nil {
			return err
		}
	}
	// etcd refuses a transaction that writes one key twice; refuse it
	// everywhere so that every backend accepts the same transactions.
	for i, a := range ops {
		for _, b := range ops[:i] {
			if overlaps(a, b) {
				return &InvalidError{Key: a.Key, Reason: "transaction writes the key twice"}
			}
		}
	}
	return nil
}

func overlaps(a, b Op) bool {
	switch {
	case a.Kind == OpDeletePrefix && b.Kind == OpDeletePrefix:
		return strings.HasPrefix(a.Key, b.Key) || strings.HasPrefix(b.Key, a.Key)
	case a.Kind == OpDeletePrefix:
		return b.Kind == OpPut && strings.HasPrefix(b.Key, a.Key)
	case b.Kind == OpDeletePrefix:
		return a.Kind == OpPut && strings.HasPrefix(a.Key, b.Key)
	}
	return a.Key == b.Key
}

// ClampLimit turns a List limit into the page size backends use.
func ClampLimit(limit int) int {
	if limit <= 0 || limit > MaxListLimit {
		return MaxListLimit
	}
	return limit
}

// PrefixEnd returns the smallest key greater than every key with the
// prefix, or "" when there is none (the prefix is empty or all 0xff).
func PrefixEnd(prefix string) string {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}
