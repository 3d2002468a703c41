package feedgen

import (
	"runtime"
	"sync"
)

// parallelism is how many files are read or rendered at once.
func parallelism() int { return runtime.GOMAXPROCS(0) }

// parallelIO runs fn for each of n jobs that mostly wait for the disk:
// more at once than there are processors, since a disk (and the page
// cache's read-ahead) serves many outstanding reads faster than one at a
// time.
func parallelIO(n int, fn func(i int)) { parallelN(max(8, 4*runtime.GOMAXPROCS(0)), n, fn) }

// parallel runs fn for each of n jobs on all processors. Results must be
// written to per-job slots: the order in which jobs finish does not matter.
func parallel(n int, fn func(i int)) { parallelN(runtime.GOMAXPROCS(0), n, fn) }

// parallelN runs fn for each of n jobs on at most workers goroutines.
func parallelN(workers, n int, fn func(i int)) {
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
