package runtime

import (
	"math"

	"github.com/narallm/nara/asm"
	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/quant"
)

// rope holds what rotary embedding needs for one kind of layer: one inverse
// frequency per rotated pair, and the factor YaRN applies to cos and sin.
type rope struct {
	invFreq  []float32 // θ_i = base^(-2i/dim), after frequency scaling
	mscale   float32   // multiplies cos and sin (YaRN attention factor), else 1
	adjacent bool      // rotate pairs (2i, 2i+1) rather than (i, i+dim/2)
}

// newRope computes the inverse frequencies of r the way Hugging Face
// transformers does (float32 exponent, then the scaling rule), so that the
// angles match the reference to the last bit or two. ctx is the model's
// context length, YaRN's fallback for its original context. With bf16, the
// inverse frequencies are rounded to bfloat16 (see New).
func newRope(r loader.Rope, adjacent bool, ctx int, bf16 bool) *rope {
	half := r.Dim / 2
	base := make([]float64, half)
	for i := range base {
		exp := float32(2*i) / float32(r.Dim)
		base[i] = 1 / float64(float32(math.Pow(r.Theta, float64(exp))))
	}
	inv := make([]float64, half)
	copy(inv, base)
	mscale := 1.0

	switch r.Scaling {
	case "linear":
		for i := range inv {
			inv[i] /= r.Factor
		}
	case "llama3":
		// Long wavelengths are slowed down by Factor, short ones kept, and the
		// band between blended smoothly (Llama 3.1's rule).
		orig := float64(r.OrigContext)
		lowWavelen, highWavelen := orig/r.LowFreqFactor, orig/r.HighFreqFactor
		for i, f := range base {
			wavelen := 2 * math.Pi / f
			switch {
			case wavelen < highWavelen:
				inv[i] = f
			case wavelen > lowWavelen:
				inv[i] = f / r.Factor
			default:
				smooth := (orig/wavelen - r.LowFreqFactor) / (r.HighFreqFactor - r.LowFreqFactor)
				inv[i] = (1-smooth)*f/r.Factor + smooth*f
			}
		}
	case "yarn":
		// Interpolate the low frequencies, extrapolate the high ones, with a
		// linear ramp between two correction dimensions; scale the angles'
		// cos/sin by the attention factor.
		orig := float64(r.OrigContext)
		if orig == 0 {
			orig = float64(ctx)
		}
		dim := float64(r.Dim)
		corr := func(rotations float64) float64 {
			return dim * math.Log(orig/(rotations*2*math.Pi)) / (2 * math.Log(r.Theta))
		}
		low := max(math.Floor(corr(r.BetaFast)), 0)
		high := min(math.Ceil(corr(r.BetaSlow)), dim-1)
		if low == high {
			high += 0.001
		}
		for i, f := range base {
			ramp := min(max((float64(i)-low)/(high-low), 0), 1)
			extrapolate := 1 - ramp
			inv[i] = f/r.Factor*(1-extrapolate) + f*extrapolate
		}
		mscale = r.AttnFactor
		if mscale == 0 {
			mscale = 1
			if r.Factor > 1 {
				mscale = 0.1*math.Log(r.Factor) + 1
			}
		}
	}
	// GGUF rope_freqs: per-frequency divisors that carry the same scaling.
	for i := range inv {
		if i < len(r.FreqFactors) {
			inv[i] /= float64(r.FreqFactors[i])
		}
	}
	out := &rope{invFreq: make([]float32, half), mscale: float32(mscale), adjacent: adjacent}
	for i, f := range inv {
		out.invFreq[i] = float32(f)
		if bf16 {
			out.invFreq[i] = quant.BF16ToF32(quant.F32ToBF16(out.invFreq[i]))
		}
	}
	return out
}

// angles fills cos and sin for position pos: the angle of pair i is
// pos·θ_i, computed in float32 as the reference does.
func (r *rope) angles(cos, sin []float32, pos int) {
	for i, f := range r.invFreq {
		a := float64(float32(pos) * f)
		cos[i] = float32(math.Cos(a)) * r.mscale
		sin[i] = float32(math.Sin(a)) * r.mscale
	}
}

// positions returns r with the angles of positions pos … pos+T-1, in
// *cosBuf and *sinBuf (grown as needed): computed once per Forward call
// rather than once per layer.
func (r *rope) positions(cosBuf, sinBuf *[]float32, pos, T int) ropeAngles {
	n := len(r.invFreq)
	a := ropeAngles{r: r, cos: grow(cosBuf, T*n), sin: grow(sinBuf, T*n)}
	for t := range T {
		r.angles(a.cos[t*n:(t+1)*n], a.sin[t*n:(t+1)*n], pos+t)
	}
	return a
}

// ropeAngles is one rope with its angle table for a Forward call's
// positions.
type ropeAngles struct {
	r        *rope
	cos, sin []float32 // [T, pairs]
}

// apply rotates every head of q and k, [T, heads·hd] each, by the angles of
// its row's position; prompts share the rows among the kernel threads.
func (a ropeAngles) apply(q, k []float32, hd int) {
	n := len(a.r.invFreq)
	T := len(a.cos) / n
	if len(q)+len(k) < parallelElems {
		a.rows(q, k, hd, 0, T)
		return
	}
	asm.Parallel(T, func(lo, hi int) { a.rows(q, k, hd, lo, hi) })
}

func (a ropeAngles) rows(q, k []float32, hd, lo, hi int) {
	n := len(a.r.invFreq)
	T := len(a.cos) / n
	qDim, kvDim := len(q)/T, len(k)/T
	for t := lo; t < hi; t++ {
		cos, sin := a.cos[t*n:(t+1)*n], a.sin[t*n:(t+1)*n]
		for h := t * qDim; h < (t+1)*qDim; h += hd {
			asm.Rope(q[h:h+hd], cos, sin, a.r.adjacent)
		}
		for h := t * kvDim; h < (t+1)*kvDim; h += hd {
			asm.Rope(k[h:h+hd], cos, sin, a.r.adjacent)
		}
	}
}
