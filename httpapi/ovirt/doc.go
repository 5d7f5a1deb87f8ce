// Package ovirt is oVirt's host networking API over hostnet: logical
// networks, and the networks each host carries, changed through a store
// and applied by each host's hostnet.Agent.
//
// The paths are the seed specification's, served both at /api and at oVirt
// v4's /ovirt-engine/api so v4 tooling finds them: /hosts, /hosts/{host}
// with /nics (and each NIC's /statistics), /nics/{nic}/networks (GET,
// POST to attach, DELETE to detach, /statistics), /networkconnections
// (with or without a NIC; external ones recorded only); /networks, the
// logical networks (name, description, VLAN, MTU, usages, required); and
// what oVirt shipped for the same job: /networkattachments (with in_sync
// and reported_configurations), the setupnetworks action (attachments
// and bonds added, changed and removed as one change, with a
// connectivity check that rolls back) and commitnetconfig.
//
// Requests and answers are XML (oVirt's default: id and href as
// attributes, the rest as elements, collections in the plural) or JSON
// (by Accept and Content-Type); each resource carries its href and links
// to its sub-collections, faults are <fault><reason/><detail/></fault>.
// Statistics are named as oVirt names them: data.current.rx/tx (bytes
// per second since the previous reading), data.total.rx/tx,
// errors.total.rx/tx.
//
// A change is a compare-and-swap of the host's desired configuration in
// the store; the call returns once the host's agent has applied it, and
// when the host cannot, the configuration is put back and the host's
// reason returned (409), the host itself having rolled back. Hosts are
// those whose agents report to the store, so servers sharing an etcd
// change each other's hosts. A host whose agent is read-only is listed
// and never changed.
//
// Users authenticates as oVirt does: Basic, or a bearer token from its
// SSO endpoint (POST /ovirt-engine/sso/oauth/token), which is how the v4
// SDKs log in.
package ovirt
