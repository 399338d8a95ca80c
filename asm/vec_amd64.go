//go:build !noasm

package asm

// x86-64 elementwise kernels (vec_amd64.s). The flavours are built in
// cpu_amd64.go; init adds these to them and re-selects the active flavour,
// whichever init runs first. The assembly takes whole vectors; the wrappers
// below check lengths once and run the last few elements in Go.
func init() {
	if k := flavours[AVX2]; k != nil {
		k.RMSNorm = rmsNormVec(8, scaleMulAVX2)
		k.SiLUMul = siluMulVec(8, siluMulAVX2)
		k.Add = addVec(8, addAVX2)
		k.ToF16 = toF16Vec(8, toF16AVX2)
		vecExps[AVX2] = expVec(8, expAVX2)
	}
	if k := flavours[AVX512]; k != nil {
		k.RMSNorm = rmsNormVec(16, scaleMulAVX512)
		k.SiLUMul = siluMulVec(8, siluMulAVX512)
		k.Add = addVec(16, addAVX512)
		k.ToF16 = toF16Vec(16, toF16AVX512)
		vecExps[AVX512] = expVec(8, expAVX512)
	}
	if active != nil {
		Use(activeLevel)
	}
}

// expVec wraps a vector exp of whole vectors of width lanes: dst[i] = e^x[i]
// for i < len(x), the last elements through a padded copy.
func expVec(width int, kernel func(dst, x *float32, n int)) func(dst, x []float32) {
	return func(dst, x []float32) {
		dst = dst[:len(x)]
		body := len(x) - len(x)%width
		if body > 0 {
			kernel(&dst[0], &x[0], body)
		}
		if body < len(x) {
			var buf [16]float32
			rest := copy(buf[:width], x[body:])
			kernel(&buf[0], &buf[0], width)
			copy(dst[body:], buf[:rest])
		}
	}
}

// rmsNormVec sums the squares in the twin's four lanes (sumSquares4, then
// the tail and the lanes added as dotGeneric does) and scales in vectors of
// width: the result is bit-identical to rmsNormGo.
func rmsNormVec(width int, scaleMul func(dst, x, w *float32, n int, s float32)) func(dst, x, w []float32, eps float32) {
	return func(dst, x, w []float32, eps float32) {
		n := len(x)
		dst, w = dst[:n], w[:n]
		var s [4]float32
		four := n - n%4
		if four > 0 {
			sumSquares4(&x[0], four, &s)
		}
		for _, v := range x[four:] {
			s[0] += v * v
		}
		inv := rmsScale((s[0]+s[1])+(s[2]+s[3]), n, eps)
		body := n - n%width
		if body > 0 {
			scaleMul(&dst[0], &x[0], &w[0], body, inv)
		}
		for i := body; i < n; i++ {
			dst[i] = w[i] * (x[i] * inv)
		}
	}
}

func siluMulVec(width int, kernel func(dst, gate, up *float32, n int)) func(dst, gate, up []float32) {
	return func(dst, gate, up []float32) {
		n := len(dst)
		gate, up = gate[:n], up[:n]
		body := n - n%width
		if body > 0 {
			kernel(&dst[0], &gate[0], &up[0], body)
		}
		siluMulGo(dst[body:], gate[body:], up[body:])
	}
}

func addVec(width int, kernel func(dst, x *float32, n int)) func(dst, x []float32) {
	return func(dst, x []float32) {
		n := len(dst)
		x = x[:n]
		body := n - n%width
		if body > 0 {
			kernel(&dst[0], &x[0], body)
		}
		addGo(dst[body:], x[body:])
	}
}

func toF16Vec(width int, kernel func(dst *uint16, x *float32, n int)) func(dst []uint16, x []float32) {
	return func(dst []uint16, x []float32) {
		n := len(x)
		dst = dst[:n]
		body := n - n%width
		if body > 0 {
			kernel(&dst[0], &x[0], body)
		}
		toF16Go(dst[body:], x[body:])
	}
}

//go:noescape
func toF16AVX2(dst *uint16, x *float32, n int)

//go:noescape
func toF16AVX512(dst *uint16, x *float32, n int)

//go:noescape
func expAVX2(dst, x *float32, n int)

//go:noescape
func expAVX512(dst, x *float32, n int)

//go:noescape
func siluMulAVX2(dst, gate, up *float32, n int)

//go:noescape
func siluMulAVX512(dst, gate, up *float32, n int)

//go:noescape
func sumSquares4(x *float32, n int, lanes *[4]float32)

//go:noescape
func scaleMulAVX2(dst, x, w *float32, n int, s float32)

//go:noescape
func scaleMulAVX512(dst, x, w *float32, n int, s float32)

//go:noescape
func addAVX2(dst, x *float32, n int)

//go:noescape
func addAVX512(dst, x *float32, n int)
