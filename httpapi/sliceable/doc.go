// Package sliceable is Trema's Sliceable Network Management API: tenants,
// their networks (virtual L2 slices), the networks' ports (datapath, port,
// VLAN) and attachments (MACs), kept in any store.Store.
//
// It comes in three parts. Service is the API as Go: validation, the
// store schema and every write as one transaction, cascades included —
// usable without HTTP. Handler serves it over HTTP (NewHandler), a thin
// adapter.
// Service.Source reports the networks as slices to an l2/sources
// Follower, so that a fabric — and, through the slicing app, real
// switches — follows what the API stores, beside other sources' slices.
//
// # HTTP
//
// Status codes are the specification's: 202 for create, modify and delete,
// 200 for reads, 422 for invalid parameters, duplicates and unparsable
// bodies, 404 for missing objects, 405 for DELETE on the ports collection;
// data in application/json, errors in text/plain. A store that cannot be
// reached is 503 with Retry-After.
//
// # Where the specification is silent
//
//   - Ids are 1 to 255 bytes of UTF-8 without "/" or control characters,
//     and generated when not given (returned in the body and in an escaped
//     Location header). Descriptions are at most 1024 bytes.
//   - Creating a network under an unknown tenant creates the tenant, as the
//     specification allows; a port or attachment needs its network (404)
//     and, for a port attachment, its port (422, table 31).
//   - A location (datapath, port, vid) belongs to one port of one network.
//   - Within a network a MAC is port-attached at most once and
//     network-attached at most once (a second attachment of either kind is
//     422); it may be both, as the fabric then tells them apart by port.
//   - Any well-formed MAC is accepted, as the specification's own example
//     (11:22:33:44:55:66, a group address) shows; only host addresses
//     forward, and the others are listed as refused in the fabric's
//     status.
//   - A network's bindings are listed as {"type": 1, port fields} for
//     ports, {"type": 2, "id", "mac"} for network attachments and
//     {"type": 3, port fields, "mac"} for port attachments, as Trema's
//     binding types number them. GET of a port attachment returns an object
//     (table 34), not the array of its example; GET of a port answers 200
//     (table 28's "202 OK" is a typo).
//
// # Scale
//
// Uniqueness of locations and MACs is kept by index keys written in the
// same transaction as the object (created if absent, or taken over from a
// holder that no longer exists), so concurrent creates of different ports
// never wait on each other and a create costs the same with a hundred
// thousand ports as with none. Lists are rendered straight from the store
// (store.Scanner) without decoding each item, and a large one is kept
// rendered until a write changes it: every transaction of the service
// also writes a change marker for the lists it touches (one for the list
// of tenants, one per tenant for the lists under it), which a GET reads
// instead of the list.
package sliceable
