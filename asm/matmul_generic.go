package asm

import (
	"encoding/binary"
	"math"
	"sync"
	"unsafe"

	"github.com/narallm/nara/quant"
)

func toF32Generic(dst []float32, src []byte, t quant.Type) {
	switch t {
	case quant.F32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
	case quant.F16:
		tab := f16Table()
		for i := range dst {
			dst[i] = tab[binary.LittleEndian.Uint16(src[2*i:])]
		}
	case quant.BF16:
		for i := range dst {
			dst[i] = quant.BF16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
		}
	default:
		if err := quant.Dequantize(t, dst, src); err != nil {
			panic("asm.ToF32: " + err.Error())
		}
	}
}

// littleEndian is true on hosts whose float32 memory layout is the files'.
var littleEndian = func() bool { x := uint16(1); return *(*byte)(unsafe.Pointer(&x)) == 1 }()

// f32View reinterprets b as float32s without copying, or returns nil when the
// host byte order or b's alignment does not allow it.
func f32View(b []byte) []float32 {
	if !littleEndian || len(b) < 4 || uintptr(unsafe.Pointer(&b[0]))%4 != 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// f16Table maps every half-precision bit pattern to its float32 value: one
// load instead of the bit manipulation, as ggml does (256 KiB, built once).
var f16Table = sync.OnceValue(func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for h := range t {
		t[h] = quant.F16ToF32(uint16(h))
	}
	return &t
})
