package ovirt

import (
	"testing"
)

// FuzzParse: any body parses to a node or an error, never a panic, and
// a parsed node renders both ways.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`<network><name>x</name><vlan id="1"/><usages><usage>vm</usage></usages></network>`,
		`<action><modified_network_attachments><network_attachment id="a"/></modified_network_attachments></action>`,
		`<!DOCTYPE x><x/>`, `<a><b>1</b><b>2</b></a>`, `text`, `<a>`, `{"name": "x", "vlan": {"id": "5"}, "usages": {"usage": ["vm"]}}`,
		`{"a": [1, true, null, {"b": []}]}`, `[]`, `{"a":`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, parse := range []func([]byte) (*node, error){parseXML, func(b []byte) (*node, error) { return parseJSON(b, "root") }} {
			n, err := parse(body)
			if err != nil {
				continue
			}
			n.xmlBytes()
			n.jsonBytes()
			if _, err := networkFrom(n, Network{}); err != nil {
				continue
			}
			attachmentFrom(n)
			bondFrom(n)
		}
	})
}
