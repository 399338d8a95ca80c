package runtime

import (
	"math"
	"testing"

	"github.com/narallm/nara/loader"
)

// TestRopeScaling checks each frequency rule on a 4-dimensional head
// (base frequencies 1 and 1/100 at θ = 10000), against values worked out by
// hand from the published formulas.
func TestRopeScaling(t *testing.T) {
	cases := []struct {
		name   string
		r      loader.Rope
		want   []float64
		mscale float64
	}{
		{"none", loader.Rope{Theta: 10000, Dim: 4}, []float64{1, 0.01}, 1},
		{"linear ×2", loader.Rope{Theta: 10000, Dim: 4, Scaling: "linear", Factor: 2}, []float64{0.5, 0.005}, 1},
		// llama3, original context 1000, factors 1 and 4: wavelength 2π is
		// short (kept); 200π lies between 250 and 1000, so it is blended with
		// s = (1000/(200π) − 1)/3 = 0.19718314: (1−s)·0.01/8 + s·0.01.
		{"llama3", loader.Rope{Theta: 10000, Dim: 4, Scaling: "llama3", Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OrigContext: 1000},
			[]float64{1, 0.0029753525}, 1},
		// YaRN, factor 4, original context 64, betas 32/1: the correction
		// range is [floor(−0.2486), ceil(0.5040)] = [0, 1], so pair 0 keeps its
		// frequency and pair 1 is interpolated (÷4); mscale = 0.1·ln 4 + 1.
		{"yarn", loader.Rope{Theta: 10000, Dim: 4, Scaling: "yarn", Factor: 4, OrigContext: 64, BetaFast: 32, BetaSlow: 1},
			[]float64{1, 0.0025}, 1.1386294361},
		{"yarn, explicit attention factor", loader.Rope{Theta: 10000, Dim: 4, Scaling: "yarn", Factor: 4, OrigContext: 64, BetaFast: 32, BetaSlow: 1, AttnFactor: 0.5},
			[]float64{1, 0.0025}, 0.5},
		{"rope_freqs divisors", loader.Rope{Theta: 10000, Dim: 4, FreqFactors: []float32{1, 4}}, []float64{1, 0.0025}, 1},
	}
	for _, c := range cases {
		r := newRope(c.r, false, 512, false)
		for i, want := range c.want {
			if got := float64(r.invFreq[i]); math.Abs(got-want) > 1e-6*want {
				t.Errorf("%s: θ_%d = %v, want %v", c.name, i, got, want)
			}
		}
		if math.Abs(float64(r.mscale)-c.mscale) > 1e-6 {
			t.Errorf("%s: mscale %v, want %v", c.name, r.mscale, c.mscale)
		}
	}

	// Angles at position 3 with θ = (1, 0.01): cos 3, sin 3, cos 0.03, sin 0.03.
	r := newRope(loader.Rope{Theta: 10000, Dim: 4}, false, 512, false)
	cos, sin := make([]float32, 2), make([]float32, 2)
	r.angles(cos, sin, 3)
	for i, a := range []float64{3, 0.03} {
		if math.Abs(float64(cos[i])-math.Cos(a)) > 1e-6 || math.Abs(float64(sin[i])-math.Sin(a)) > 1e-6 {
			t.Errorf("angles at 3: pair %d cos %v sin %v, want %v %v", i, cos[i], sin[i], math.Cos(a), math.Sin(a))
		}
	}

	// bf16 rounding: 0.01 becomes 0.010009765625 (0x3c24).
	if got := newRope(loader.Rope{Theta: 10000, Dim: 4}, false, 512, true).invFreq[1]; got != 0.010009765625 {
		t.Errorf("bf16 θ_1 = %v, want 0.010009765625", got)
	}
}
