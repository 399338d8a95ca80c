package bench

import (
	"math"
	"testing"
)

// TestMeasureSmall runs both measurements on small sizes: they must return
// positive, finite rates (the figures themselves depend on the machine).
func TestMeasureSmall(t *testing.T) {
	for _, threads := range []int{1, 2} {
		bw := ReadBandwidth(threads, 8<<20, 2)
		fl := FMAPeak(threads, 1)
		t.Logf("%d threads: read %.1f GB/s (8 MiB, in cache), FMA %.1f GFLOP/s (%s)", threads, bw, fl, fmaKind())
		for name, v := range map[string]float64{"read bandwidth": bw, "FMA peak": fl} {
			if !(v > 0) || math.IsInf(v, 0) {
				t.Errorf("%d threads: %s = %g", threads, name, v)
			}
		}
	}
}

// TestFMALoopZero checks that a zero or negative count returns at once.
func TestFMALoopZero(t *testing.T) {
	fmaLoop(0)
	fmaLoop(-1)
}

// TestFMAGo checks the portable loop's arithmetic by hand: one iteration
// gives 8 · c.
func TestFMAGo(t *testing.T) {
	if got := fmaGo(1); math.Abs(float64(got)-8e-3) > 1e-9 {
		t.Errorf("fmaGo(1) = %g, want 0.008", got)
	}
}
