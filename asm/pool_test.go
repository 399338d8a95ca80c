package asm

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/narallm/nara/quant"
)

// TestParallelCoversOnce checks that Parallel visits every index exactly
// once, for several thread counts and loop sizes, including nested loops.
func TestParallelCoversOnce(t *testing.T) {
	defer SetThreads(0)
	for _, threads := range []int{1, 2, 3, 8} {
		SetThreads(threads)
		if got := Threads(); got != threads {
			t.Fatalf("Threads() = %d after SetThreads(%d)", got, threads)
		}
		for _, n := range []int{0, 1, 2, 7, 100, 4096} {
			seen := make([]atomic.Int32, n)
			Parallel(n, func(lo, hi int) {
				if lo < 0 || hi > n || lo >= hi {
					t.Errorf("threads %d, n %d: bad range [%d, %d)", threads, n, lo, hi)
					return
				}
				for i := lo; i < hi; i++ {
					seen[i].Add(1)
					// A nested loop runs on its caller.
					var inner atomic.Int32
					Parallel(3, func(lo, hi int) { inner.Add(int32(hi - lo)) })
					if inner.Load() != 3 {
						t.Errorf("nested loop covered %d of 3", inner.Load())
					}
				}
			})
			for i := range seen {
				if c := seen[i].Load(); c != 1 {
					t.Fatalf("threads %d, n %d: index %d visited %d times", threads, n, i, c)
				}
			}
		}
	}
	SetThreads(0)
	if got := Threads(); got != runtime.GOMAXPROCS(0) {
		t.Errorf("Threads() = %d after SetThreads(0), want GOMAXPROCS %d", got, runtime.GOMAXPROCS(0))
	}
}

// TestMatMulConcurrent runs matrix products big enough for the pool from
// several goroutines at once (one gets the pool, the others run alone) and
// checks each against a product computed row by row with the generic dot.
func TestMatMulConcurrent(t *testing.T) {
	const rows, cols, n = 512, 256, 3
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, n*cols)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	wf := make([]float32, rows*cols)
	for i := range wf {
		wf[i] = float32(r.NormFloat64())
	}
	w := make([]byte, rows*cols*4)
	if err := quant.Quantize(quant.F32, w, wf); err != nil {
		t.Fatal(err)
	}
	want := make([]float32, n*rows)
	for i := range n {
		for row := range rows {
			want[i*rows+row] = dotGeneric(wf[row*cols:(row+1)*cols], x[i*cols:(i+1)*cols])
		}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			dst := make([]float32, n*rows)
			for range 5 {
				MatMul(dst, x, w, quant.F32, rows, cols, n)
				for i := range dst {
					if d := dst[i] - want[i]; d > 1e-3 || d < -1e-3 {
						t.Errorf("dst[%d] = %g, want %g", i, dst[i], want[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestMatMulAllocs checks that a decode-sized product on the pool allocates
// nothing once its task (with the quantization buffer) has been recycled.
func TestMatMulAllocs(t *testing.T) {
	const rows, cols = 1024, 1024
	x := make([]float32, cols)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	dst := make([]float32, rows)
	for _, wt := range []quant.Type{quant.Q8_0, quant.Q4_K, quant.F16} {
		rb, err := RowBytes(wt, cols)
		if err != nil {
			t.Fatal(err)
		}
		w := make([]byte, rows*rb)
		MatMul(dst, x, w, wt, rows, cols, 1)
		got := testing.AllocsPerRun(50, func() { MatMul(dst, x, w, wt, rows, cols, 1) })
		t.Logf("%s: %.2f allocations per MatMul (%d threads)", wt, got, Threads())
		// sync.Pool may drop the recycled task at a garbage collection:
		// at most one reallocation in the run.
		if got > 0.1 {
			t.Errorf("%s: MatMul allocates %.2f times per call, want 0", wt, got)
		}
	}
}

func BenchmarkParallelOverhead(b *testing.B) {
	var sink atomic.Int64
	for b.Loop() {
		parallelFor(64, 1<<16, funcTask(func(lo, hi int) { sink.Add(int64(hi - lo)) }))
	}
}

// TestSpin: spin returns as soon as done holds, polls spinWait times
// before giving up, and polls once while the machine is marked busy.
func TestSpin(t *testing.T) {
	defer contendedUntil.Store(contendedUntil.Load())
	contendedUntil.Store(0)
	calls := 0
	if !spin(func() bool { calls++; return calls == 3 }) || calls != 3 {
		t.Fatalf("spin stopped after %d polls, want 3 and true", calls)
	}
	calls = 0
	if spin(func() bool { calls++; return false }) {
		t.Fatal("spin reported done")
	}
	if calls != spinWait && contendedUntil.Load() == 0 {
		t.Fatalf("spin polled %d times, want spinWait = %d", calls, spinWait)
	}
	contendedUntil.Store(clock() + int64(time.Hour))
	calls = 0
	if spin(func() bool { calls++; return false }) || calls != 1 {
		t.Fatalf("while contended: %d polls, want 1", calls)
	}
}
