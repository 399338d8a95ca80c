package asm

import "math"

// attentionGeneric handles each (query, head) pair independently: one pass
// over the visible cache rows with a running maximum m, running normalizer l
// and running weighted sum acc, rescaled whenever m grows (online softmax).
// Pairs are shared out among goroutines.
func attentionGeneric[E float32 | uint16](out, q []float32, n int, keys, values []E, pos0 int, a Attn) {
	hd, group := a.HeadDim, a.Heads/a.KVHeads
	qStride, kvStride := a.Heads*hd, a.KVHeads*hd
	if len(q) < n*qStride || len(out) < n*qStride || len(keys) < (pos0+n)*kvStride || len(values) < (pos0+n)*kvStride {
		panic("asm.Attention: buffers shorter than the shape needs")
	}
	parallelRows(n*a.Heads, (pos0+n)*hd, func(lo, hi int) {
		acc := make([]float32, hd)
		kbuf, vbuf := make([]float32, hd), make([]float32, hd)
		for job := lo; job < hi; job++ {
			t, h := job/a.Heads, job%a.Heads
			pos := pos0 + t
			qh := q[t*qStride+h*hd : t*qStride+(h+1)*hd]
			kvOff := (h / group) * hd
			first := 0
			if a.Window > 0 {
				first = max(0, pos-a.Window+1)
			}
			clear(acc)
			m, l := float32(math.Inf(-1)), float32(0)
			for j := first; j <= pos; j++ {
				k := cacheRow(kbuf, keys[j*kvStride+kvOff:j*kvStride+kvOff+hd])
				s := dotGeneric(qh, k) * a.Scale
				if a.Softcap > 0 {
					s = a.Softcap * float32(math.Tanh(float64(s/a.Softcap)))
				}
				if s > m {
					// A new maximum: rescale what was summed under the old one.
					c := float32(math.Exp(float64(m - s)))
					l *= c
					scaleGeneric(acc, c)
					m = s
				}
				p := float32(math.Exp(float64(s - m)))
				l += p
				v := cacheRow(vbuf, values[j*kvStride+kvOff:j*kvStride+kvOff+hd])
				for i, vi := range v {
					acc[i] += p * vi
				}
			}
			o := out[t*qStride+h*hd : t*qStride+(h+1)*hd]
			for i := range o {
				o[i] = acc[i] / l
			}
		}
	})
}

// cacheRow returns one cache row as float32: the row itself for a float32
// cache, or buf filled from half precision.
func cacheRow[E float32 | uint16](buf []float32, row []E) []float32 {
	switch r := any(row).(type) {
	case []float32:
		return r
	case []uint16:
		tab := f16Table()
		for i, h := range r {
			buf[i] = tab[h]
		}
	}
	return buf
}
