package feedgen

// TemporaryState reports whether the generator runs on a temporary state
// although a state directory was asked for (see index.Index.Temporary):
// the daemon's /healthz says so. Safe to call from any goroutine.
func (g *Generator) TemporaryState() bool { return g.ix.Temporary() }
