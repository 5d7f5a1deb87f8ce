package nicira_test

import (
	"fmt"

	"github.com/netslice/netslice/openflow/nicira"
	"github.com/netslice/netslice/openflow/of13"
)

// A stateful firewall's two flows: IPv4 not yet tracked goes through the
// connection tracker in zone 7 and comes back in table 1; there an
// established connection's packets pass.
func Example() {
	track, err := nicira.CT{Zone: 7, Table: 1}.Action()
	if err != nil {
		panic(err)
	}
	toTracker := of13.NewFlowMod(of13.FlowAdd)
	toTracker.Match = of13.NewMatch(of13.EthType(0x0800), nicira.CTState(0, nicira.CTTracked))
	toTracker.Instructions = of13.Apply(track)

	established := of13.NewFlowMod(of13.FlowAdd)
	established.TableID = 1
	established.Match = of13.NewMatch(of13.EthType(0x0800),
		nicira.CTState(nicira.CTTracked|nicira.CTEstablished, nicira.CTTracked|nicira.CTEstablished))
	established.Instructions = of13.Apply(of13.Output(2))

	ct, _ := nicira.Parse(toTracker.Instructions[0].Actions[0])
	fmt.Printf("%+v\n", ct)
	// Output: {Commit:false Force:false Zone:7 Table:1 ALG:0 Actions:[]}
}
