//go:build !noasm && (amd64 || arm64)

package asm

// Go sides of the assembly attention kernels: each checks its slice lengths
// once (assembly would read past a short slice where Go panics) and hands
// the kernel raw pointers.

// expSubVec wraps a vector exp that takes whole vectors of width lanes; the
// last len(x) mod width elements go through a padded copy, and only the
// real lanes are summed.
func expSubVec(width int, kernel func(dst, x *float32, n int, m float32) float32) func(dst, x []float32, m float32) float32 {
	return func(dst, x []float32, m float32) float32 {
		dst = dst[:len(x)]
		body := len(x) - len(x)%width
		var sum float32
		if body > 0 {
			sum = kernel(&dst[0], &x[0], body, m)
		}
		if body < len(x) {
			var buf [16]float32
			rest := copy(buf[:width], x[body:])
			kernel(&buf[0], &buf[0], width, m)
			for i, e := range buf[:rest] {
				dst[body+i] = e
				sum += e
			}
		}
		return sum
	}
}

func axpyVec(kernel func(dst, x *float32, n int, a float32)) func(dst, x []float32, a float32) {
	return func(dst, x []float32, a float32) {
		if len(dst) == 0 {
			return
		}
		x = x[:len(dst)]
		kernel(&dst[0], &x[0], len(dst), a)
	}
}

func axpyF16Vec(kernel func(dst *float32, x *uint16, n int, a float32)) func(dst []float32, x []uint16, a float32) {
	return func(dst []float32, x []uint16, a float32) {
		if len(dst) == 0 {
			return
		}
		x = x[:len(dst)]
		kernel(&dst[0], &x[0], len(dst), a)
	}
}
