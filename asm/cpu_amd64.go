//go:build !noasm

package asm

import (
	"github.com/klauspost/cpuid/v2"
	"github.com/narallm/nara/quant"
)

// x86-64 flavours. The assembly lives in dot_amd64.s (float dot products),
// q_avx2_amd64.s and q_avx512_amd64.s (block dot products), hand-written
// with the macros of macros_amd64.h and the tables of consts_amd64.s. Every
// kernel there trusts its lengths, so the Go wrappers below check them once
// per call (a row) and panic like a slice index would; the loops stay free
// of checks.
//
// Integer block sums are exact for every input byte, not only for the
// blocks the quantizers write: the AVX2 code never lets VPMADDUBSW saturate
// (one operand is a small unsigned level, or |y| ≤ 128 times a value in
// [-127, 127]), and the VNNI code turns signed bytes into unsigned ones by
// adding 128 and subtracts 128·Σ of the other operand afterwards. The
// K-quant kernels then repeat the generic twin's float32 operations in its
// order, so their results are bit-identical to quant's; the 32-element
// kernels FMA each block into vector lanes, as ggml does, and differ from
// the twin only in the order of the float additions.
//
// Activation blocks must be well-formed, as quant.Quantize writes them: the
// K-quant kernels take Q8_K's bsums to be the sums of its quants (they
// apply offsets and mins through them).

var (
	hasAVX2 = cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3, cpuid.F16C)
	// hasAVX512 covers the float kernels and the byte/word instructions
	// (BW) on 256- and 512-bit registers (VL).
	hasAVX512 = hasAVX2 && cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VL)
	// hasVNNI adds VPDPBUSD/VPDPWSSD; without it the AVX-512 flavour uses
	// the AVX2 block kernels.
	hasVNNI = hasAVX512 && cpuid.CPU.Supports(cpuid.AVX512VNNI)
)

var _ = hasAVX2 && register(AVX2, avx2Kernels())

var _ = hasAVX512 && register(AVX512, avx512Kernels())

func avx2Kernels() *Kernels {
	k := &Kernels{
		VecDot: map[quant.Type]func(int, []byte, []byte) float32{
			quant.Q4_0:   legacyDot(quant.Q4_0, nil, dotQ4_0AVX2),
			quant.Q4_1:   legacyDot(quant.Q4_1, nil, dotQ4_1AVX2),
			quant.Q5_0:   legacyDot(quant.Q5_0, nil, dotQ5_0AVX2),
			quant.Q5_1:   legacyDot(quant.Q5_1, nil, dotQ5_1AVX2),
			quant.Q8_0:   legacyDot(quant.Q8_0, nil, dotQ8_0AVX2),
			quant.IQ4_NL: legacyDot(quant.IQ4_NL, nil, dotIQ4_NLAVX2),
			quant.Q2_K:   superDot(quant.Q2_K, dotQ2_KAVX2),
			quant.Q3_K:   superDot(quant.Q3_K, dotQ3_KAVX2),
			quant.Q4_K:   superDot(quant.Q4_K, dotQ4_KAVX2),
			quant.Q5_K:   superDot(quant.Q5_K, dotQ5_KAVX2),
			quant.Q6_K:   superDot(quant.Q6_K, dotQ6_KAVX2),
			quant.IQ4_XS: superDot(quant.IQ4_XS, dotIQ4_XSAVX2),
		},
		Dot:     func(x, y []float32) float32 { return dotAVX2(x, y[:len(x)]) },
		DotF16:  func(w []byte, x []float32) float32 { return dotF16AVX2(w[:2*len(x)], x) },
		DotBF16: func(w []byte, x []float32) float32 { return dotBF16AVX2(w[:2*len(x)], x) },
		Gemm:    map[quant.Type]GemmKernel{},
	}
	addFloatGemms(k, AVX2)  // gemm_float_amd64.go
	addLegacyGemms(k, AVX2) // gemm_legacy_amd64.go
	addKQuantGemms(k, AVX2) // gemm_k_amd64.go
	return k
}

func avx512Kernels() *Kernels {
	k := avx2Kernels()
	k.Dot = func(x, y []float32) float32 { return dotAVX512(x, y[:len(x)]) }
	k.DotF16 = func(w []byte, x []float32) float32 { return dotF16AVX512(w[:2*len(x)], x) }
	k.DotBF16 = func(w []byte, x []float32) float32 { return dotBF16AVX512(w[:2*len(x)], x) }
	addFloatGemms(k, AVX512)
	if !hasVNNI {
		return k
	}
	addLegacyGemms(k, AVX512)
	addKQuantGemms(k, AVX512)
	addPackedGemms(k, AVX512) // packed_amd64.go
	for _, p := range []struct {
		t           quant.Type
		quads, rest legacyKernel
	}{
		{quant.Q4_0, dotQ4_0VNNI, dotQ4_0AVX2},
		{quant.Q4_1, dotQ4_1VNNI, dotQ4_1AVX2},
		{quant.Q5_0, dotQ5_0VNNI, dotQ5_0AVX2},
		{quant.Q5_1, dotQ5_1VNNI, dotQ5_1AVX2},
		{quant.Q8_0, dotQ8_0VNNI, dotQ8_0AVX2},
		{quant.IQ4_NL, dotIQ4_NLVNNI, dotIQ4_NLAVX2},
	} {
		k.VecDot[p.t] = legacyDot(p.t, p.quads, p.rest)
	}
	for t, f := range map[quant.Type]superKernel{
		quant.Q2_K:   dotQ2_KVNNI,
		quant.Q3_K:   dotQ3_KVNNI,
		quant.Q4_K:   dotQ4_KVNNI,
		quant.Q5_K:   dotQ5_KVNNI,
		quant.Q6_K:   dotQ6_KVNNI,
		quant.IQ4_XS: dotIQ4_XSVNNI,
	} {
		k.VecDot[t] = superDot(t, f)
	}
	return k
}

// A legacyKernel adds the dot product of nb 32-element blocks at w and x to
// sum, block after block; a superKernel returns that of nb super-blocks.
type (
	legacyKernel func(w, x *byte, nb int, sum float32) float32
	superKernel  func(w, x *byte, nb int) float32
)

// blockSizes returns the bytes of one block of weight type t and of its
// activation block, and the elements of a block.
func blockSizes(t quant.Type) (wBytes, xBytes, size int) {
	tr, _ := t.Traits()
	xt, _ := tr.VecDotType.Traits()
	return tr.BlockBytes, xt.BlockBytes, tr.BlockSize
}

// superDot wraps a super-block kernel into the VecDot signature, checking
// that both slices hold the blocks the kernel will read.
func superDot(t quant.Type, kernel superKernel) func(n int, w, x []byte) float32 {
	wBytes, xBytes, size := blockSizes(t)
	return func(n int, w, x []byte) float32 {
		nb := n / size
		if nb <= 0 {
			return 0
		}
		_, _ = w[nb*wBytes-1], x[nb*xBytes-1]
		return kernel(&w[0], &x[0], nb)
	}
}

// legacyDot wraps legacy-block kernels: quads (if not nil) takes the blocks
// four at a time and rest the remaining ones, continuing the same running
// sum so that the order of additions is the generic twin's.
func legacyDot(t quant.Type, quads, rest legacyKernel) func(n int, w, x []byte) float32 {
	wBytes, xBytes, size := blockSizes(t)
	return func(n int, w, x []byte) float32 {
		nb := n / size
		if nb <= 0 {
			return 0
		}
		_, _ = w[nb*wBytes-1], x[nb*xBytes-1]
		var sum float32
		done := 0
		if quads != nil {
			done = nb &^ 3
		}
		if done > 0 {
			sum = quads(&w[0], &x[0], done, 0)
		}
		if done < nb {
			sum = rest(&w[done*wBytes], &x[done*xBytes], nb-done, sum)
		}
		return sum
	}
}

// Float dot products: Σ x[i]·y[i] (or w[i]·x[i] with w decoded from half
// or bfloat16) over len(x) elements; y and w are at least as long.

//go:noescape
func dotAVX2(x, y []float32) float32

//go:noescape
func dotF16AVX2(w []byte, x []float32) float32

//go:noescape
func dotBF16AVX2(w []byte, x []float32) float32

//go:noescape
func dotAVX512(x, y []float32) float32

//go:noescape
func dotF16AVX512(w []byte, x []float32) float32

//go:noescape
func dotBF16AVX512(w []byte, x []float32) float32

// Block dot products over nb ≥ 1 blocks of weights at w and activation
// blocks (Q8_0, Q8_1 or Q8_K) at x, bit-identical to quant's twins. The
// legacy (32-element) kernels add to sum; the VNNI ones need nb to be a
// multiple of 4.

//go:noescape
func dotQ4_0AVX2(w, x *byte, nb int, sum float32) float32

//go:noescape
func dotQ4_1AVX2(w, x *byte, nb int, sum float32) float32

//go:noescape
func dotQ5_0AVX2(w, x *byte, nb int, sum float32) float32

//go:noescape
func dotQ5_1AVX2(w, x *byte, nb int, sum float32) float32

//go:noescape
func dotQ8_0AVX2(w, x *byte, nb int, sum float32) float32

//go:noescape
func dotIQ4_NLAVX2(w, x *byte, nb int, sum float32) float32

//go:noescape
func dotQ4_0VNNI(w, x *byte, nb int, sum float32) float32

//go:noescape
func dotQ4_1VNNI(w, x *byte, nb int, sum float32) float32

//go:noescape
func dotQ5_0VNNI(w, x *byte, nb int, sum float32) float32

//go:noescape
func dotQ5_1VNNI(w, x *byte, nb int, sum float32) float32

//go:noescape
func dotQ8_0VNNI(w, x *byte, nb int, sum float32) float32

//go:noescape
func dotIQ4_NLVNNI(w, x *byte, nb int, sum float32) float32

//go:noescape
func dotQ2_KAVX2(w, x *byte, nb int) float32

//go:noescape
func dotQ3_KAVX2(w, x *byte, nb int) float32

//go:noescape
func dotQ4_KAVX2(w, x *byte, nb int) float32

//go:noescape
func dotQ5_KAVX2(w, x *byte, nb int) float32

//go:noescape
func dotQ6_KAVX2(w, x *byte, nb int) float32

//go:noescape
func dotIQ4_XSAVX2(w, x *byte, nb int) float32

//go:noescape
func dotQ2_KVNNI(w, x *byte, nb int) float32

//go:noescape
func dotQ3_KVNNI(w, x *byte, nb int) float32

//go:noescape
func dotQ4_KVNNI(w, x *byte, nb int) float32

//go:noescape
func dotQ5_KVNNI(w, x *byte, nb int) float32

//go:noescape
func dotQ6_KVNNI(w, x *byte, nb int) float32

//go:noescape
func dotIQ4_XSVNNI(w, x *byte, nb int) float32
