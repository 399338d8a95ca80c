//go:build !noasm

package bench

import "golang.org/x/sys/cpu"

// useAVX512 selects the 512-bit loop where the CPU has it. (Some CPUs run
// it at the same rate as 256-bit FMAs; the measurement tells.)
var useAVX512 = cpu.X86.HasAVX512F

// fmaAVX2 and fmaAVX512 run iters iterations of 12 independent vector FMAs.
//
//go:noescape
func fmaAVX2(iters int)

//go:noescape
func fmaAVX512(iters int)

func fmaLoop(iters int) {
	switch {
	case useAVX512:
		fmaAVX512(iters)
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		fmaAVX2(iters)
	default:
		fmaGo(iters)
	}
}

func fmaFlopsPerIter() float64 {
	switch {
	case useAVX512:
		return 12 * 16 * 2
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return 12 * 8 * 2
	}
	return fmaGoFlops
}

func fmaKind() string {
	switch {
	case useAVX512:
		return "avx512 VFMADD231PS zmm"
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return "avx2 VFMADD231PS ymm"
	}
	return "pure Go scalar"
}
