// Package parallel runs the jobs of the generator's tree (reading articles,
// rendering documents, compressing files) on a few goroutines. The jobs
// write their results to per-job slots, so the order in which they finish
// never shows in the output.
package parallel

import (
	"runtime"
	"sync"
)

// Width is how many files are read or rendered at once.
func Width() int { return runtime.GOMAXPROCS(0) }

// IO runs fn for each of n jobs that mostly wait for the disk: more at
// once than there are processors, since a disk (and the page cache's
// read-ahead) serves many outstanding reads faster than one at a time.
func IO(n int, fn func(i int)) { run(max(8, 4*runtime.GOMAXPROCS(0)), n, fn) }

// Run runs fn for each of n jobs on all processors. Results must be written
// to per-job slots: the order in which jobs finish does not matter.
func Run(n int, fn func(i int)) { run(runtime.GOMAXPROCS(0), n, fn) }

// run runs fn for each of n jobs on at most workers goroutines.
func run(workers, n int, fn func(i int)) {
	workers = min(workers, n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var next int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if int(i) >= n {
					return
				}
				fn(int(i))
			}
		}()
	}
	wg.Wait()
}
