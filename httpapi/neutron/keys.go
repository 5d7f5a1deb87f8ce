package neutron

import (
	"strconv"
	"strings"
)

// keys lays the service's state out in the store under one prefix:
//
//	<p>networks/<id>, <p>subnets/<id>, ...   the resources, as JSON
//	<p>quotas/<project>                       a project's quota overrides
//	<p>=ip/<subnet>/<address>                 an allocated address: its port
//	<p>=mac/<network>/<mac>                   a MAC in use on a network: its port
//	<p>=seg/<type>/<physnet>/<id>             a provider segment: its network
//	<p>=defsg/<project>                       a project's default security group
//	<p>=del/<id>                              a deletion in progress (see guard)
//	<p>=head                                  written by every transaction
//
// Claims are keys so that uniqueness holds across processes sharing the
// store (a transaction creates them only if absent); they sit under their
// parent so that a cascade deletes them with one prefix operation.
type keys string

func (k keys) object(plural, id string) string { return string(k) + plural + "/" + id }
func (k keys) ip(subnet, addr string) string   { return string(k) + "=ip/" + subnet + "/" + addr }
func (k keys) ips(subnet string) string        { return string(k) + "=ip/" + subnet + "/" }
func (k keys) mac(network, mac string) string  { return string(k) + "=mac/" + network + "/" + mac }
func (k keys) macs(network string) string      { return string(k) + "=mac/" + network + "/" }
func (k keys) seg(typ, physnet string, id int) string {
	return string(k) + "=seg/" + typ + "/" + physnet + "/" + itoa(id)
}
func (k keys) defaultSG(project string) string { return string(k) + "=defsg/" + project }
func (k keys) marker(id string) string         { return string(k) + "=del/" + id }
func (k keys) head() string                    { return string(k) + "=head" }
func (k keys) quota(project string) string     { return string(k) + "quotas/" + project }

// usage is written by every creation of a kind a project has a quota
// of, on condition nobody else wrote it since the view the creation
// counted on: two creations that both saw the last slot free cannot both
// commit, in one process or several.
func (k keys) usage(project, plural string) string {
	return string(k) + "=usage/" + project + "/" + plural
}

// parse splits a key into its kind ("networks", "=ip", ...) and the rest.
func (k keys) parse(key string) (kind, rest string, ok bool) {
	r, ok := strings.CutPrefix(key, string(k))
	if !ok {
		return "", "", false
	}
	kind, rest, _ = strings.Cut(r, "/")
	return kind, rest, true
}

func itoa(i int) string { return strconv.Itoa(i) }
