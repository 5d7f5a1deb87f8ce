package of13_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow/internal/oftest"
	"github.com/netslice/netslice/openflow/of13"
)

// TestGoldenEveryErrorCode: an error message of every type and code the
// codec names is read by Open vSwitch as that error.
func TestGoldenEveryErrorCode(t *testing.T) {
	prefixes := map[of13.ErrorType]string{
		of13.ErrorTypeHelloFailed: "OFPHFC_", of13.ErrorTypeBadRequest: "OFPBRC_", of13.ErrorTypeBadAction: "OFPBAC_",
		of13.ErrorTypeBadInstruction: "OFPBIC_", of13.ErrorTypeBadMatch: "OFPBMC_", of13.ErrorTypeFlowModFailed: "OFPFMFC_",
		of13.ErrorTypeGroupModFailed: "OFPGMFC_", of13.ErrorTypePortModFailed: "OFPPMFC_", of13.ErrorTypeTableModFailed: "OFPTMFC_",
		of13.ErrorTypeQueueOpFailed: "OFPQOFC_", of13.ErrorTypeSwitchConfigFailed: "OFPSCFC_", of13.ErrorTypeRoleRequestFailed: "OFPRRFC_",
		of13.ErrorTypeMeterModFailed: "OFPMMFC_", of13.ErrorTypeTableFeaturesFailed: "OFPTFFC_",
	}
	// Open vSwitch's own names for nine of the same codes (older names,
	// or its OpenFlow 1.4 property errors for table features).
	ovsName := map[string]string{
		"OFPBRC_BAD_MULTIPART": "OFPBRC_BAD_STAT", "OFPBRC_BAD_EXPERIMENTER": "OFPBRC_BAD_VENDOR",
		"OFPBRC_BAD_EXP_TYPE": "OFPBRC_BAD_SUBTYPE", "OFPBRC_IS_SLAVE": "OFPBRC_IS_SECONDARY",
		"OFPBAC_BAD_EXPERIMENTER": "OFPBAC_BAD_VENDOR", "OFPBAC_BAD_EXP_TYPE": "OFPBAC_BAD_VENDOR_TYPE",
		"OFPTFFC_BAD_TYPE": "OFPBPC_BAD_TYPE", "OFPTFFC_BAD_LEN": "OFPBPC_BAD_LEN", "OFPTFFC_BAD_ARGUMENT": "OFPBPC_BAD_VALUE",
	}
	n := 0
	for typ, prefix := range prefixes {
		for code := uint16(0); ; code++ {
			name := of13.ErrorCodeString(typ, code)
			if strings.HasPrefix(name, "Code(") {
				break
			}
			n++
			t.Run(fmt.Sprintf("%s%s", prefix, name), func(t *testing.T) {
				b, err := (&of13.Error{Type: typ, Code: code, Data: []byte{4, 2, 0, 8, 0, 0, 0, 9}}).MarshalBinary()
				require.NoError(t, err)
				out := oftest.OfpPrint(t, b)
				want := prefix + name
				if alias, ok := ovsName[want]; ok {
					want = alias
				}
				assert.Contains(t, out, "OFPT_ERROR (OF1.3) (xid=0x0): "+want+"\n", "%s", out)
				assert.NotContains(t, out, "***", "%s", out)
			})
		}
	}
	assert.Equal(t, 111, n, "every code of OpenFlow 1.3.5's 14 error tables")
}
