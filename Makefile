# make test: every test. As root it first installs the Debian packages the
# integration tests need; otherwise those tests skip and say what to install.

DEBS := libvirt-dev libvirt-clients libvirt-daemon xorriso tshark openvswitch-switch etcd-server iproute2 iputils-ping strace chromium chromium-driver \
	qemu-system-x86 qemu-utils linux-image-amd64 busybox-static dnsmasq-base iptables isolinux syslinux-common isc-dhcp-client

.PHONY: test deps vet
test: deps vet
	go test -race ./...
	cd benchmarks && go test ./...

vet:
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || { echo "gofmt: the files above need formatting"; exit 1; }
	go vet ./...
	cd benchmarks && go vet ./...
	GOOS=darwin go vet ./...
	GOOS=windows go vet ./...

deps:
	@if [ "$$(id -u)" != 0 ]; then \
		echo "make test: not root, integration tests that need $(DEBS) skip when they are missing"; \
	else \
		missing=""; \
		for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
		if [ -n "$$missing" ]; then \
			echo "make test: installing$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
		fi; \
	fi
