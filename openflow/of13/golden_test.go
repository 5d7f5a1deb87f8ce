package of13_test

import (
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ofpPrint decodes b with Open vSwitch's own decoder.
func ofpPrint(t *testing.T, b []byte) string {
	t.Helper()
	bin, err := exec.LookPath("ovs-ofctl")
	if err != nil {
		t.Skip("ovs-ofctl not found: install the Debian package openvswitch-common (make test does, as root)")
	}
	out, err := exec.Command(bin, "ofp-print", hex.EncodeToString(b)).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}

func TestGoldenOVS(t *testing.T) {
	for _, g := range goldens() {
		t.Run(g.name, func(t *testing.T) {
			b, err := g.msg.MarshalBinary()
			require.NoError(t, err)
			out := ofpPrint(t, b)
			for _, bad := range []string{"decode error", "too short", "***", "bad", "unknown"} {
				require.NotContains(t, out, bad, "ovs-ofctl could not decode %x:\n%s", b, out)
			}
			for _, w := range g.want {
				assert.Contains(t, out, w, "ovs-ofctl printed:\n%s", out)
			}
			if testing.Verbose() {
				t.Logf("%x\n%s", b, strings.TrimSpace(out))
			}
		})
	}
}
