package jsonw_test

import (
	"fmt"

	"github.com/netslice/netslice/httpapi/internal/jsonw"
)

// A list item written by hand, in a buffer kept between lists: the bytes
// encoding/json would write for the same values.
func Example() {
	bp := jsonw.Buffer()
	defer jsonw.Release(bp)
	b := append(*bp, `{"name":`...)
	b = jsonw.String(b, "vm <1>")
	b = append(b, `,"cpu":`...)
	b = jsonw.Float(b, 12.5)
	b = append(b, `,"users":`...)
	b = jsonw.Strings(b, []string{"alice"})
	b = append(b, '}')
	*bp = b
	fmt.Println(string(b))
	// Output: {"name":"vm \u003c1\u003e","cpu":12.5,"users":["alice"]}
}
