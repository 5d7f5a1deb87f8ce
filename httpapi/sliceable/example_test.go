package sliceable_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/sliceable"
	"github.com/netslice/netslice/store/memory"
)

// Mount the Sliceable API next to your own routes and create a network.
func Example() {
	svc, err := sliceable.NewService(memory.New(nil), sliceable.Options{})
	if err != nil {
		panic(err)
	}
	api := sliceable.NewHandler(svc, sliceable.HandlerOptions{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	httpapi.Mount(mux, api) // at /sliceable/
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, _ := http.Post(srv.URL+"/sliceable/tenants/acme/networks", "application/json",
		strings.NewReader(`{"id":"office","description":"marketing"}`))
	fmt.Println(res.StatusCode, res.Header.Get("Location"))
	res, _ = http.Get(srv.URL + "/sliceable/tenants/acme/networks/office")
	body, _ := io.ReadAll(res.Body)
	fmt.Print(res.StatusCode, " ", string(body))
	// Output:
	// 202 /sliceable/tenants/acme/networks/office
	// 200 {"bindings":[],"description":"marketing"}
}
