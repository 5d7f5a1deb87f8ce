package fabricui_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"

	"github.com/netslice/netslice/httpapi/fabricui"
	"github.com/netslice/netslice/l2"
)

// Serve the page of a fabric under /ui/ and read the snapshot it draws.
func Example() {
	f := l2.NewFabric(l2.Options{})
	f.Update(func(tx *l2.Tx) error {
		tx.AddSlice("office")
		return tx.BindPort("office", l2.Location{Datapath: 1, Port: 1, VLAN: l2.Untagged})
	})
	f.Decide(l2.Location{Datapath: 1, Port: 1, VLAN: l2.Untagged}, l2.MustParseMAC("02:00:00:00:00:01"), l2.Broadcast)

	ui := fabricui.New(fabricui.Source{Fabric: f, Topology: l2.NewTopology()}, fabricui.Options{})
	// In a server: mux.Handle("/ui/", http.StripPrefix("/ui", ui))
	rec := httptest.NewRecorder()
	ui.ServeHTTP(rec, httptest.NewRequest("GET", "/api/fabric", nil))
	var snap fabricui.Snapshot
	json.Unmarshal(rec.Body.Bytes(), &snap)
	s := snap.Slices[0]
	fmt.Println(len(snap.Switches), s.ID, len(s.Ports), s.Learned[0].MAC)
	// Output: 1 office 1 02:00:00:00:00:01
}
