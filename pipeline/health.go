package pipeline

// degraded names what is wrong with the daemon although it serves, for
// /healthz (serve.Options.Degraded), in the words of the log lines that
// reported each: the output directory failing (retrying), folders polled
// because the kernel refused watches, a temporary state instead of the
// state directory, the source directory gone from its path, a loss of most
// articles held back, publishing to the buckets failing or held. Each is
// also logged once when it starts; this says whether it still holds.
func (d *Daemon) degraded() []string {
	var out []string
	d.out.mu.Lock()
	failing := d.out.failing
	d.out.mu.Unlock()
	if failing {
		out = append(out, "output_failing")
	}
	if w := d.watcher; w != nil {
		h := w.Health()
		if h.Polled > 0 {
			out = append(out, "watch_limit")
		}
		if h.RootLost {
			out = append(out, "root_lost")
		}
	}
	if d.gen.TemporaryState() {
		out = append(out, "state_temporary")
	}
	if d.loss.holding() {
		out = append(out, "source_loss_held")
	}
	return append(out, d.pub.degraded()...)
}
