package neutron

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/netslice/netslice/l2"
)

func TestDHCPOption(t *testing.T) {
	for _, c := range []struct {
		name, value string
		want        l2.DHCPOption
		ok          bool
	}{
		{"mtu", "1400", l2.DHCPOption{Code: 26, Value: []byte{0x05, 0x78}}, true},
		{"26", "1400", l2.DHCPOption{Code: 26, Value: []byte{0x05, 0x78}}, true}, // a number takes its name's encoding
		{"dns-server", "10.0.0.1, 10.0.0.2", l2.DHCPOption{Code: 6, Value: []byte{10, 0, 0, 1, 10, 0, 0, 2}}, true},
		{"bootfile-name", "pxelinux.0", l2.DHCPOption{Code: 67, Value: []byte("pxelinux.0")}, true},
		{"option:252", "http://wpad/", l2.DHCPOption{Code: 252, Value: []byte("http://wpad/")}, true},
		{"lease-time", "600", l2.DHCPOption{Code: 51, Value: []byte{0, 0, 2, 0x58}}, true},
		{"mtu", "big", l2.DHCPOption{}, false},
		{"router", "2001:db8::1", l2.DHCPOption{}, false},
		{"tag:foo,router", "10.0.0.1", l2.DHCPOption{}, false},
		{"255", "x", l2.DHCPOption{}, false},
		{"0", "x", l2.DHCPOption{}, false},
		{"domain-name", "", l2.DHCPOption{}, false},
	} {
		got, ok := dhcpOption(c.name, c.value)
		assert.Equal(t, c.ok, ok, "%s=%s", c.name, c.value)
		assert.Equal(t, c.want, got, "%s=%s", c.name, c.value)
	}
}
