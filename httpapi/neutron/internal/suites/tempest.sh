#!/bin/sh
# tempest.sh runs tempest's network API tests against netslice's Neutron:
# the server and the Keystone stand-in of bed.sh, tempest's dynamic
# credentials (a project and users made for each test class), neutron the
# only service, api_extensions exactly the server's list.
#
#   httpapi/neutron/internal/suites/tempest.sh [tempest run arguments]
#
# The arguments default to --regex '^tempest\.api\.network'. Needs
# Debian's tempest (apt-get install tempest). Not part of make test:
# Debian's tempest waits before each subnet delete, and a full run takes
# about twenty minutes. The workspace (config, logs) is left in
# $TEMPEST_WORKSPACE when that is set.
set -eu
command -v tempest >/dev/null || { echo "tempest.sh: no tempest (apt-get install tempest)"; exit 1; }
. "$(dirname "$0")/bed.sh"

ws=${TEMPEST_WORKSPACE:-$work/tempest}
rm -rf "$ws"
cd "$work" # tempest init logs to the current directory
tempest init "$ws" >/dev/null
exts=$(neutron extensions | python3 -c 'import json,sys; print(",".join(sorted(e["alias"] for e in json.load(sys.stdin)["extensions"])))')
cat >"$ws/etc/tempest.conf" <<CONF
[DEFAULT]
log_dir = $ws/logs
log_file = tempest.log

[auth]
use_dynamic_credentials = true
admin_username = admin
admin_password = secret
admin_project_name = admin
admin_domain_name = Default
create_isolated_networks = false
tempest_roles = member

[identity]
uri_v3 = http://$ks/v3
auth_version = v3
region = RegionOne

[identity-feature-enabled]
api_v2 = false
api_v3 = true

[service_available]
neutron = true
nova = false
cinder = false
glance = false
swift = false
horizon = false

[network]
public_network_id = $ext
floating_network_name = public
project_network_cidr = 10.100.0.0/16
project_network_mask_bits = 28
project_network_v6_cidr = 2001:db8::/48
project_network_v6_mask_bits = 64

[network-feature-enabled]
api_extensions = $exts
ipv6 = true
ipv6_subnet_attributes = true
port_security = true

[validation]
run_validation = false
CONF
cd "$ws"
[ $# -gt 0 ] || set -- --regex '^tempest\.api\.network'
status=0
tempest run --concurrency "${TEMPEST_CONCURRENCY:-2}" "$@" || status=$?
echo "server log: $(wc -l <"$work/server.log") lines; last:"; tail -5 "$work/server.log"
exit $status
