//go:build !noasm

#include "textflag.h"

// Shuffle tables shared by the block kernels (q_avx2_amd64.s,
// q_avx512_amd64.s). Each is 32 bytes per entry so that one VPSHUFB with a
// 256-bit memory operand uses it; the AVX-512 kernels broadcast them.

// wordBcast entry k (k = 0…7) copies 16-bit word k of each 128-bit lane to
// every word of that lane: with a lane holding eight sub-block scales it
// gives scale k everywhere.
DATA ·wordBcast+0(SB)/8, $0x0100010001000100
DATA ·wordBcast+8(SB)/8, $0x0100010001000100
DATA ·wordBcast+16(SB)/8, $0x0100010001000100
DATA ·wordBcast+24(SB)/8, $0x0100010001000100
DATA ·wordBcast+32(SB)/8, $0x0302030203020302
DATA ·wordBcast+40(SB)/8, $0x0302030203020302
DATA ·wordBcast+48(SB)/8, $0x0302030203020302
DATA ·wordBcast+56(SB)/8, $0x0302030203020302
DATA ·wordBcast+64(SB)/8, $0x0504050405040504
DATA ·wordBcast+72(SB)/8, $0x0504050405040504
DATA ·wordBcast+80(SB)/8, $0x0504050405040504
DATA ·wordBcast+88(SB)/8, $0x0504050405040504
DATA ·wordBcast+96(SB)/8, $0x0706070607060706
DATA ·wordBcast+104(SB)/8, $0x0706070607060706
DATA ·wordBcast+112(SB)/8, $0x0706070607060706
DATA ·wordBcast+120(SB)/8, $0x0706070607060706
DATA ·wordBcast+128(SB)/8, $0x0908090809080908
DATA ·wordBcast+136(SB)/8, $0x0908090809080908
DATA ·wordBcast+144(SB)/8, $0x0908090809080908
DATA ·wordBcast+152(SB)/8, $0x0908090809080908
DATA ·wordBcast+160(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA ·wordBcast+168(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA ·wordBcast+176(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA ·wordBcast+184(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA ·wordBcast+192(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA ·wordBcast+200(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA ·wordBcast+208(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA ·wordBcast+216(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA ·wordBcast+224(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA ·wordBcast+232(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA ·wordBcast+240(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA ·wordBcast+248(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL ·wordBcast(SB), RODATA|NOPTR, $256

// pairBcast entry i (i = 0…3) copies word 2i of the low lane to every word
// of the low lane and word 2i+1 of the high lane to every word of the high
// lane: the scales of two consecutive 16-element sub-blocks.
DATA ·pairBcast+0(SB)/8, $0x0100010001000100
DATA ·pairBcast+8(SB)/8, $0x0100010001000100
DATA ·pairBcast+16(SB)/8, $0x0302030203020302
DATA ·pairBcast+24(SB)/8, $0x0302030203020302
DATA ·pairBcast+32(SB)/8, $0x0504050405040504
DATA ·pairBcast+40(SB)/8, $0x0504050405040504
DATA ·pairBcast+48(SB)/8, $0x0706070607060706
DATA ·pairBcast+56(SB)/8, $0x0706070607060706
DATA ·pairBcast+64(SB)/8, $0x0908090809080908
DATA ·pairBcast+72(SB)/8, $0x0908090809080908
DATA ·pairBcast+80(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA ·pairBcast+88(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA ·pairBcast+96(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA ·pairBcast+104(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA ·pairBcast+112(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA ·pairBcast+120(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL ·pairBcast(SB), RODATA|NOPTR, $128

// bitSpread, after a 32-bit broadcast, gives byte j the byte of the word
// that holds bit j (the fifth bits qh of Q5_0/Q5_1); bitSelect then keeps
// bit j mod 8 of it.
DATA ·bitSpread+0(SB)/8, $0x0000000000000000
DATA ·bitSpread+8(SB)/8, $0x0101010101010101
DATA ·bitSpread+16(SB)/8, $0x0202020202020202
DATA ·bitSpread+24(SB)/8, $0x0303030303030303
GLOBL ·bitSpread(SB), RODATA|NOPTR, $32

DATA ·bitSelect+0(SB)/8, $0x8040201008040201
DATA ·bitSelect+8(SB)/8, $0x8040201008040201
DATA ·bitSelect+16(SB)/8, $0x8040201008040201
DATA ·bitSelect+24(SB)/8, $0x8040201008040201
GLOBL ·bitSelect(SB), RODATA|NOPTR, $32

// iq4Levels are the sixteen IQ4_NL/IQ4_XS levels as signed bytes;
// iq4ULevels the same plus 128, as unsigned bytes, for VPDPBUSD.
DATA ·iq4Levels+0(SB)/8, $0xf6eaddcfbfad9881
DATA ·iq4Levels+8(SB)/8, $0x7159453526190d01
GLOBL ·iq4Levels(SB), RODATA|NOPTR, $16

DATA ·iq4ULevels+0(SB)/8, $0x766a5d4f3f2d1801
DATA ·iq4ULevels+8(SB)/8, $0xf1d9c5b5a6998d81
GLOBL ·iq4ULevels(SB), RODATA|NOPTR, $16

// wordIdx entry 2n+p, for VPERMW over sixteen 16-element sub-block scales:
// 128-bit lane k of the result holds scale 8n+4p+k in every word — the
// scales of the 64 elements of quarter p of half n of a K-quant block.
DATA ·wordIdx+0(SB)/8, $0x0000000000000000
DATA ·wordIdx+8(SB)/8, $0x0000000000000000
DATA ·wordIdx+16(SB)/8, $0x0001000100010001
DATA ·wordIdx+24(SB)/8, $0x0001000100010001
DATA ·wordIdx+32(SB)/8, $0x0002000200020002
DATA ·wordIdx+40(SB)/8, $0x0002000200020002
DATA ·wordIdx+48(SB)/8, $0x0003000300030003
DATA ·wordIdx+56(SB)/8, $0x0003000300030003
DATA ·wordIdx+64(SB)/8, $0x0004000400040004
DATA ·wordIdx+72(SB)/8, $0x0004000400040004
DATA ·wordIdx+80(SB)/8, $0x0005000500050005
DATA ·wordIdx+88(SB)/8, $0x0005000500050005
DATA ·wordIdx+96(SB)/8, $0x0006000600060006
DATA ·wordIdx+104(SB)/8, $0x0006000600060006
DATA ·wordIdx+112(SB)/8, $0x0007000700070007
DATA ·wordIdx+120(SB)/8, $0x0007000700070007
DATA ·wordIdx+128(SB)/8, $0x0008000800080008
DATA ·wordIdx+136(SB)/8, $0x0008000800080008
DATA ·wordIdx+144(SB)/8, $0x0009000900090009
DATA ·wordIdx+152(SB)/8, $0x0009000900090009
DATA ·wordIdx+160(SB)/8, $0x000a000a000a000a
DATA ·wordIdx+168(SB)/8, $0x000a000a000a000a
DATA ·wordIdx+176(SB)/8, $0x000b000b000b000b
DATA ·wordIdx+184(SB)/8, $0x000b000b000b000b
DATA ·wordIdx+192(SB)/8, $0x000c000c000c000c
DATA ·wordIdx+200(SB)/8, $0x000c000c000c000c
DATA ·wordIdx+208(SB)/8, $0x000d000d000d000d
DATA ·wordIdx+216(SB)/8, $0x000d000d000d000d
DATA ·wordIdx+224(SB)/8, $0x000e000e000e000e
DATA ·wordIdx+232(SB)/8, $0x000e000e000e000e
DATA ·wordIdx+240(SB)/8, $0x000f000f000f000f
DATA ·wordIdx+248(SB)/8, $0x000f000f000f000f
GLOBL ·wordIdx(SB), RODATA|NOPTR, $256

// scaleIdx* are VPERMW/VPERMT2W word (or VPERMD/VPERMT2D dword) indexes
// that pick the half-precision scales (or scale pairs) of four consecutive
// blocks out of one or two 64-byte loads; see SCALES4Z in
// q_avx512_amd64.s. Only the first four entries matter.
DATA ·scaleIdxQ4_0+0(SB)/8, $0x001b001200090000
DATA ·scaleIdxQ4_0+8(SB)/8, $0x0000000000000000
GLOBL ·scaleIdxQ4_0(SB), RODATA|NOPTR, $16

DATA ·scaleIdxQ5_0+0(SB)/8, $0x00350016000b0000
DATA ·scaleIdxQ5_0+8(SB)/8, $0x0000000000000000
GLOBL ·scaleIdxQ5_0(SB), RODATA|NOPTR, $16

DATA ·scaleIdxQ8_0+0(SB)/8, $0x0033002200110000
DATA ·scaleIdxQ8_0+8(SB)/8, $0x0000000000000000
GLOBL ·scaleIdxQ8_0(SB), RODATA|NOPTR, $16

DATA ·scaleIdxQ4_1+0(SB)/8, $0x0000000500000000
DATA ·scaleIdxQ4_1+8(SB)/8, $0x0000000f0000000a
GLOBL ·scaleIdxQ4_1(SB), RODATA|NOPTR, $16

DATA ·scaleIdxQ5_1+0(SB)/8, $0x0000000600000000
DATA ·scaleIdxQ5_1+8(SB)/8, $0x0000001a0000000c
GLOBL ·scaleIdxQ5_1(SB), RODATA|NOPTR, $16

DATA ·scaleIdxQ8_1+0(SB)/8, $0x0000000900000000
DATA ·scaleIdxQ8_1+8(SB)/8, $0x0000001b00000012
GLOBL ·scaleIdxQ8_1(SB), RODATA|NOPTR, $16
