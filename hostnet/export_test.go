package hostnet

// FailAt makes the n-th change of p's next Apply fail.
func FailAt(p *Provisioner, n int) {
	p.mu.Lock()
	p.failAt = n
	p.mu.Unlock()
}
