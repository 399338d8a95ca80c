//go:build !noasm

package asm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// guarded returns a slice of n bytes that ends exactly where an unreadable
// page begins, so that a kernel reading one byte too far faults.
func guarded(t *testing.T, n int) []byte {
	page := unix.Getpagesize()
	size := (n+page-1)/page*page + page
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	if err := unix.Mprotect(mem[size-page:], unix.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	return mem[size-page-n : size-page : size-page]
}

// No kernel reads past the blocks or elements it is given: every input
// ends at an unreadable page (the VNNI kernels' 64-byte loads, the masked
// AVX-512 tails and the AVX2 scalar tails included).
func TestKernelsStayInBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	generic := flavours[Generic]
	for _, level := range asmFlavours() {
		k := flavours[level]
		for wt, kernel := range k.VecDot {
			tr, _ := wt.Traits()
			xt, _ := tr.VecDotType.Traits()
			for nb := 1; nb <= 9; nb++ {
				n := nb * tr.BlockSize
				w := guarded(t, nb*tr.BlockBytes)
				x := guarded(t, nb*xt.BlockBytes)
				copy(w, quantized(wt, randomFloats(r, n, "normal")))
				copy(x, quantized(tr.VecDotType, randomFloats(r, n, "normal")))
				if g, e := kernel(n, w, x), generic.VecDot[wt](n, w, x); !agrees(wt, n, w, x, g, e) {
					t.Errorf("%s %s nb=%d: %v, generic %v", level, wt, nb, g, e)
				}
			}
		}
		for n := range 140 {
			x := unsafeFloats(guarded(t, 4*n))
			y := unsafeFloats(guarded(t, 4*n))
			w16, wb16 := guarded(t, 2*n), guarded(t, 2*n)
			for i := range x {
				x[i], y[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
			}
			h16, hb16 := halves(y, 0)
			copy(w16, h16)
			copy(wb16, hb16)
			checkFloatDots(t, level, x, y, w16, wb16, "guarded")
		}
	}
}

// unsafeFloats views b (4-byte aligned: it ends on a page boundary and its
// length is a multiple of 4) as float32s.
func unsafeFloats(b []byte) []float32 {
	if len(b) == 0 {
		return nil
	}
	v := f32View(b)
	if v == nil {
		panic("unaligned")
	}
	return v
}

// threadCPU returns the CPU time the calling OS thread has used.
func threadCPU(b *testing.B) float64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		b.Fatal(err)
	}
	return float64(ts.Sec) + 1e-9*float64(ts.Nsec)
}

// benchCPU runs f in the benchmark loop on a locked thread and reports, next
// to the wall-clock MB/s, the bytes per second of the thread's own CPU time:
// on a machine shared with other work that figure does not count the time
// the thread spent waiting for a core.
func benchCPU(b *testing.B, bytes int64, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.SetBytes(bytes)
	t0 := threadCPU(b)
	for b.Loop() {
		f()
	}
	if cpu := threadCPU(b) - t0; cpu > 0 {
		b.ReportMetric(float64(bytes)*float64(b.N)/cpu/1e9, "cpuGB/s")
	}
}

// BenchmarkVecDotCPU is BenchmarkVecDot (4096-element rows, weights and
// activations in L1) with the CPU-time throughput reported as well.
func BenchmarkVecDotCPU(b *testing.B) {
	vecDotCases(b, func(b *testing.B, n int, w, x []byte, f func(int, []byte, []byte) float32) {
		benchCPU(b, int64(len(w)), func() { f(n, w, x) })
	})
	r := rand.New(rand.NewPCG(7, 8))
	const n = 4096
	for _, level := range Available() {
		k := flavours[level]
		x, y := randomFloats(r, n, "normal"), randomFloats(r, n, "normal")
		w16, wb16 := halves(y, 0)
		b.Run(fmt.Sprintf("%s/F32", level), func(b *testing.B) { benchCPU(b, 4*n, func() { k.Dot(x, y) }) })
		b.Run(fmt.Sprintf("%s/F16", level), func(b *testing.B) { benchCPU(b, 2*n, func() { k.DotF16(w16, x) }) })
		b.Run(fmt.Sprintf("%s/BF16", level), func(b *testing.B) { benchCPU(b, 2*n, func() { k.DotBF16(wb16, x) }) })
	}
}

// BenchmarkMemoryReadCPU is BenchmarkMemoryRead with the CPU-time figure.
func BenchmarkMemoryReadCPU(b *testing.B) {
	buf := make([]float32, 64<<20)
	for i := range buf {
		buf[i] = 1
	}
	k := flavours[Available()[0]]
	benchCPU(b, int64(4*len(buf)), func() { k.Dot(buf, buf) })
}
