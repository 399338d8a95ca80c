package asm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// The worker pool: Threads()-1 goroutines parked on a channel for the whole
// life of the process, plus the calling goroutine, share each parallel loop.
// A loop is cut into chunks that every thread takes from one atomic counter,
// so a thread slowed by other load on the machine simply takes fewer chunks.
// Starting a goroutine per matrix multiplication cost more than a small
// decode matmul itself.

// task is one parallel loop body over index ranges. Kernels pass a pointer to
// a reused struct, so that handing work to the pool allocates nothing (a
// closure that outlives the call — as one shared with other goroutines
// does — is allocated on the heap).
type task interface{ run(lo, hi int) }

// funcTask adapts a plain function for Parallel.
type funcTask func(lo, hi int)

func (f funcTask) run(lo, hi int) { f(lo, hi) }

// job is the loop being run; the pool reuses one.
type job struct {
	t     task
	n     int          // indices [0, n)
	grain int          // indices per chunk
	next  atomic.Int64 // first index of the next chunk to take
	done  sync.WaitGroup
}

// work takes chunks until none are left.
func (j *job) work() {
	for {
		lo := int(j.next.Add(int64(j.grain))) - j.grain
		if lo >= j.n {
			return
		}
		j.t.run(lo, min(lo+j.grain, j.n))
	}
}

var pool struct {
	// mu is held while a loop runs (and while the workers change): one loop
	// at a time. A loop started meanwhile — from another goroutine, or nested
	// inside a loop body — runs on its caller alone instead of waiting.
	mu      sync.Mutex
	threads int       // 0 until the first use: GOMAXPROCS then
	wake    chan *job // one message per worker joining a job
	j       job
}

// SetThreads sets how many threads kernels use (the caller plus n-1 pool
// workers); n ≤ 0 means runtime.GOMAXPROCS(0), the default. It waits for a
// running loop to finish.
func SetThreads(n int) {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	pool.mu.Lock()
	defer pool.mu.Unlock()
	startWorkers(n)
}

// Threads returns the number of threads kernels use.
func Threads() int {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.threads == 0 {
		startWorkers(runtime.GOMAXPROCS(0))
	}
	return pool.threads
}

// startWorkers replaces the workers by n-1 new ones; pool.mu is held.
func startWorkers(n int) {
	if n == pool.threads {
		return
	}
	if pool.wake != nil {
		close(pool.wake) // the old workers return
	}
	pool.threads, pool.wake = n, nil
	if n > 1 {
		wake := make(chan *job, n-1)
		for range n - 1 {
			go func() {
				for j := range wake {
					j.work()
					j.done.Done()
				}
			}()
		}
		pool.wake = wake
	}
}

// Parallel calls f on consecutive ranges [lo, hi) that together cover
// [0, n) exactly once, from up to Threads() threads at a time, and returns
// when all calls have returned. Ranges are small enough (about 4 per thread)
// for the threads to balance the load. f must be safe to run concurrently
// on disjoint ranges. Called from inside another Parallel loop, or while
// another goroutine's loop runs, it runs f over [0, n) on the calling
// goroutine. The caller decides that the work is worth sharing: n ≥ 2 is
// always shared.
func Parallel(n int, f func(lo, hi int)) {
	parallelFor(n, minWork, funcTask(f))
}

// minWork is the least work (in multiply-adds) worth waking another thread
// for: a wake-up costs a few microseconds.
const minWork = 1 << 16

// parallelFor runs t over [0, n), in parallel when n × workPerIndex
// multiply-adds are worth it.
func parallelFor(n, workPerIndex int, t task) {
	if n <= 0 {
		return
	}
	if n == 1 || n*workPerIndex < 2*minWork || !pool.mu.TryLock() {
		t.run(0, n)
		return
	}
	defer pool.mu.Unlock()
	if pool.threads == 0 {
		startWorkers(runtime.GOMAXPROCS(0))
	}
	threads := min(pool.threads, n, n*workPerIndex/minWork)
	if threads <= 1 {
		t.run(0, n)
		return
	}
	j := &pool.j
	j.t, j.n = t, n
	j.grain = max(1, (n+4*threads-1)/(4*threads))
	j.next.Store(0)
	j.done.Add(threads - 1)
	for range threads - 1 {
		pool.wake <- j
	}
	j.work()
	j.done.Wait()
	j.t = nil // do not keep the loop's data alive
}
