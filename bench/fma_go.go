package bench

// fmaGoFlops is the flops per iteration of fmaGo.
const fmaGoFlops = 8 * 2

// fmaGo is the portable FMA loop: eight independent multiply-add chains in
// plain Go (the compiler may or may not fuse them), for CPUs and builds
// without the assembly.
func fmaGo(iters int) float32 {
	var a0, a1, a2, a3, a4, a5, a6, a7 float32
	b, c := float32(0.999), float32(1e-3)
	for range iters {
		a0 = a0*b + c
		a1 = a1*b + c
		a2 = a2*b + c
		a3 = a3*b + c
		a4 = a4*b + c
		a5 = a5*b + c
		a6 = a6*b + c
		a7 = a7*b + c
	}
	return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7
}
