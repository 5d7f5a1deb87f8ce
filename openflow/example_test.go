package openflow_test

import (
	"bytes"
	"fmt"
	"io"

	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

// Read messages of either version from a connection.
func ExampleReader() {
	var conn bytes.Buffer // stands in for a switch's TCP connection
	for _, m := range []openflow.Message{of13.NewHello(1, 4), &of13.EchoRequest{Data: []byte("hi")}, &of10.BarrierReply{}} {
		b, _ := m.MarshalBinary()
		conn.Write(b)
	}
	r := openflow.NewReader(&conn, 0)
	for {
		b, err := r.Next()
		if err == io.EOF {
			break
		}
		m, err := openflow.Decode(b)
		if err != nil {
			// Answer the peer with the error it deserves, then hang up.
			reply := openflow.ErrorReply(err, b)
			_ = reply
			break
		}
		fmt.Printf("%v %T\n", openflow.Version(m.Head().Version), m)
	}
	// Output:
	// OpenFlow 1.3 *of13.Hello
	// OpenFlow 1.3 *of13.EchoRequest
	// OpenFlow 1.0 *of10.BarrierReply
}
