package openflow_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

func stream(t *testing.T, msgs ...openflow.Message) ([]byte, [][]byte) {
	var all []byte
	var each [][]byte
	for _, m := range msgs {
		b, err := m.MarshalBinary()
		require.NoError(t, err)
		all = append(all, b...)
		each = append(each, b)
	}
	return all, each
}

func TestReader(t *testing.T) {
	all, each := stream(t,
		of13.NewHello(1, 4),
		&of13.EchoRequest{Header: of13.Header{XID: 7}, Data: bytes.Repeat([]byte{1}, 1000)},
		&of10.FeaturesRequest{},
		&of13.PacketIn{Data: bytes.Repeat([]byte{2}, 60000)},
		&of13.BarrierRequest{},
	)
	for name, r := range map[string]io.Reader{
		"whole":       bytes.NewReader(all),
		"byte a read": iotest.OneByteReader(bytes.NewReader(all)),
		"half reads":  iotest.HalfReader(bytes.NewReader(all)),
	} {
		t.Run(name, func(t *testing.T) {
			fr := openflow.NewReader(r, 0)
			for _, want := range each {
				got, err := fr.Next()
				require.NoError(t, err)
				assert.Equal(t, want, got)
				m, err := openflow.Decode(got)
				require.NoError(t, err)
				assert.Equal(t, int(m.Head().Length), len(got))
			}
			_, err := fr.Next()
			assert.ErrorIs(t, err, io.EOF)
		})
	}
}

func TestReaderBadStreams(t *testing.T) {
	hello, _ := stream(t, &of13.BarrierRequest{})
	overlong := append(bytes.Clone(hello), 0x04, 0, 0xff, 0xff, 0, 0, 0, 0)
	for _, tt := range []struct {
		name string
		b    []byte
		max  int
		want error
	}{
		{"cut in a header", hello[:5], 0, io.ErrUnexpectedEOF},
		{"cut in a body", append(bytes.Clone(hello), 0x04, 0, 0, 20, 0, 0, 0, 0, 1), 0, io.ErrUnexpectedEOF},
		{"length under a header", append(bytes.Clone(hello), 0x04, 0, 0, 4, 0, 0, 0, 0), 0, openflow.ErrMalformed},
		{"length over the maximum", overlong, 1024, openflow.ErrMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fr := openflow.NewReader(bytes.NewReader(tt.b), tt.max)
			var err error
			for err == nil {
				_, err = fr.Next()
			}
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestReaderDoesNotAllocate(t *testing.T) {
	one, _ := stream(t, &of13.PacketIn{Match: of13.NewMatch(of13.InPort(1)), Data: make([]byte, 64)})
	all := bytes.Repeat(one, 2000)
	r := bytes.NewReader(all)
	fr := openflow.NewReader(r, 0)
	var pi of13.PacketIn
	allocs := testing.AllocsPerRun(1000, func() {
		b, err := fr.Next()
		if err != nil {
			t.Fatal(err)
		}
		if err := pi.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

func TestDecodeVersions(t *testing.T) {
	_, each := stream(t, &of10.BarrierReply{}, &of13.BarrierReply{})
	m, err := openflow.Decode(each[0])
	require.NoError(t, err)
	assert.IsType(t, &of10.BarrierReply{}, m)
	m, err = openflow.Decode(each[1])
	require.NoError(t, err)
	assert.IsType(t, &of13.BarrierReply{}, m)

	bad := bytes.Clone(each[1])
	bad[0] = 6 // OpenFlow 1.5
	_, err = openflow.Decode(bad)
	assert.ErrorIs(t, err, openflow.ErrVersion)
	reply := openflow.ErrorReply(err, bad)
	require.NotNil(t, reply)
	e := reply.(*of13.Error)
	assert.Equal(t, of13.ErrorTypeBadRequest, e.Type)
	assert.Equal(t, uint16(of13.BadRequestBadVersion), e.Code)
	assert.Equal(t, bad, e.Data)
}

func TestErrorReply(t *testing.T) {
	b, err := (&of10.FlowMod{Header: of10.Header{XID: 99}, Match: of10.MatchAll(), Actions: []of10.Action{of10.Output(1)}}).MarshalBinary()
	require.NoError(t, err)
	b[75] = 13 // misaligned action length
	_, err = openflow.Decode(b)
	require.Error(t, err)
	reply, ok := openflow.ErrorReply(err, b).(*of10.Error)
	require.True(t, ok)
	assert.Equal(t, uint32(99), reply.XID)
	assert.Equal(t, of10.ErrorTypeBadAction, reply.Type)
	assert.Equal(t, uint16(of10.BadActionBadLen), reply.Code)
	assert.Len(t, reply.Data, 64)
	assert.Nil(t, openflow.ErrorReply(errors.New("other"), b))
}

// FuzzReader: any stream frames without panics, each message is exactly
// as long as its length field, and bytes come out in order.
func FuzzReader(f *testing.F) {
	all, _ := stream(&testing.T{}, of13.NewHello(4), &of13.EchoRequest{Data: []byte("x")}, &of10.Hello{})
	f.Add(all, uint16(0))
	f.Add([]byte{4, 0, 0, 3, 0, 0, 0, 0}, uint16(100))
	f.Fuzz(func(t *testing.T, b []byte, max uint16) {
		fr := openflow.NewReader(bytes.NewReader(b), int(max))
		var got []byte
		for {
			m, err := fr.Next()
			if err != nil {
				break
			}
			if len(m) < 8 || int(m[2])<<8|int(m[3]) != len(m) {
				t.Fatalf("message %x does not match its length field", m)
			}
			got = append(got, m...)
		}
		if !bytes.HasPrefix(b, got) {
			t.Fatalf("framed bytes are not a prefix of the stream")
		}
	})
}
