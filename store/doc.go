// Package store is netslice's pluggable storage: one small ordered
// key/value interface with a store-wide revision, transactions and watches,
// which every runtime in the SDK reads its desired configuration from.
//
// # Model
//
// Keys are strings ordered by byte value; values are opaque bytes. Every
// write (Put, Create, Delete, Txn) advances the store's revision and stamps
// the keys it touched with it, so a reader can make a later write
// conditional on what it read (IfModRevision) and a watcher can resume from
// where it left off (Watch with fromRev). List pages through a prefix in key
// order with a marker (startAfter), which is what REST pagination needs.
//
// # Backends
//
//   - store/memory: in-process, for tests and ephemeral use.
//   - store/bolt: embedded and durable (go.etcd.io/bbolt), the default. A
//     write that returned is on disk; concurrent writers share one fsync.
//   - store/etcd: distributed (go.etcd.io/etcd/client/v3), so several
//     processes on several machines share one configuration.
//
// A backend of your own passes store/storetest.Run, the conformance suite
// every backend here runs.
//
// # Errors
//
// Backends return the sentinel errors of this package (ErrNotFound,
// ErrExists, ErrConflict, ErrCompacted, ErrClosed, ErrInvalid,
// ErrUnavailable), possibly wrapped; test them with errors.Is. Input that breaks a documented limit
// (MaxKeySize, MaxValueSize, MaxTxnOps, keys with NUL) is refused with an
// *InvalidError before anything is written. A cancelled context returns
// ctx.Err().
package store
