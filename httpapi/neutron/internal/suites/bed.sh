# bed.sh, sourced by the suite scripts: builds and starts the server (on a
# memory store, its Neutron under /neutron/) and the Keystone stand-in,
# both on loopback, stopped when the script exits; makes an admin token
# and an external network "public" with a subnet. It sets work (a
# temporary directory), ks and api (the listeners), token and ext (the
# external network's id).
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
	kill -0 "$p" 2>/dev/null || { cat "$work/keystone.log" "$work/server.log"; echo "$0: a server did not start (ports $ks, $api taken?)"; exit 1; }
done

token=$(curl -fsi "http://$ks/v3/auth/tokens" -H 'Content-Type: application/json' \
	-d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","password":"secret"}}},"scope":{"project":{"name":"admin"}}}}' |
	tr -d '\r' | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p')
neutron() { curl -fs -H "X-Auth-Token: $token" -H 'Content-Type: application/json' "http://$api/neutron/v2.0/$1" ${2:+-d "$2"}; }
ext=$(neutron networks '{"network":{"name":"public","router:external":true}}' | sed 's/.*"id": *"\([^"]*\)".*/\1/')
neutron subnets "{\"subnet\":{\"network_id\":\"$ext\",\"cidr\":\"172.24.4.0/24\",\"ip_version\":4,\"name\":\"public-subnet\"}}" >/dev/null
