package kimchi

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDistroOf: distributions told from the volume ids their images carry.
func TestDistroOf(t *testing.T) {
	for id, want := range map[string][2]string{
		"Debian 12.4.0 amd64 n":           {"debian", "12.4.0"},
		"Ubuntu-Server 24.04.1 LTS amd64": {"ubuntu", "24.04"},
		"Fedora-S-dvd-x86_64-41":          {"fedora", "41"}, // not the 64 of x86_64
		"Fedora-WS-Live-41-1-4":           {"fedora", "41"},
		"CentOS-Stream-9-BaseOS-x86_64":   {"centos", "9"},
		"RHEL-9-4-0-BaseOS-x86_64":        {"rhel", "9.4"},
		"CDROM":                           {"unknown", "unknown"},
	} {
		d, v := distroOf(id)
		assert.Equal(t, want, [2]string{d, v}, id)
	}
}
