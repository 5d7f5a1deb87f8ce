package of13

// DecodeGeneral decodes with the general decoder only, for benchmarks that
// compare it with the fast path.
func (m *FlowMod) DecodeGeneral(b []byte) error { return m.decode(b) }
