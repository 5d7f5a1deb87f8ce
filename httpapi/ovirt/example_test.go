package ovirt_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/ovirt"
	"github.com/netslice/netslice/store/memory"
)

// Mount the API where oVirt Engine has it and add a logical network as
// the v4 SDKs do, in XML; hosts' agents (hostnet.Agent) following the
// same store would then carry it on their NICs.
func Example() {
	svc, err := ovirt.NewService(memory.New(nil), ovirt.Options{})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	httpapi.Mount(mux, ovirt.NewHandler(svc, ovirt.HandlerOptions{})) // at /ovirt-engine/api/

	req := httptest.NewRequest("POST", "/ovirt-engine/api/networks",
		strings.NewReader(`<network><name>vmnet</name><vlan id="10"/></network>`))
	req.Header.Set("Content-Type", "application/xml")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.HasPrefix(rec.Header().Get("Location"), "/ovirt-engine/api/networks/"))

	req = httptest.NewRequest("GET", "/ovirt-engine/api/networks/vmnet", nil)
	req.Header.Set("Accept", "application/json")
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.Contains(rec.Body.String(), `"vlan":{"id":"10"}`))
	// Output:
	// 201 true
	// 200 true
}
