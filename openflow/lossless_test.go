package openflow_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

// TestLosslessPrereqViolations: messages whose match breaks a
// prerequisite — as a switch reports a packet (its packet-in) or as
// another controller wrote a flow (a flow_mod a proxy passes on) — decode
// and encode again to the same bytes; Validate names what is wrong.
// Open vSwitch's own decoder reads each.
func TestLosslessPrereqViolations(t *testing.T) {
	for _, c := range []struct {
		name, hex string
		prereq    bool   // Validate refuses it
		ovs       string // what ovs-ofctl ofp-print says of it, beyond decoding it
	}{
		// OpenFlow 1.3 packet_in (buffer none, table 0, cookie 0) whose
		// match is in_port=1 and ip_dscp=10 without eth_type, with a
		// 14-byte frame.
		{"of13 packet_in ip_dscp without eth_type",
			"040a004000000001" + "ffffffff000e0000" + "0000000000000000" +
				"00010011" + "8000000400000001" + "800010010a" + "00000000000000" + "0000" +
				"ffffffffffff020000000001" + "0800", false, ""},
		// OpenFlow 1.3 flow_mod adding ip_dscp=10 without eth_type, no
		// instructions.
		{"of13 flow_mod ip_dscp without eth_type",
			"040e0040000000" + "02" + "0000000000000000" + "0000000000000000" + "0000" + "0000" + "0000" + "8000" +
				"ffffffff" + "ffffffff" + "ffffffff" + "0000" + "0000" +
				"00010009" + "8000100" + "10a" + "00000000000000", true, "decode error: ofpbmc_bad_prereq"},
		// OpenFlow 1.0 flow_mod matching nw_tos without dl_type.
		{"of10 flow_mod nw_tos without dl_type",
			"010e004800000003" + "001fffff" + "0000" + "000000000000" + "000000000000" + "0000" + "00" + "00" + "0000" +
				"28" + "00" + "0000" + "00000000" + "00000000" + "0000" + "0000" +
				"0000000000000000" + "0000" + "0000" + "0000" + "8000" + "ffffffff" + "ffff" + "0000", true, "normalization changed ofp_match"},
		// OpenFlow 1.0 packet_in (no match in 1.0: lossless all the same).
		{"of10 packet_in",
			"010a002000000004" + "ffffffff" + "000e" + "0001" + "00" + "00" + "ffffffffffff020000000001" + "0800", false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := hex.DecodeString(c.hex)
			require.NoError(t, err)
			m, err := openflow.Decode(b)
			require.NoError(t, err)
			again, err := m.MarshalBinary()
			require.NoError(t, err, "what decodes encodes")
			assert.Equal(t, hex.EncodeToString(b), hex.EncodeToString(again))
			var verr error
			switch fm := m.(type) {
			case *of13.FlowMod:
				verr = fm.Validate()
			case *of10.FlowMod:
				verr = fm.Validate()
			case *of13.PacketIn:
				verr = fm.Match.Validate()
				require.Error(t, verr, "a packet-in's match is no flow, but Validate still tells")
			}
			if c.prereq {
				require.Error(t, verr)
				assert.Contains(t, verr.Error(), "needs")
				assert.True(t, errors.Is(verr, openflow.ErrInvalid))
			}
			ofpPrint(t, b, c.ovs)
		})
	}
}

// ofpPrint has Open vSwitch decode b, when ovs-ofctl is installed: it
// reads it whole, or says exactly want (of a flow_mod breaking a
// prerequisite it refuses a 1.3 one and normalizes a 1.0 one).
func ofpPrint(t *testing.T, b []byte, want string) {
	t.Helper()
	if _, err := exec.LookPath("ovs-ofctl"); err != nil {
		t.Log("ovs-ofctl not installed (apt-get install openvswitch-common): not checked by Open vSwitch")
		return
	}
	out, err := exec.Command("ovs-ofctl", "ofp-print", hex.EncodeToString(b)).CombinedOutput()
	require.NoError(t, err, "%s", out)
	if want != "" {
		assert.Contains(t, strings.ToLower(string(out)), want, "%s", out)
	} else {
		assert.NotContains(t, strings.ToLower(string(out)), "error", "%s", out)
	}
	if os.Getenv("VERBOSE") != "" {
		t.Logf("%s", bytes.TrimSpace(out))
	}
}
