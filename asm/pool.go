package asm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The worker pool: Threads()-1 goroutines that live as long as the process,
// plus the calling goroutine, share each parallel loop. A loop is cut into
// chunks that every thread takes from one atomic counter, so a thread slowed
// by other load on the machine simply takes fewer chunks. Starting a
// goroutine per matrix multiplication cost more than a small decode matmul
// itself.
//
// Between loops a worker spins on the pool's generation counter for a while
// (spinWait) before it sleeps: a decode step runs some 150 short loops back to
// back, and waking a sleeping thread costs tens of microseconds, which left
// the worker idle for most of each step (profile: the caller did 70% of
// the decode work). llama.cpp's thread pool spins for the same reason.

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

	pending atomic.Int32   // workers that have not finished this loop
	done    sync.WaitGroup // the same count, for a caller that stops spinning
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
	threads int // 0 until the first use: GOMAXPROCS then
	workers []*worker
	gen     atomic.Uint64 // bumped for each loop posted to the workers
	j       job
}

// worker is one pool goroutine's mailbox. A worker that stopped spinning
// sets sleeping and waits on wake; whoever posts the next loop and finds it
// sleeping clears the flag and sends one wake-up.
type worker struct {
	sleeping atomic.Bool
	wake     chan struct{}
	quit     bool // set before the generation that retires this worker
}

// spinWait is how many polls of the generation counter a worker (and the
// caller waiting for workers) makes before sleeping: some 50–100 µs.
//
// Spinning only pays while the process has the cores to itself. On a
// machine shared with other busy threads a spinner burns the time slices
// that the thread it waits for needs (measured with two busy loops beside
// tg: 26 t/s sleeping, 3 t/s spinning), while a sleeper is woken promptly.
// So every yieldEvery polls the spinner yields its CPU (osYield); a yield
// that takes longer than yieldSlow means other threads were waiting for
// the CPU, and spinning stops for the next contendedFor. Both are tuned
// on tg64 of tl-q4_0, medians of alternating runs. At 50 µs, yields on
// an idle virtual machine tripped it now and then (36.3 against 39.8 t/s
// at 1 ms); so did a host's preemption now and then even at 1 ms, and
// 200 ms of sleeping after each cost 42.4 against 45.5 t/s at 20 ms.
// Beside two busy loops 20 ms still gives 27–37 t/s, where never
// backing off gave 4.8.
const (
	spinWait     = 1 << 16
	yieldEvery   = 1 << 10
	yieldSlow    = time.Millisecond
	contendedFor = 20 * time.Millisecond
)

var (
	clockStart     = time.Now()
	contendedUntil atomic.Int64 // clock() until which nobody spins
)

// clock is a monotonic time in nanoseconds.
func clock() int64 { return int64(time.Since(clockStart)) }

// spin polls done up to spinWait times, unless the machine is busy; it
// reports whether done became true.
func spin(done func() bool) bool {
	if clock() < contendedUntil.Load() {
		return done()
	}
	for i := range spinWait {
		if done() {
			return true
		}
		if i%yieldEvery == yieldEvery-1 {
			t := clock()
			osYield()
			if now := clock(); now-t > int64(yieldSlow) {
				contendedUntil.Store(now + int64(contendedFor))
				return done()
			}
		}
	}
	return false
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
	for _, w := range pool.workers {
		w.quit = true
	}
	post() // the old workers see quit and return
	pool.threads, pool.workers = n, nil
	for range n - 1 {
		w := &worker{wake: make(chan struct{}, 1)}
		pool.workers = append(pool.workers, w)
		go w.loop(pool.gen.Load())
	}
}

// post starts a new generation: every worker wakes (or stops spinning) and
// joins pool.j. pool.mu is held.
func post() {
	pool.gen.Add(1)
	for _, w := range pool.workers {
		if w.sleeping.CompareAndSwap(true, false) {
			w.wake <- struct{}{}
		}
	}
}

// loop runs every loop posted after generation seen, until retired.
func (w *worker) loop(seen uint64) {
	for {
		seen = w.next(seen)
		if w.quit {
			return
		}
		j := &pool.j
		j.work()
		j.pending.Add(-1)
		j.done.Done()
	}
}

// next waits for the generation after seen: spinning first, then asleep.
func (w *worker) next(seen uint64) uint64 {
	if spin(func() bool { return pool.gen.Load() != seen }) {
		return pool.gen.Load()
	}
	w.sleeping.Store(true)
	if g := pool.gen.Load(); g != seen && w.sleeping.CompareAndSwap(true, false) {
		return g // posted while we were going to sleep, and nobody sent a wake-up
	}
	<-w.wake // the poster cleared sleeping and sent this
	return pool.gen.Load()
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
	// Every worker joins; the grain is sized for the threads the work is
	// worth, and a worker that finds no chunk left returns at once.
	j := &pool.j
	j.t, j.n = t, n
	j.grain = max(1, (n+4*threads-1)/(4*threads))
	j.next.Store(0)
	j.pending.Store(int32(len(pool.workers)))
	j.done.Add(len(pool.workers))
	post()
	j.work()
	spin(func() bool { return j.pending.Load() == 0 })
	j.done.Wait()
	j.t = nil // do not keep the loop's data alive
}
