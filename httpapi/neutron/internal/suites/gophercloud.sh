#!/bin/sh
# gophercloud.sh runs gophercloud's own acceptance tests for Networking v2
# against netslice's Neutron, as OpenStack's CI runs them against
# neutron-server: a server on a memory store, the Keystone stand-in beside
# it, an external network for the router and floating IP tests (bed.sh),
# and `go test -tags acceptance` in a copy of the gophercloud module.
#
#   httpapi/neutron/internal/suites/gophercloud.sh [go test flags] [packages]
#
# Packages default to the ones we claim (core, extensions, layer3, quotas,
# mtu, portsbinding, subnetpools, rbacpolicies; provider and security are
# in extensions). Not part of make test: it needs the module proxy once and
# takes a minute.
set -eu
GOPHERCLOUD=${GOPHERCLOUD:-github.com/gophercloud/gophercloud/v2@v2.15.0}
. "$(dirname "$0")/bed.sh"

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
