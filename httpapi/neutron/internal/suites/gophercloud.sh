#!/bin/sh
# gophercloud.sh runs gophercloud's own acceptance tests for Networking v2
# against netslice's Neutron, as OpenStack's CI runs them against
# neutron-server: a server on a memory store, the Keystone stand-in beside
# it, an external network for the router and floating IP tests, and
# `go test -tags acceptance` in a copy of the gophercloud module.
#
#   httpapi/neutron/internal/suites/gophercloud.sh [go test flags] [packages]
#
# Packages default to the ones we claim (core, extensions, layer3, quotas,
# mtu, portsbinding, subnetpools, rbacpolicies, provider and security are
# in extensions). Not part of make test: it needs the module proxy once and
# takes minutes.
set -eu
GOPHERCLOUD=${GOPHERCLOUD:-github.com/gophercloud/gophercloud/v2@v2.15.0}
root=$(cd "$(dirname "$0")/../../../.." && pwd)
work=$(mktemp -d)
pids=
trap 'kill $pids 2>/dev/null; rm -rf "$work"' EXIT INT TERM
cd "$root"
go build -o "$work/server" ./examples/server
go build -o "$work/keystone" ./httpapi/neutron/internal/suites/keystone
ks=127.0.0.1:${KEYSTONE_PORT:-35357}
api=127.0.0.1:${NEUTRON_PORT:-19696}
"$work/keystone" -listen "$ks" -neutron "http://$api/neutron/" >"$work/keystone.log" 2>&1 &
pids="$pids $!"
"$work/server" -http "$api" -openflow 127.0.0.1:0 -store memory -keystone "http://$ks/v3" -log-level warn >"$work/server.log" 2>&1 &
pids="$pids $!"
for i in $(seq 50); do curl -fs "http://$api/neutron/" >/dev/null 2>&1 && break; sleep 0.2; done
for p in $pids; do
	kill -0 "$p" 2>/dev/null || { cat "$work/keystone.log" "$work/server.log"; echo "gophercloud.sh: a server did not start (ports $ks, $api taken?)"; exit 1; }
done

token=$(curl -fsi "http://$ks/v3/auth/tokens" -H 'Content-Type: application/json' \
	-d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","password":"secret"}}},"scope":{"project":{"name":"admin"}}}}' |
	tr -d '\r' | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p')
neutron() { curl -fs -H "X-Auth-Token: $token" -H 'Content-Type: application/json' "http://$api/neutron/v2.0/$1" -d "$2"; }
ext=$(neutron networks '{"network":{"name":"public","router:external":true}}' | sed 's/.*"id": *"\([^"]*\)".*/\1/')
neutron subnets "{\"subnet\":{\"network_id\":\"$ext\",\"cidr\":\"172.24.4.0/24\",\"ip_version\":4,\"name\":\"public-subnet\"}}" >/dev/null

src=$(go mod download -json "$GOPHERCLOUD" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
cp -r "$src" "$work/gophercloud"
chmod -R u+w "$work/gophercloud"
cd "$work/gophercloud"
case " $* " in
*" ./"*) ;;
*)
	n=./internal/acceptance/openstack/networking/v2
	set -- "$@" $n $n/extensions $n/extensions/layer3 $n/extensions/quotas $n/extensions/mtu \
		$n/extensions/portsbinding $n/extensions/subnetpools $n/extensions/rbacpolicies
	;;
esac
status=0
OS_AUTH_URL="http://$ks/v3" OS_USERNAME=admin OS_PASSWORD=secret OS_PROJECT_NAME=admin OS_DOMAIN_ID=default \
	OS_REGION_NAME=RegionOne OS_BRANCH=master OS_EXTGW_ID="$ext" OS_POOL_NAME=public OS_NETWORK_NAME=private \
	OS_IMAGE_ID=none OS_FLAVOR_ID=1 OS_FLAVOR_ID_RESIZE=2 \
	go test -count=1 -tags acceptance "$@" || status=$?
echo "server log: $(wc -l <"$work/server.log") lines; last:"; tail -5 "$work/server.log"
exit $status
