package pipeline

import (
	"slices"
	"sync"
	"testing"
)

// longFirst lists the package's longest tests, the longest first (each of
// them takes 10 to 40 s under -race on two cores, most of the others a few
// seconds). Admission starts them before the others: started in the
// testing package's order, which is no order (the parallel tests race for
// its slots once the sequential ones are done), one of them could start
// last and run alone for half a minute at the end.
var longFirst = []string{
	"TestCrashSafety",
	"TestRandomOpsServeEqualsBuild",
	"TestSoakShort",
	"TestBuildPublish",
	"TestIndexInChromium",
	"TestArchivePagesInChromium",
	"TestServePublish",
	"TestDaemonEndToEnd",
	"TestBuildPrecompress",
}

// admission admits the package's top-level tests, slots at a time, the
// ones of longFirst first, in that order, then the others in the order of
// the source. TestMain sets slots, and lifts the testing package's own
// limit, which would admit them in no order.
var admission = &testGate{slots: 4, admit: map[string]chan struct{}{}}

type testGate struct {
	mu      sync.Mutex
	slots   int                      // tests that may run at once
	running int                      // tests admitted and not yet done
	queue   []string                 // registered tests not yet admitted, best first
	admit   map[string]chan struct{} // closed when the test is admitted
	arrived map[string]bool          // queued tests that wait for admission
}

// parallel is t.Parallel for the package's top-level tests: t runs once
// admission admits it, in parallel with the others. Not for subtests: one
// would wait for a slot that its parent holds until it is done.
func parallel(t *testing.T) {
	t.Helper()
	admission.register(t.Name())
	t.Parallel()
	admission.wait(t.Name())
	t.Cleanup(admission.done)
}

// register queues name. Tests register before t.Parallel, during the
// package's sequential phase, so that every test of the run is queued
// before any is admitted: the first admitted are then the first of
// longFirst, not the first to come out of t.Parallel.
func (g *testGate) register(name string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	rank := func(n string) int {
		if i := slices.Index(longFirst, n); i >= 0 {
			return i
		}
		return len(longFirst)
	}
	i := len(g.queue)
	for i > 0 && rank(g.queue[i-1]) > rank(name) {
		i--
	}
	g.queue = slices.Insert(g.queue, i, name)
	g.admit[name] = make(chan struct{})
}

// wait returns when name is admitted.
func (g *testGate) wait(name string) {
	g.mu.Lock()
	if g.arrived == nil {
		g.arrived = map[string]bool{}
	}
	g.arrived[name] = true
	ch := g.admit[name]
	g.next()
	g.mu.Unlock()
	<-ch
}

// done frees the slot of a test that is over.
func (g *testGate) done() {
	g.mu.Lock()
	g.running--
	g.next()
	g.mu.Unlock()
}

// next admits tests while there is a free slot and the first queued test
// waits for one. If it has not come out of t.Parallel yet, nothing is
// admitted until it has (it is on its way: they all are, once the
// sequential phase is over).
func (g *testGate) next() {
	for g.running < max(g.slots, 1) && len(g.queue) > 0 && g.arrived[g.queue[0]] {
		name := g.queue[0]
		g.queue = g.queue[1:]
		delete(g.arrived, name)
		close(g.admit[name])
		delete(g.admit, name)
		g.running++
	}
}
