package ovirt

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/netslice/netslice/httpapi"
)

// node is one element of oVirt's representation, written as XML (id and
// href as attributes, the rest as elements) or JSON (attributes and leaf
// elements as string members, repeated elements as arrays). Requests in
// either are read into nodes too.
type node struct {
	name     string
	attrs    [][2]string
	text     string
	children []*node
	// list makes JSON render each kind of child as an array, even of one
	// (collections).
	list bool
}

func el(name string, children ...*node) *node { return &node{name: name, children: children} }

func leaf(name, text string) *node { return &node{name: name, text: text} }

func (n *node) attr(k, v string) *node {
	n.attrs = append(n.attrs, [2]string{k, v})
	return n
}

func (n *node) add(children ...*node) *node {
	for _, c := range children {
		if c != nil {
			n.children = append(n.children, c)
		}
	}
	return n
}

// get returns an attribute's or a leaf child's value.
func (n *node) get(name string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.attrs {
		if a[0] == name {
			return a[1], true
		}
	}
	if c := n.child(name); c != nil && len(c.children) == 0 {
		return c.text, true
	}
	return "", false
}

func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (n *node) all(name string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, c := range n.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

// XML.

func (n *node) writeXML(b *bytes.Buffer) {
	b.WriteByte('<')
	b.WriteString(n.name)
	for _, a := range n.attrs {
		b.WriteString(" " + a[0] + `="`)
		xml.EscapeText(b, []byte(a[1]))
		b.WriteByte('"')
	}
	if n.text == "" && len(n.children) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	xml.EscapeText(b, []byte(n.text))
	for _, c := range n.children {
		c.writeXML(b)
	}
	b.WriteString("</" + n.name + ">")
}

func (n *node) xmlBytes() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	n.writeXML(&b)
	b.WriteByte('\n')
	return b.Bytes()
}

// maxDepth bounds how deep a request may nest.
const maxDepth = 32

func parseXML(body []byte) (*node, error) {
	if !utf8.Valid(body) {
		return nil, errors.New("the document is not valid UTF-8")
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("malformed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return nil, errors.New("the document nests too deep")
			}
			n := &node{name: t.Name.Local}
			for _, a := range t.Attr {
				n.attrs = append(n.attrs, [2]string{a.Name.Local, a.Value})
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root != nil {
				return nil, errors.New("more than one root element")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, errors.New("text outside the root element")
			}
		case xml.Directive:
			return nil, errors.New("DTDs are not accepted")
		}
	}
	if root == nil {
		return nil, errors.New("empty document")
	}
	trimText(root)
	return root, nil
}

func trimText(n *node) {
	if len(n.children) > 0 {
		n.text = ""
	} else {
		n.text = strings.TrimSpace(n.text)
	}
	for _, c := range n.children {
		trimText(c)
	}
}

// JSON.

func (n *node) jsonValue() any {
	if len(n.attrs) == 0 && len(n.children) == 0 && !n.list {
		return n.text
	}
	m := map[string]any{}
	for _, a := range n.attrs {
		m[a[0]] = a[1]
	}
	groups := map[string][]*node{}
	var order []string
	for _, c := range n.children {
		if _, ok := groups[c.name]; !ok {
			order = append(order, c.name)
		}
		groups[c.name] = append(groups[c.name], c)
	}
	for _, name := range order {
		cs := groups[name]
		if len(cs) == 1 && !n.list && name != "link" {
			m[name] = cs[0].jsonValue()
			continue
		}
		arr := make([]any, len(cs))
		for i, c := range cs {
			arr[i] = c.jsonValue()
		}
		m[name] = arr
	}
	return m
}

func (n *node) jsonBytes() []byte {
	b, _ := json.Marshal(n.jsonValue())
	return append(b, '\n')
}

// parseJSON reads a JSON request as a node named root (oVirt's JSON has no
// root element).
func parseJSON(body []byte, root string) (*node, error) {
	v, err := httpapi.CheckJSON(body, http.StatusBadRequest)
	var he *httpapi.Error
	if errors.As(err, &he) {
		return nil, errors.New(he.Msg)
	} else if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("the body must be a JSON object")
	}
	n := &node{name: root}
	if err := fromJSON(n, m, 0); err != nil {
		return nil, err
	}
	return n, nil
}

func fromJSON(n *node, m map[string]any, depth int) error {
	if depth > maxDepth {
		return errors.New("the document nests too deep")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := addJSON(n, k, m[k], depth); err != nil {
			return err
		}
	}
	return nil
}

func addJSON(n *node, k string, v any, depth int) error {
	switch x := v.(type) {
	case map[string]any:
		c := &node{name: k}
		n.children = append(n.children, c)
		return fromJSON(c, x, depth+1)
	case []any:
		for _, it := range x {
			if err := addJSON(n, k, it, depth+1); err != nil {
				return err
			}
		}
	case string:
		n.children = append(n.children, leaf(k, x))
	case json.Number:
		n.children = append(n.children, leaf(k, x.String()))
	case bool:
		n.children = append(n.children, leaf(k, strconv.FormatBool(x)))
	case nil:
	default:
		return fmt.Errorf("unexpected %T for %s", v, k)
	}
	return nil
}
