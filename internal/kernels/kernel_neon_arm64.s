// The NEON (AdvSIMD) kernels of package kernels, written by hand: avo does not
// target arm64. kernel_neon_arm64.go says what each computes and
// docs/arm64.md what each inner loop issues. Every kernel works on 4×float32
// vectors (.S4); an element's arithmetic does not depend on where it falls.

#include "textflag.h"

// Go's assembler has no mnemonic for AdvSIMD floating-point arithmetic, so
// these macros encode it. Operands are register numbers (5 for V5), in the
// assembler's order: sources, then the destination, so FSUB4(m, n, d) is
// Vd = Vn − Vm as "VSUB Vm, Vn, Vd" would be. go tool objdump decodes them.
#define VOP3(op, m, n, d) WORD $((op) | (m)<<16 | (n)<<5 | (d))
#define VOP2(op, n, d) WORD $((op) | (n)<<5 | (d))
#define FADD4(m, n, d) VOP3(0x4E20D400, m, n, d)  // d = n + m
#define FSUB4(m, n, d) VOP3(0x4EA0D400, m, n, d)  // d = n − m
#define FMUL4(m, n, d) VOP3(0x6E20DC00, m, n, d)  // d = n·m
#define FDIV4(m, n, d) VOP3(0x6E20FC00, m, n, d)  // d = n / m
#define FMLA4(m, n, d) VOP3(0x4E20CC00, m, n, d)  // d = d + n·m, rounded once
#define FMLS4(m, n, d) VOP3(0x4EA0CC00, m, n, d)  // d = d − n·m, rounded once
#define FMAX4(m, n, d) VOP3(0x4E20F400, m, n, d)  // d = max(n, m), NaN if either is
#define FMIN4(m, n, d) VOP3(0x4EA0F400, m, n, d)  // d = min(n, m), NaN if either is
#define FCMGT4(m, n, d) VOP3(0x6EA0E400, m, n, d) // d = n > m ? all ones : 0 (0 for NaN)
#define FCMGE4(m, n, d) VOP3(0x6E20E400, m, n, d) // d = n ≥ m ? all ones : 0 (0 for NaN)
#define BIC16(m, n, d) VOP3(0x4E601C00, m, n, d)  // d = n AND NOT m
#define BIT16(m, n, d) VOP3(0x6EA01C00, m, n, d)  // d = n where m's bits are set
#define BIF16(m, n, d) VOP3(0x6EE01C00, m, n, d)  // d = n where m's bits are clear
#define MOV16(n, d) VOP3(0x4EA01C00, n, n, d)     // d = n (ORR d, n, n)
#define ADD4I(m, n, d) VOP3(0x4EA08400, m, n, d)  // d = n + m, int32 lanes
#define SUB4I(m, n, d) VOP3(0x6EA08400, m, n, d)  // d = n − m, int32 lanes
#define FRINTN4(n, d) VOP2(0x4E218800, n, d)      // d = n rounded to the nearest integer, ties to even
#define FCVTZS4(n, d) VOP2(0x4EA1B800, n, d)      // d = int32(n)
#define FSQRT4(n, d) VOP2(0x6EA1F800, n, d)       // d = √n
#define FNEG4(n, d) VOP2(0x6EA0F800, n, d)        // d = −n
#define FCMGTZ4(n, d) VOP2(0x4EA0C800, n, d)      // d = n > 0 ? all ones : 0
#define SSHR4(s, n, d) VOP2(0x4F000400 | (64-(s))<<16, n, d) // d = n >> s, int32 lanes, arithmetic
#define SHL4(s, n, d) VOP2(0x4F005400 | (32+(s))<<16, n, d)  // d = n << s, int32 lanes

// ---- Products -------------------------------------------------------------
//
// A tile computes rows×(4·vectors) elements of c = bias + a·b in registers:
// each row's a[i][p] is broadcast (LD1R) and multiplied into the row's
// accumulators with b's vectors of row p by FMLA, p in increasing order.
// Register use: R0 = k, R1 = a's row 0 (R10–R16 rows 1–7), R2 = ars,
// R3 = acs, R4 = b, R5 = ldb, R6 = c, R7 = ldc (strides in bytes), R8 = bias;
// V0–V2 hold b's vectors, V3–V7 the broadcasts, V8–V31 the accumulators.

// ROW12 multiplies the a element at pa (then stepped to the next p) into one
// row's three accumulators, through the broadcast register va.
#define ROW12(pa, va, c0, c1, c2) \
	VLD1R.P (pa)(R3), [va.S4] \
	VFMLA V0.S4, va.S4, c0.S4 \
	VFMLA V1.S4, va.S4, c1.S4 \
	VFMLA V2.S4, va.S4, c2.S4

// ROW4 is ROW12 for a tile one vector wide.
#define ROW4(pa, va, c0) \
	VLD1R.P (pa)(R3), [va.S4] \
	VFMLA V0.S4, va.S4, c0.S4

// TILE_ARGS loads a tile's arguments into R0–R8, the strides turned into bytes.
#define TILE_ARGS \
	MOVD k+0(FP), R0 \
	MOVD a+8(FP), R1 \
	MOVD ars+16(FP), R2 \
	MOVD acs+24(FP), R3 \
	MOVD b+32(FP), R4 \
	MOVD ldb+40(FP), R5 \
	MOVD c+48(FP), R6 \
	MOVD ldc+56(FP), R7 \
	MOVD bias+64(FP), R8 \
	LSL $2, R2 \
	LSL $2, R3 \
	LSL $2, R5 \
	LSL $2, R7

// INIT12 sets V8–V10 to bias[0:12], or to 0 where bias is nil.
#define INIT12 \
	VEOR V8.B16, V8.B16, V8.B16 \
	VEOR V9.B16, V9.B16, V9.B16 \
	VEOR V10.B16, V10.B16, V10.B16 \
	CBZ R8, 2(PC) \
	VLD1 (R8), [V8.S4, V9.S4, V10.S4]

// INIT4 sets V8 to bias[0:4], or to 0 where bias is nil.
#define INIT4 \
	VEOR V8.B16, V8.B16, V8.B16 \
	CBZ R8, 2(PC) \
	VLD1 (R8), [V8.S4]

// COPY12 starts a row's accumulators from row 0's.
#define COPY12(c0, c1, c2) \
	VMOV V8.B16, c0.B16 \
	VMOV V9.B16, c1.B16 \
	VMOV V10.B16, c2.B16

// func neonTile8x12(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)
TEXT ·neonTile8x12(SB), NOSPLIT, $0-72
	TILE_ARGS
	ADD  R2, R1, R10
	ADD  R2, R10, R11
	ADD  R2, R11, R12
	ADD  R2, R12, R13
	ADD  R2, R13, R14
	ADD  R2, R14, R15
	ADD  R2, R15, R16
	INIT12
	COPY12(V11, V12, V13)
	COPY12(V14, V15, V16)
	COPY12(V17, V18, V19)
	COPY12(V20, V21, V22)
	COPY12(V23, V24, V25)
	COPY12(V26, V27, V28)
	COPY12(V29, V30, V31)

loop:
	VLD1.P (R4)(R5), [V0.S4, V1.S4, V2.S4]
	ROW12(R1, V3, V8, V9, V10)
	ROW12(R10, V4, V11, V12, V13)
	ROW12(R11, V5, V14, V15, V16)
	ROW12(R12, V6, V17, V18, V19)
	ROW12(R13, V7, V20, V21, V22)
	ROW12(R14, V3, V23, V24, V25)
	ROW12(R15, V4, V26, V27, V28)
	ROW12(R16, V5, V29, V30, V31)
	SUBS $1, R0, R0
	BNE  loop

	VST1.P [V8.S4, V9.S4, V10.S4], (R6)(R7)
	VST1.P [V11.S4, V12.S4, V13.S4], (R6)(R7)
	VST1.P [V14.S4, V15.S4, V16.S4], (R6)(R7)
	VST1.P [V17.S4, V18.S4, V19.S4], (R6)(R7)
	VST1.P [V20.S4, V21.S4, V22.S4], (R6)(R7)
	VST1.P [V23.S4, V24.S4, V25.S4], (R6)(R7)
	VST1.P [V26.S4, V27.S4, V28.S4], (R6)(R7)
	VST1   [V29.S4, V30.S4, V31.S4], (R6)
	RET

// func neonTile4x12(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)
TEXT ·neonTile4x12(SB), NOSPLIT, $0-72
	TILE_ARGS
	ADD  R2, R1, R10
	ADD  R2, R10, R11
	ADD  R2, R11, R12
	INIT12
	COPY12(V11, V12, V13)
	COPY12(V14, V15, V16)
	COPY12(V17, V18, V19)

loop:
	VLD1.P (R4)(R5), [V0.S4, V1.S4, V2.S4]
	ROW12(R1, V3, V8, V9, V10)
	ROW12(R10, V4, V11, V12, V13)
	ROW12(R11, V5, V14, V15, V16)
	ROW12(R12, V6, V17, V18, V19)
	SUBS $1, R0, R0
	BNE  loop

	VST1.P [V8.S4, V9.S4, V10.S4], (R6)(R7)
	VST1.P [V11.S4, V12.S4, V13.S4], (R6)(R7)
	VST1.P [V14.S4, V15.S4, V16.S4], (R6)(R7)
	VST1   [V17.S4, V18.S4, V19.S4], (R6)
	RET

// func neonTile2x12(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)
TEXT ·neonTile2x12(SB), NOSPLIT, $0-72
	TILE_ARGS
	ADD  R2, R1, R10
	INIT12
	COPY12(V11, V12, V13)

loop:
	VLD1.P (R4)(R5), [V0.S4, V1.S4, V2.S4]
	ROW12(R1, V3, V8, V9, V10)
	ROW12(R10, V4, V11, V12, V13)
	SUBS $1, R0, R0
	BNE  loop

	VST1.P [V8.S4, V9.S4, V10.S4], (R6)(R7)
	VST1   [V11.S4, V12.S4, V13.S4], (R6)
	RET

// func neonTile1x12(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)
TEXT ·neonTile1x12(SB), NOSPLIT, $0-72
	TILE_ARGS
	INIT12

loop:
	VLD1.P (R4)(R5), [V0.S4, V1.S4, V2.S4]
	ROW12(R1, V3, V8, V9, V10)
	SUBS $1, R0, R0
	BNE  loop

	VST1 [V8.S4, V9.S4, V10.S4], (R6)
	RET

// func neonTile8x4(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)
TEXT ·neonTile8x4(SB), NOSPLIT, $0-72
	TILE_ARGS
	ADD  R2, R1, R10
	ADD  R2, R10, R11
	ADD  R2, R11, R12
	ADD  R2, R12, R13
	ADD  R2, R13, R14
	ADD  R2, R14, R15
	ADD  R2, R15, R16
	INIT4
	VMOV V8.B16, V9.B16
	VMOV V8.B16, V10.B16
	VMOV V8.B16, V11.B16
	VMOV V8.B16, V12.B16
	VMOV V8.B16, V13.B16
	VMOV V8.B16, V14.B16
	VMOV V8.B16, V15.B16

loop:
	VLD1.P (R4)(R5), [V0.S4]
	ROW4(R1, V3, V8)
	ROW4(R10, V4, V9)
	ROW4(R11, V5, V10)
	ROW4(R12, V6, V11)
	ROW4(R13, V7, V12)
	ROW4(R14, V3, V13)
	ROW4(R15, V4, V14)
	ROW4(R16, V5, V15)
	SUBS $1, R0, R0
	BNE  loop

	VST1.P [V8.S4], (R6)(R7)
	VST1.P [V9.S4], (R6)(R7)
	VST1.P [V10.S4], (R6)(R7)
	VST1.P [V11.S4], (R6)(R7)
	VST1.P [V12.S4], (R6)(R7)
	VST1.P [V13.S4], (R6)(R7)
	VST1.P [V14.S4], (R6)(R7)
	VST1   [V15.S4], (R6)
	RET

// func neonTile4x4(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)
TEXT ·neonTile4x4(SB), NOSPLIT, $0-72
	TILE_ARGS
	ADD  R2, R1, R10
	ADD  R2, R10, R11
	ADD  R2, R11, R12
	INIT4
	VMOV V8.B16, V9.B16
	VMOV V8.B16, V10.B16
	VMOV V8.B16, V11.B16

loop:
	VLD1.P (R4)(R5), [V0.S4]
	ROW4(R1, V3, V8)
	ROW4(R10, V4, V9)
	ROW4(R11, V5, V10)
	ROW4(R12, V6, V11)
	SUBS $1, R0, R0
	BNE  loop

	VST1.P [V8.S4], (R6)(R7)
	VST1.P [V9.S4], (R6)(R7)
	VST1.P [V10.S4], (R6)(R7)
	VST1   [V11.S4], (R6)
	RET

// func neonTile2x4(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)
TEXT ·neonTile2x4(SB), NOSPLIT, $0-72
	TILE_ARGS
	ADD  R2, R1, R10
	INIT4
	VMOV V8.B16, V9.B16

loop:
	VLD1.P (R4)(R5), [V0.S4]
	ROW4(R1, V3, V8)
	ROW4(R10, V4, V9)
	SUBS $1, R0, R0
	BNE  loop

	VST1.P [V8.S4], (R6)(R7)
	VST1   [V9.S4], (R6)
	RET

// func neonTile1x4(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)
TEXT ·neonTile1x4(SB), NOSPLIT, $0-72
	TILE_ARGS
	INIT4

loop:
	VLD1.P (R4)(R5), [V0.S4]
	ROW4(R1, V3, V8)
	SUBS $1, R0, R0
	BNE  loop

	VST1 [V8.S4], (R6)
	RET

// func neonDot(k int, a *float32, acs int, b *float32, ldb int, init float32) float32
TEXT ·neonDot(SB), NOSPLIT, $0-52
	MOVD  k+0(FP), R0
	MOVD  a+8(FP), R1
	MOVD  acs+16(FP), R2
	MOVD  b+24(FP), R3
	MOVD  ldb+32(FP), R4
	FMOVS init+40(FP), F0
	LSL   $2, R2
	LSL   $2, R4

loop:
	FMOVS  (R1), F1
	FMOVS  (R3), F2
	ADD    R2, R1
	ADD    R4, R3
	FMADDS F2, F0, F1, F0 // F0 += F1·F2, rounded once as FMLA's lanes are
	SUBS   $1, R0, R0
	BNE    loop

	FMOVS F0, ret+48(FP)
	RET

// func neonTranspose(dst *float32, ldd int, src *float32, lds int, blocks int)
TEXT ·neonTranspose(SB), NOSPLIT, $0-40
	MOVD dst+0(FP), R0
	MOVD ldd+8(FP), R1
	MOVD src+16(FP), R2
	MOVD lds+24(FP), R3
	MOVD blocks+32(FP), R4
	LSL  $2, R1
	LSL  $2, R3
	ADD  R3, R2, R5
	ADD  R3, R5, R6
	ADD  R3, R6, R7

loop:
	// Rows a, b, c, d of the block; TRN1/TRN2 pair their lanes up, then
	// ZIP1/ZIP2 on 64-bit halves make the columns.
	VLD1.P 16(R2), [V0.S4]
	VLD1.P 16(R5), [V1.S4]
	VLD1.P 16(R6), [V2.S4]
	VLD1.P 16(R7), [V3.S4]
	VTRN1  V1.S4, V0.S4, V4.S4 // a0 b0 a2 b2
	VTRN2  V1.S4, V0.S4, V5.S4 // a1 b1 a3 b3
	VTRN1  V3.S4, V2.S4, V6.S4 // c0 d0 c2 d2
	VTRN2  V3.S4, V2.S4, V7.S4 // c1 d1 c3 d3
	VZIP1  V6.D2, V4.D2, V0.D2 // a0 b0 c0 d0
	VZIP1  V7.D2, V5.D2, V1.D2 // a1 b1 c1 d1
	VZIP2  V6.D2, V4.D2, V2.D2 // a2 b2 c2 d2
	VZIP2  V7.D2, V5.D2, V3.D2 // a3 b3 c3 d3
	VST1.P [V0.S4], (R0)(R1)
	VST1.P [V1.S4], (R0)(R1)
	VST1.P [V2.S4], (R0)(R1)
	VST1.P [V3.S4], (R0)(R1)
	SUBS   $1, R4, R4
	BNE    loop
	RET

// ---- Element-wise kernels -------------------------------------------------
//
// The flat ones take n a multiple of 8 (the Go side runs the rest through a
// copy) and go two vectors per iteration, so that two chains overlap.

// func neonAxpy(y, x *float32, n int, alpha float32)
TEXT ·neonAxpy(SB), NOSPLIT, $0-28
	MOVD  y+0(FP), R0
	MOVD  x+8(FP), R1
	MOVD  n+16(FP), R2
	FMOVS alpha+24(FP), F31
	VDUP  V31.S[0], V31.S4

loop:
	VLD1   (R0), [V0.S4, V1.S4]
	VLD1.P 32(R1), [V2.S4, V3.S4]
	VFMLA  V31.S4, V2.S4, V0.S4
	VFMLA  V31.S4, V3.S4, V1.S4
	VST1.P [V0.S4, V1.S4], 32(R0)
	SUBS   $8, R2, R2
	BNE    loop
	RET

// ADAMW updates one vector of p, m, v from g (register numbers), with t, u,
// w, d for scratch and coef in V16–V22, each operation rounded on its own as
// adamwPortable's are.
#define ADAMW(p, g, m, v, t, u, w, d) \
	FSUB4(m, g, t) \
	FMUL4(16, t, t) \
	FADD4(t, m, m) \
	FMUL4(18, g, u) \
	FMUL4(g, u, u) \
	FMUL4(17, v, w) \
	FADD4(u, w, v) \
	FSQRT4(v, d) \
	FDIV4(21, d, d) \
	FADD4(22, d, d) \
	FDIV4(d, m, t) \
	FMUL4(20, t, t) \
	FMUL4(19, p, p) \
	FSUB4(t, p, p)

// func neonAdamW(p, grad, m, v *float32, n int, coef *[7]float32)
TEXT ·neonAdamW(SB), NOSPLIT, $0-48
	MOVD    p+0(FP), R0
	MOVD    grad+8(FP), R1
	MOVD    m+16(FP), R2
	MOVD    v+24(FP), R3
	MOVD    n+32(FP), R4
	MOVD    coef+40(FP), R5
	VLD4R.P 16(R5), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD3R   (R5), [V20.S4, V21.S4, V22.S4]

loop:
	VLD1   (R0), [V0.S4, V1.S4]
	VLD1.P 32(R1), [V2.S4, V3.S4]
	VLD1   (R2), [V4.S4, V5.S4]
	VLD1   (R3), [V6.S4, V7.S4]
	ADAMW(0, 2, 4, 6, 8, 9, 10, 11)
	ADAMW(1, 3, 5, 7, 12, 13, 14, 15)
	VST1.P [V0.S4, V1.S4], 32(R0)
	VST1.P [V4.S4, V5.S4], 32(R2)
	VST1.P [V6.S4, V7.S4], 32(R3)
	SUBS   $8, R4, R4
	BNE    loop
	RET

// func neonReLU(dst, x *float32, n int)
TEXT ·neonReLU(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD x+8(FP), R1
	MOVD n+16(FP), R2
	VEOR V31.B16, V31.B16, V31.B16

loop:
	VLD1.P 32(R1), [V0.S4, V1.S4]
	FMAX4(31, 0, 0)
	FMAX4(31, 1, 1)
	VST1.P [V0.S4, V1.S4], 32(R0)
	SUBS   $8, R2, R2
	BNE    loop
	RET

// func neonReLUGrad(out, y, dy *float32, n int)
TEXT ·neonReLUGrad(SB), NOSPLIT, $0-32
	MOVD out+0(FP), R0
	MOVD y+8(FP), R1
	MOVD dy+16(FP), R2
	MOVD n+24(FP), R3

loop:
	VLD1.P 32(R1), [V0.S4, V1.S4]
	VLD1.P 32(R2), [V2.S4, V3.S4]
	FCMGTZ4(0, 0)
	FCMGTZ4(1, 1)
	VAND   V2.B16, V0.B16, V0.B16
	VAND   V3.B16, V1.B16, V1.B16
	VST1.P [V0.S4, V1.S4], 32(R0)
	SUBS   $8, R3, R3
	BNE    loop
	RET

// func neonSigmoidGrad(out, s, ds *float32, n int)
TEXT ·neonSigmoidGrad(SB), NOSPLIT, $0-32
	MOVD out+0(FP), R0
	MOVD s+8(FP), R1
	MOVD ds+16(FP), R2
	MOVD n+24(FP), R3
	MOVW $0x3f800000, R4 // 1.0
	VDUP R4, V31.S4

loop:
	VLD1.P 32(R1), [V0.S4, V1.S4]
	VLD1.P 32(R2), [V2.S4, V3.S4]
	FSUB4(0, 31, 4) // 1 − s
	FSUB4(1, 31, 5)
	FMUL4(2, 0, 0)  // s·ds
	FMUL4(3, 1, 1)
	FMUL4(0, 4, 4)
	FMUL4(1, 5, 5)
	VST1.P [V4.S4, V5.S4], 32(R0)
	SUBS   $8, R3, R3
	BNE    loop
	RET

// func neonTanhGrad(out, h, dh *float32, n int)
TEXT ·neonTanhGrad(SB), NOSPLIT, $0-32
	MOVD out+0(FP), R0
	MOVD h+8(FP), R1
	MOVD dh+16(FP), R2
	MOVD n+24(FP), R3

loop:
	VLD1.P 32(R1), [V0.S4, V1.S4]
	VLD1.P 32(R2), [V2.S4, V3.S4]
	FMUL4(0, 0, 0) // h²
	FMUL4(1, 1, 1)
	VFMLS  V0.S4, V2.S4, V2.S4 // dh − h²·dh
	VFMLS  V1.S4, V3.S4, V3.S4
	VST1.P [V2.S4, V3.S4], 32(R0)
	SUBS   $8, R3, R3
	BNE    loop
	RET

// Registers of the activation constants, as TANH_CONSTS and GELU_CONSTS load
// them from tanhGELUCoef.
#define K_CLAMP 16
#define K_NCLAMP 17
#define K_TINY2 18
#define K_A13 19
#define K_A11 20
#define K_A9 21
#define K_A7 22
#define K_A5 23
#define K_A3 24
#define K_A1 25
#define K_B6 26
#define K_B4 27
#define K_B2 28
#define K_B0 29
#define K_C1 30
#define K_C0 31
#define K_HALF 13
#define K_C3 14
#define K_ONE 15

// TANH_CONSTS loads tanh's 14 constants from R3 into V16–V29.
#define TANH_CONSTS \
	VLD4R.P 16(R3), [V16.S4, V17.S4, V18.S4, V19.S4] \
	VLD4R.P 16(R3), [V20.S4, V21.S4, V22.S4, V23.S4] \
	VLD4R.P 16(R3), [V24.S4, V25.S4, V26.S4, V27.S4] \
	VLD2R   (R3), [V28.S4, V29.S4]

// GELU_CONSTS loads all 19 constants from R3: tanh's, then V30–V31, V13–V15.
#define GELU_CONSTS \
	VLD4R.P 16(R3), [V16.S4, V17.S4, V18.S4, V19.S4] \
	VLD4R.P 16(R3), [V20.S4, V21.S4, V22.S4, V23.S4] \
	VLD4R.P 16(R3), [V24.S4, V25.S4, V26.S4, V27.S4] \
	VLD4R.P 16(R3), [V28.S4, V29.S4, V30.S4, V31.S4] \
	VLD3R   (R3), [V13.S4, V14.S4, V15.S4]

// TANH sets r to tanh32 of x, with t, t2, p, q and s for scratch: the
// rational approximation with the polynomials by Horner's rule, p's and q's
// steps alternating (each step copies its constant, then FMLA adds the
// product to it), and x kept where x² < tiny² or x is NaN.
#define TANH(x, t, t2, p, r, q, s) \
	FMAX4(K_NCLAMP, x, t) \
	FMIN4(K_CLAMP, t, t) \
	FMUL4(t, t, t2) \
	MOV16(K_A11, p) \
	FMLA4(t2, K_A13, p) \
	MOV16(K_B4, q) \
	FMLA4(t2, K_B6, q) \
	MOV16(K_A9, r) \
	FMLA4(t2, p, r) \
	MOV16(K_B2, s) \
	FMLA4(t2, q, s) \
	MOV16(K_A7, p) \
	FMLA4(t2, r, p) \
	MOV16(K_B0, q) \
	FMLA4(t2, s, q) \
	MOV16(K_A5, r) \
	FMLA4(t2, p, r) \
	MOV16(K_A3, p) \
	FMLA4(t2, r, p) \
	MOV16(K_A1, r) \
	FMLA4(t2, p, r) \
	FMUL4(t, r, r) \
	FDIV4(q, r, r) \
	FMUL4(x, x, t2) \
	FCMGE4(K_TINY2, t2, t2) \
	BIF16(t2, x, r)

// func neonTanh(dst, x *float32, n int, coef *[19]float32)
TEXT ·neonTanh(SB), NOSPLIT, $0-32
	MOVD dst+0(FP), R0
	MOVD x+8(FP), R1
	MOVD n+16(FP), R2
	MOVD coef+24(FP), R3
	TANH_CONSTS

loop:
	VLD1.P 32(R1), [V0.S4, V1.S4]
	TANH(0, 4, 5, 6, 2, 7, 8)
	TANH(1, 9, 10, 11, 3, 12, 13)
	VST1.P [V2.S4, V3.S4], 32(R0)
	SUBS   $8, R2, R2
	BNE    loop
	RET

// GELU_ARG sets u = x·(C1·x² + C0), GELU's tanh argument, and x2 = x².
#define GELU_ARG(x, u, x2) \
	FMUL4(x, x, x2) \
	MOV16(K_C0, u) \
	FMLA4(x2, K_C1, u) \
	FMUL4(x, u, u)

// SATURATE sets r to 0 where u ≤ −clamp and to hi where u ≥ clamp, as gelu32
// and geluGrad32 return before the tanh; m is scratch. The compares are false
// for NaN, which stays.
#define SATURATE(r, u, hi, m) \
	FCMGE4(u, K_NCLAMP, m) \
	BIC16(m, r, r) \
	FCMGE4(K_CLAMP, u, m) \
	BIT16(m, hi, r)

// func neonGELU(dst, x *float32, n int, coef *[19]float32)
//
// One vector per iteration: with the 19 constants in registers, a second
// vector's 8 registers would not fit.
TEXT ·neonGELU(SB), NOSPLIT, $0-32
	MOVD dst+0(FP), R0
	MOVD x+8(FP), R1
	MOVD n+16(FP), R2
	MOVD coef+24(FP), R3
	GELU_CONSTS

loop:
	VLD1.P 16(R1), [V0.S4]
	GELU_ARG(0, 1, 3)
	TANH(1, 2, 3, 4, 5, 6, 7)
	FMUL4(K_HALF, 0, 2) // h = 0.5·x
	MOV16(2, 4)
	FMLA4(5, 2, 4)      // h + h·t
	SATURATE(4, 1, 0, 3)
	VST1.P [V4.S4], 16(R0)
	SUBS   $4, R2, R2
	BNE    loop
	RET

// func neonGELUGrad(out, x, dy *float32, n int, coef *[19]float32)
//
// One vector per iteration, as neonGELU.
TEXT ·neonGELUGrad(SB), NOSPLIT, $0-40
	MOVD out+0(FP), R0
	MOVD x+8(FP), R1
	MOVD dy+16(FP), R2
	MOVD n+24(FP), R4
	MOVD coef+32(FP), R3
	GELU_CONSTS

loop:
	VLD1.P 16(R1), [V0.S4]
	GELU_ARG(0, 1, 3)
	MOV16(K_C0, 8)
	FMLA4(3, K_C3, 8)          // w = C3·x² + C0
	TANH(1, 2, 3, 4, 5, 6, 7)
	MOV16(K_ONE, 7)
	FMLS4(5, 5, 7)             // s = 1 − t²
	FMUL4(K_HALF, 0, 0)        // h = 0.5·x
	FMUL4(0, 7, 7)
	FMUL4(8, 7, 7)             // s·h·w
	MOV16(K_HALF, 2)
	FMLA4(K_HALF, 5, 2)        // 0.5·t + 0.5
	FADD4(7, 2, 2)
	SATURATE(2, 1, K_ONE, 3)
	VLD1.P 16(R2), [V9.S4]
	FMUL4(9, 2, 2)
	VST1.P [V2.S4], 16(R0)
	SUBS   $4, R4, R4
	BNE    loop
	RET

// Registers of expCoef's constants, as EXP_CONSTS loads them.
#define E_LO 16
#define E_HI 17
#define E_LOG2E 18
#define E_LN2HI 19
#define E_LN2LO 20
#define E_P0 21
#define E_P1 22
#define E_P2 23
#define E_P3 24
#define E_P4 25
#define E_P5 26
#define E_ONE 27
#define E_INF 28

// EXP_CONSTS loads expCoef from R3 into V16–V28.
#define EXP_CONSTS \
	VLD4R.P 16(R3), [V16.S4, V17.S4, V18.S4, V19.S4] \
	VLD4R.P 16(R3), [V20.S4, V21.S4, V22.S4, V23.S4] \
	VLD4R.P 16(R3), [V24.S4, V25.S4, V26.S4, V27.S4] \
	VLD1R   (R3), [V28.S4]

// EXP sets r to e^x, with xc, fx, y and t for scratch: the Cephes float32
// exponential as the AVX2 set's exp8 computes it, e^x = 2^n·e^r with
// n = round(x·log₂e), r = x − n·ln2 in two steps, e^r = y·r² + r + 1 by a
// degree-5 y, and 2^n as 2^h·2^(n−h), h = n>>1, each factor made in the
// exponent field (its bits are h<<23 plus those of 1.0). x below lo gives 0,
// above hi +Inf; NaN stays NaN.
#define EXP(x, xc, fx, r, y, t) \
	FMAX4(E_LO, x, xc) \
	FMIN4(E_HI, xc, xc) \
	FMUL4(E_LOG2E, xc, fx) \
	FRINTN4(fx, fx) \
	MOV16(xc, r) \
	FMLS4(E_LN2HI, fx, r) \
	FMLS4(E_LN2LO, fx, r) \
	MOV16(E_P1, y) \
	FMLA4(r, E_P0, y) \
	MOV16(E_P2, t) \
	FMLA4(r, y, t) \
	MOV16(E_P3, y) \
	FMLA4(r, t, y) \
	MOV16(E_P4, t) \
	FMLA4(r, y, t) \
	MOV16(E_P5, y) \
	FMLA4(r, t, y) \
	FMUL4(r, r, t) \
	FADD4(E_ONE, r, r) \
	FMLA4(t, y, r) \
	FCVTZS4(fx, fx) \
	SSHR4(1, fx, xc) \
	SUB4I(xc, fx, fx) \
	SHL4(23, xc, xc) \
	ADD4I(E_ONE, xc, xc) \
	FMUL4(xc, r, r) \
	SHL4(23, fx, fx) \
	ADD4I(E_ONE, fx, fx) \
	FMUL4(fx, r, r) \
	FCMGT4(x, E_LO, t) \
	BIC16(t, r, r) \
	FCMGT4(E_HI, x, t) \
	BIT16(t, E_INF, r)

// func neonExp(dst, x *float32, n int, coef *[13]float32)
TEXT ·neonExp(SB), NOSPLIT, $0-32
	MOVD dst+0(FP), R0
	MOVD x+8(FP), R1
	MOVD n+16(FP), R2
	MOVD coef+24(FP), R3
	EXP_CONSTS

loop:
	VLD1.P 32(R1), [V0.S4, V1.S4]
	EXP(0, 4, 5, 2, 6, 7)
	EXP(1, 8, 9, 3, 10, 11)
	VST1.P [V2.S4, V3.S4], 32(R0)
	SUBS   $8, R2, R2
	BNE    loop
	RET

// func neonSigmoid(dst, x *float32, n int, coef *[13]float32)
//
// 1/(1 + e^(−x)) with EXP's e^(−x): negating x is exact, so the quotient has
// the exponential's relative accuracy, tiny values for x ≪ 0 included.
TEXT ·neonSigmoid(SB), NOSPLIT, $0-32
	MOVD dst+0(FP), R0
	MOVD x+8(FP), R1
	MOVD n+16(FP), R2
	MOVD coef+24(FP), R3
	EXP_CONSTS

loop:
	VLD1.P 32(R1), [V0.S4, V1.S4]
	FNEG4(0, 0)
	FNEG4(1, 1)
	EXP(0, 4, 5, 2, 6, 7)
	EXP(1, 8, 9, 3, 10, 11)
	FADD4(E_ONE, 2, 2)
	FADD4(E_ONE, 3, 3)
	FDIV4(2, E_ONE, 2)
	FDIV4(3, E_ONE, 3)
	VST1.P [V2.S4, V3.S4], 32(R0)
	SUBS   $8, R2, R2
	BNE    loop
	RET

// ---- Column passes --------------------------------------------------------
//
// Each streams a [rows × cols] matrix row by row with per-column vectors,
// a vector of columns at a time and the last cols mod 4 one at a time with
// the scalar form of the same instruction (FADDS, FMADDS round as the lanes
// of FADD and FMLA do). rows and cols are at least 1.

// COLS splits cols (R3) into R3 = cols mod 4 and R9 = cols − R3.
#define COLS \
	AND $3, R3, R8 \
	SUB R8, R3, R9 \
	MOVD R8, R3

// func neonColSums(s, x *float32, rows, cols int)
TEXT ·neonColSums(SB), NOSPLIT, $0-32
	MOVD s+0(FP), R0
	MOVD x+8(FP), R1
	MOVD rows+16(FP), R2
	MOVD cols+24(FP), R3
	COLS

row:
	MOVD R0, R5
	MOVD R9, R6
	CBZ  R6, tail

vec:
	VLD1   (R5), [V0.S4]
	VLD1.P 16(R1), [V1.S4]
	FADD4(1, 0, 0)
	VST1.P [V0.S4], 16(R5)
	SUBS   $4, R6, R6
	BNE    vec

tail:
	MOVD R3, R6
	CBZ  R6, next

scalar:
	FMOVS   (R5), F0
	FMOVS.P 4(R1), F1
	FADDS   F1, F0, F0
	FMOVS.P F0, 4(R5)
	SUBS    $1, R6, R6
	BNE     scalar

next:
	SUBS $1, R2, R2
	BNE  row
	RET

// func neonColDots(s, x, y *float32, rows, cols int)
TEXT ·neonColDots(SB), NOSPLIT, $0-40
	MOVD s+0(FP), R0
	MOVD x+8(FP), R1
	MOVD y+16(FP), R4
	MOVD rows+24(FP), R2
	MOVD cols+32(FP), R3
	COLS

row:
	MOVD R0, R5
	MOVD R9, R6
	CBZ  R6, tail

vec:
	VLD1   (R5), [V0.S4]
	VLD1.P 16(R1), [V1.S4]
	VLD1.P 16(R4), [V2.S4]
	VFMLA  V2.S4, V1.S4, V0.S4
	VST1.P [V0.S4], 16(R5)
	SUBS   $4, R6, R6
	BNE    vec

tail:
	MOVD R3, R6
	CBZ  R6, next

scalar:
	FMOVS   (R5), F0
	FMOVS.P 4(R1), F1
	FMOVS.P 4(R4), F2
	FMADDS  F2, F0, F1, F0
	FMOVS.P F0, 4(R5)
	SUBS    $1, R6, R6
	BNE     scalar

next:
	SUBS $1, R2, R2
	BNE  row
	RET

// func neonColAffine(out, x *float32, rows, cols int, scale, shift *float32)
TEXT ·neonColAffine(SB), NOSPLIT, $0-48
	MOVD out+0(FP), R0
	MOVD x+8(FP), R1
	MOVD rows+16(FP), R2
	MOVD cols+24(FP), R3
	MOVD scale+32(FP), R10
	MOVD shift+40(FP), R11
	COLS

row:
	MOVD R10, R5
	MOVD R11, R7
	MOVD R9, R6
	CBZ  R6, tail

vec:
	VLD1.P 16(R1), [V0.S4]
	VLD1.P 16(R5), [V1.S4]
	VLD1.P 16(R7), [V2.S4]
	VFMLA  V1.S4, V0.S4, V2.S4 // shift + x·scale
	VST1.P [V2.S4], 16(R0)
	SUBS   $4, R6, R6
	BNE    vec

tail:
	MOVD R3, R6
	CBZ  R6, next

scalar:
	FMOVS.P 4(R1), F0
	FMOVS.P 4(R5), F1
	FMOVS.P 4(R7), F2
	FMADDS  F1, F2, F0, F2
	FMOVS.P F2, 4(R0)
	SUBS    $1, R6, R6
	BNE     scalar

next:
	SUBS $1, R2, R2
	BNE  row
	RET

// func neonColAffine2(out, x, y *float32, rows, cols int, sx, sy, shift *float32)
TEXT ·neonColAffine2(SB), NOSPLIT, $0-64
	MOVD out+0(FP), R0
	MOVD x+8(FP), R1
	MOVD y+16(FP), R4
	MOVD rows+24(FP), R2
	MOVD cols+32(FP), R3
	MOVD sx+40(FP), R10
	MOVD sy+48(FP), R11
	MOVD shift+56(FP), R12
	COLS

row:
	MOVD R10, R5
	MOVD R11, R7
	MOVD R12, R8
	MOVD R9, R6
	CBZ  R6, tail

vec:
	VLD1.P 16(R1), [V0.S4]
	VLD1.P 16(R4), [V1.S4]
	VLD1.P 16(R5), [V2.S4]
	VLD1.P 16(R7), [V3.S4]
	VLD1.P 16(R8), [V4.S4]
	VFMLA  V2.S4, V0.S4, V4.S4 // shift + x·sx
	VFMLA  V3.S4, V1.S4, V4.S4 // + y·sy
	VST1.P [V4.S4], 16(R0)
	SUBS   $4, R6, R6
	BNE    vec

tail:
	MOVD R3, R6
	CBZ  R6, next

scalar:
	FMOVS.P 4(R1), F0
	FMOVS.P 4(R4), F1
	FMOVS.P 4(R5), F2
	FMOVS.P 4(R7), F3
	FMOVS.P 4(R8), F4
	FMADDS  F2, F4, F0, F4
	FMADDS  F3, F4, F1, F4
	FMOVS.P F4, 4(R0)
	SUBS    $1, R6, R6
	BNE     scalar

next:
	SUBS $1, R2, R2
	BNE  row
	RET
