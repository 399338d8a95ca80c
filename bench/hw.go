// Package bench measures what bounds an LLM's speed on this machine: the
// memory read bandwidth that limits token generation (every weight is read
// once per token) and the float32 FMA peak that limits prompt processing.
// `nara bench` reports model throughput next to these figures, measured in
// the same run, so that ratios hold on a noisy machine.
package bench

import (
	"sync"
	"time"
	"unsafe"

	"github.com/narallm/nara/asm"
	"github.com/narallm/nara/loader/mmap"
)

// Hardware is this machine's measured limits for a number of threads.
type Hardware struct {
	Threads   int
	ReadGBps  float64 // streaming read bandwidth, 1e9 bytes/s
	FMAGFlops float64 // float32 fused multiply-add peak, 1e9 flop/s (2 per FMA lane)
	FMAKind   string  // which instructions the peak was measured with
}

// Measure measures read bandwidth over a buffer of readBytes (far larger than
// the caches: 512 MiB is a good size) and the FMA peak, both with threads
// threads. Each figure is the best of a few runs, the machine's capability
// rather than its mood.
func Measure(threads, readBytes int) Hardware {
	threads = max(1, threads)
	return Hardware{
		Threads:   threads,
		ReadGBps:  ReadBandwidth(threads, readBytes, 5),
		FMAGFlops: FMAPeak(threads, 5),
		FMAKind:   fmaKind(),
	}
}

// ReadBandwidth reads a buffer of size bytes from threads goroutines, each
// streaming through its own part, reps times, and returns the best rate in
// GB/s (a Reader used once).
func ReadBandwidth(threads, size, reps int) float64 {
	r := NewReader(size)
	defer r.Close()
	return r.Measure(threads, reps)
}

// Reader measures read bandwidth over a buffer it keeps, so that a
// benchmark can measure it again next to each of its repetitions (on a
// shared machine the bandwidth left over moves from second to second).
// The read loop is the active float dot kernel (x·x), which does far more
// arithmetic per cycle than memory can feed it. The buffer is the memory
// packed weights live in (mmap.Anonymous: huge pages where the kernel
// gives them), which reads 3–12% faster here than the Go heap's small
// pages: the figure is the machine's best, not the heap's.
type Reader struct {
	buf  []float32
	free func()
	sink [64]float32
}

// NewReader allocates and touches a buffer of size bytes; it stays
// resident until Close.
func NewReader(size int) *Reader {
	mem, free, err := mmap.Anonymous(size / 4 * 4)
	if err != nil {
		mem, free = make([]byte, size/4*4), func() {}
	}
	buf := unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(mem))), len(mem)/4)
	for i := range buf {
		buf[i] = float32(i & 7) // touch every page before timing
	}
	return &Reader{buf: buf, free: free}
}

// Bytes is the size of the buffer.
func (r *Reader) Bytes() int { return 4 * len(r.buf) }

// Measure reads the buffer reps times with threads goroutines and returns
// the best rate in GB/s.
func (r *Reader) Measure(threads, reps int) float64 {
	threads = max(1, threads)
	best := 0.0
	for range reps {
		sec := runThreads(threads, func(t int) {
			lo, hi := len(r.buf)*t/threads, len(r.buf)*(t+1)/threads
			part := r.buf[lo:hi]
			r.sink[t%len(r.sink)] += asm.Dot(part, part)
		})
		best = max(best, float64(4*len(r.buf))/sec/1e9)
	}
	return best
}

// Close frees the buffer.
func (r *Reader) Close() { r.free(); r.buf = nil }

// FMAPeak runs a loop of independent FMAs on threads goroutines and returns
// the best rate in GFLOP/s over reps runs.
func FMAPeak(threads, reps int) float64 {
	const iters = 20_000_000
	best := 0.0
	for range reps {
		sec := runThreads(threads, func(int) { fmaLoop(iters) })
		best = max(best, float64(threads)*iters*fmaFlopsPerIter()/sec/1e9)
	}
	return best
}

// runThreads calls f(0 … threads-1) on as many goroutines, started together,
// and returns the wall time in seconds from the start to the last return.
func runThreads(threads int, f func(t int)) float64 {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(threads)
	done.Add(threads)
	for t := range threads {
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			f(t)
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	return time.Since(t0).Seconds()
}
