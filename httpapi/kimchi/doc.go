// Package kimchi serves the Kimchi REST API (Project Kimchi's, a plugin of
// Wok, conventionally at /plugins/kimchi) over a virt.Driver: VMs and
// their interfaces, disks, snapshots and host devices; templates;
// virtual networks; storage pools, volumes (uploads, downloads, ISO
// facts), servers and targets; the host (facts, statistics, partitions,
// devices, packages, repositories), its interfaces, users and groups;
// debug reports; tasks; configuration and distributions.
//
// The package is a Service — the API as Go, usable without HTTP — and a
// Handler that adapts it to Kimchi's conventions: JSON only; collections
// answer GET with a list (filtered by ?field=value as Wok does) and POST
// with 201 and the new resource; resources GET, PUT and DELETE (204);
// actions are POST /resource/action; long work (creating or cloning a VM,
// a snapshot, a migration) answers 202 with a Task to poll at /tasks/{id};
// renaming a VM or a template answers 303 with its new URI; errors are
// {"code": N, "reason": "KCHVM0002E: ..."} with Kimchi's message codes,
// 400 for invalid parameters and actions in the wrong state, 404, 405.
//
// Libvirt holds what it can: domains (with Kimchi's own metadata — icon,
// users, groups, template — in the domain's metadata), networks, pools
// and volumes. Templates and tasks live in the store, so servers sharing
// one (etcd) share them; a server that restarts marks failed the tasks
// it was running.
//
// Service.Source makes every virtual network a slice of the l2 fabric
// with the MACs of the VM interfaces on it, so the OpenFlow side forwards
// for VMs as it does for Sliceable and Neutron ports.
//
// # The machine
//
// Host facts are read from the real system (procfs, sysfs, os-release,
// lsblk, libvirt's node devices, the package system's own files). What
// would change the machine — reboot, shutdown, package updates, extending
// a volume group, repository edits — goes through Options.HostActions and
// Options.Repositories, which the embedding program supplies; by default
// it is refused (403). Downloads come only from addresses
// Options.AllowDownload accepts (none by default). Volume, upload and
// debug report names never leave their directories: no slashes, no
// leading dot, no NUL; files are written under a temporary name and
// linked into place only when complete, never through a link planted
// meanwhile.
package kimchi
