package openflow

import (
	"reflect"
	"sync"
)

// Mux dispatches messages to handlers by message type, like
// http.ServeMux does by path, and passes switch-up and switch-down to the
// functions set for them. The zero value is ready to use.
//
//	mux := &openflow.Mux{}
//	mux.HandleFunc(&of13.PacketIn{}, onPacketIn)
//	mux.HandleFunc(&of13.PortStatus{}, onPortStatus)
//	ctrl := &openflow.Controller{Handler: mux}
type Mux struct {
	mu       sync.RWMutex
	handlers map[reflect.Type]Handler
	// NotFound handles messages of types with no handler; nil drops them.
	NotFound Handler
	// OnSwitchUp and OnSwitchDown, when set, are called as SwitchHandler
	// describes.
	OnSwitchUp, OnSwitchDown func(*Switch)
}

// Handle routes messages of the same type as example (any version's, e.g.
// &of13.PacketIn{}) to h.
func (m *Mux) Handle(example Message, h Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.handlers == nil {
		m.handlers = map[reflect.Type]Handler{}
	}
	m.handlers[reflect.TypeOf(example)] = h
}

// HandleFunc routes messages of example's type to f.
func (m *Mux) HandleFunc(example Message, f func(*Switch, Message)) {
	m.Handle(example, HandlerFunc(f))
}

// ServeOpenFlow implements Handler.
func (m *Mux) ServeOpenFlow(sw *Switch, msg Message) {
	m.mu.RLock()
	h := m.handlers[reflect.TypeOf(msg)]
	m.mu.RUnlock()
	if h == nil {
		h = m.NotFound
	}
	if h != nil {
		h.ServeOpenFlow(sw, msg)
	}
}

// SwitchUp implements SwitchHandler.
func (m *Mux) SwitchUp(sw *Switch) {
	if m.OnSwitchUp != nil {
		m.OnSwitchUp(sw)
	}
}

// SwitchDown implements SwitchHandler.
func (m *Mux) SwitchDown(sw *Switch) {
	if m.OnSwitchDown != nil {
		m.OnSwitchDown(sw)
	}
}
