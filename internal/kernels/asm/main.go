// Command asm generates the AVX2+FMA kernels of package kernels with avo:
//
//	cd internal/kernels/asm && go run . -out ../kernel_avx2_generated_amd64.s -stubs ../kernel_avx2_generated_amd64.go -pkg kernels
//
// It is its own module so that avo stays out of makemore's dependencies.
package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func main() {
	tile(4, 3, false)
	tile(8, 1, true)
	tile(4, 1, true)
	tile(2, 3, false)
	tile(2, 1, true)
	tile(1, 3, false)
	tile(1, 1, true)
	tanh()
	exp()
	sigmoid()
	transpose()
	axpy()
	adamw()
	columnOps()
	activations()
	spinPause()
	Generate()
}

// tile emits tile{rows}x{8·vecs}: c[rows × 8·vecs] = bias + Σ_p a[:, p]·b[p, :],
// the products added in increasing p with FMA into accumulators held in
// registers. With masked, the single vector column is loaded and stored
// through mask, for a row's last columns.
func tile(rows, vecs int, masked bool) {
	name := "tile" + itoa(rows) + "x" + itoa(8*vecs)
	sig := "func(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)"
	if masked {
		sig = "func(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32, mask *[8]int32)"
	}
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(name+" computes a "+itoa(rows)+"×"+itoa(8*vecs)+" tile of c = bias + a·b (see gemmAVX2).",
		"Strides ars, acs, ldb and ldc count float32s; bias may be nil.")

	k := Load(Param("k"), GP64())
	a := Load(Param("a"), GP64())
	ars := Load(Param("ars"), GP64())
	acs := Load(Param("acs"), GP64())
	b := Load(Param("b"), GP64())
	ldb := Load(Param("ldb"), GP64())
	SHLQ(U8(2), ars)
	SHLQ(U8(2), acs)
	SHLQ(U8(2), ldb)
	var mask VecVirtual
	if masked {
		mask = YMM()
		VMOVDQU(Mem{Base: Load(Param("mask"), GP64())}, mask)
	}
	// load reads one vector column at m, through the mask when there is one.
	load := func(m Mem, dst VecVirtual) {
		if masked {
			VMASKMOVPS(m, mask, dst)
		} else {
			VMOVUPS(m, dst)
		}
	}

	acc := make([][]VecVirtual, rows)
	for r := range acc {
		acc[r] = make([]VecVirtual, vecs)
		for v := range acc[r] {
			acc[r][v] = YMM()
		}
	}
	// Row r of a is at a + (r/4)·4·ars + (r%4)·ars: a second base pointer a4
	// serves rows 4–7, so that every row is one addressing mode away.
	var ars3, a4 GPVirtual
	if rows >= 4 {
		ars3 = GP64()
		LEAQ(Mem{Base: ars, Index: ars, Scale: 2}, ars3)
	}
	if rows == 8 {
		a4 = GP64()
		LEAQ(Mem{Base: a, Index: ars, Scale: 4}, a4)
	}
	bias := Load(Param("bias"), GP64())
	TESTQ(bias, bias)
	JZ(LabelRef(name + "_zero"))
	for v := 0; v < vecs; v++ {
		load(Mem{Base: bias, Disp: 32 * v}, acc[0][v])
		for r := 1; r < rows; r++ {
			VMOVAPS(acc[0][v], acc[r][v])
		}
	}
	JMP(LabelRef(name + "_loop"))
	Label(name + "_zero")
	for r := range acc {
		for _, x := range acc[r] {
			VXORPS(x, x, x)
		}
	}

	rowA := func(r int) Mem { return rowAt(a, a4, ars, ars3, r) }

	Label(name + "_loop")
	TESTQ(k, k)
	JZ(LabelRef(name + "_store"))
	bv := make([]VecVirtual, vecs)
	for v := range bv {
		bv[v] = YMM()
		load(Mem{Base: b, Disp: 32 * v}, bv[v])
	}
	x := YMM()
	for r := 0; r < rows; r++ {
		VBROADCASTSS(rowA(r), x)
		for v := 0; v < vecs; v++ {
			VFMADD231PS(bv[v], x, acc[r][v])
		}
	}
	ADDQ(acs, a)
	if rows == 8 {
		ADDQ(acs, a4)
	}
	ADDQ(ldb, b)
	DECQ(k)
	JMP(LabelRef(name + "_loop"))

	Label(name + "_store")
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	for r := 0; r < rows; r++ {
		for v := 0; v < vecs; v++ {
			m := Mem{Base: c, Disp: 32 * v}
			if masked {
				VMASKMOVPS(acc[r][v], mask, m)
			} else {
				VMOVUPS(acc[r][v], m)
			}
		}
		if r+1 < rows {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
}

// unary emits name(dst, x *float32, n int, coef *[ncoef]float32, mask *[8]int32),
// which sets dst[i] = f(x[i]) for i < n (see elementwise). body gets vectors
// of x and the coefficient table and returns f of each; it should interleave
// its steps across the vectors, so that their long dependency chains overlap
// instead of filling the scheduler with one chain's waiting instructions.
func unary(name string, ncoef, lanes int, doc []string, body func(xs []VecVirtual, coef func(int) Mem) []VecVirtual) {
	elementwise(name, []string{"dst", "x"}, ncoef, lanes, doc,
		func(n int, load func(arg, i int) VecVirtual, coef func(int) Mem) []VecVirtual {
			xs := make([]VecVirtual, n)
			for i := range xs {
				xs[i] = load(0, i)
			}
			return body(xs, coef)
		})
}

// elementwise emits name(args[0], args[1], … *float32, n int[, coef *[ncoef]float32], mask *[8]int32),
// which sets args[0][i] = f(args[1][i], …) for i < n: lanes vectors at a time,
// then single vectors, then the last n mod 8 elements loaded and stored
// through mask, so every element takes the same arithmetic. body computes n
// vectors of f; load(k, i) loads vector i of input args[1+k] where body wants
// it, so that an input needed late holds no register meanwhile.
func elementwise(name string, args []string, ncoef, lanes int, doc []string,
	body func(n int, load func(arg, i int) VecVirtual, coef func(int) Mem) []VecVirtual) {
	sig := "func(" + args[0]
	for _, a := range args[1:] {
		sig += ", " + a
	}
	sig += " *float32, n int"
	if ncoef > 0 {
		sig += ", coef *[" + itoa(ncoef) + "]float32"
	}
	TEXT(name, NOSPLIT, sig+", mask *[8]int32)")
	Pragma("noescape")
	Doc(doc...)
	dst := Load(Param(args[0]), GP64())
	src := make([]Register, len(args)-1)
	for k, a := range args[1:] {
		src[k] = Load(Param(a), GP64())
	}
	n := Load(Param("n"), GP64())
	var coef func(int) Mem
	if ncoef > 0 {
		cf := Load(Param("coef"), GP64())
		coef = func(i int) Mem { return Mem{Base: cf, Disp: 4 * i} }
	}

	loop := func(label string, width int) {
		Label(name + label)
		CMPQ(n, U32(8*width))
		JL(LabelRef(name + label + "_done"))
		load := func(k, i int) VecVirtual {
			x := YMM()
			VMOVUPS(Mem{Base: src[k], Disp: 32 * i}, x)
			return x
		}
		for i, y := range body(width, load, coef) {
			VMOVUPS(y, Mem{Base: dst, Disp: 32 * i})
		}
		for _, s := range src {
			ADDQ(U32(32*width), s)
		}
		ADDQ(U32(32*width), dst)
		SUBQ(U32(8*width), n)
		JMP(LabelRef(name + label))
		Label(name + label + "_done")
	}
	if lanes > 1 {
		loop("_wide", lanes)
	}
	loop("_one", 1)
	mask := YMM()
	VMOVDQU(Mem{Base: Load(Param("mask"), GP64())}, mask)
	load := func(k, _ int) VecVirtual {
		x := YMM()
		VMASKMOVPS(Mem{Base: src[k]}, mask, x)
		return x
	}
	VMASKMOVPS(body(1, load, coef)[0], mask, Mem{Base: dst})
	VZEROUPPER()
	RET()
}

// vecs returns n fresh vector registers.
func vecs(n int) []VecVirtual {
	v := make([]VecVirtual, n)
	for i := range v {
		v[i] = YMM()
	}
	return v
}

// tanh emits tanh8, the rational approximation of tanh32 in package kernels,
// two vectors at a time.
func tanh() {
	unary("tanh8", 14, 2, []string{"tanh8 sets dst[i] = tanh(x[i]) for i < n with the coefficients",
		"coef = clamp, tiny², α13, α11, α9, α7, α5, α3, α1, β6, β4, β2, β0, −clamp (see tanh32)."},
		tanhVecs)
}

// tanhVecs emits tanh32 of each of v, with tanh8's coefficients at coef(0…13),
// and returns the results in new registers, v unchanged.
func tanhVecs(v []VecVirtual, coef func(int) Mem) []VecVirtual {
	n := len(v)
	t, t2, p, q, keep := vecs(n), vecs(n), vecs(n), vecs(n), vecs(n)
	c := YMM() // one coefficient at a time, shared by the vectors
	// t = clamp(v); VMAXPS/VMINPS return their second source for a NaN lane,
	// which is the clamp here: NaN lanes are restored from v below.
	VBROADCASTSS(coef(13), c)
	for i := range v {
		VMAXPS(c, v[i], t[i])
	}
	VBROADCASTSS(coef(0), c)
	for i := range v {
		VMINPS(c, t[i], t[i])
		VMULPS(t[i], t[i], t2[i])
	}
	// p = t·(((((α13·t² + α11)·t² + α9)·t² + α7)·t² + α5)·t² + α3)·t² + α1)
	// and q = ((β6·t² + β4)·t² + β2)·t² + β0, q's steps among p's.
	VBROADCASTSS(coef(2), c)
	for i := range v {
		VMOVAPS(c, p[i])
	}
	VBROADCASTSS(coef(9), c)
	for i := range v {
		VMOVAPS(c, q[i])
	}
	for k := 3; k <= 8; k++ {
		VBROADCASTSS(coef(k), c)
		for i := range v {
			VFMADD213PS(c, t2[i], p[i]) // p = p·t² + c
		}
		if k <= 5 {
			VBROADCASTSS(coef(k+7), c)
			for i := range v {
				VFMADD213PS(c, t2[i], q[i])
			}
		}
	}
	for i := range v {
		VMULPS(t[i], p[i], p[i])
		VDIVPS(q[i], p[i], p[i])
	}
	// keep v where v² < tiny² (tanh(v) = v in float32) or v is NaN (unordered).
	VBROADCASTSS(coef(1), c)
	for i := range v {
		VMULPS(v[i], v[i], keep[i])
		VCMPPS(U8(0x19), c, keep[i], keep[i]) // NGE_UQ: not (v² ≥ tiny²), true for NaN
		VBLENDVPS(keep[i], v[i], p[i], p[i])
	}
	return p
}

// exp emits exp8, the Cephes float32 exponential: e^x = 2^n·e^r with
// n = round(x·log₂e) and r = x − n·ln2 (ln2 split in two so r is nearly
// exact), e^r by a degree-7 polynomial. 2^n is built in two halves so n = 128
// stays finite; results below the normal range flush to 0, above it give +Inf.
func exp() {
	unary("exp8", 13, 1, []string{"exp8 sets dst[i] = exp(x[i]) for i < n with the coefficients",
		"coef = lo, hi, log₂e, ln2hi, ln2lo, p0…p5, 1, +Inf (see expCoef)."},
		expVecs)
}

// expVecs emits exp8's exponential of each of x, with expCoef at coef(0…12),
// and returns the results in new registers, x unchanged. Each step goes over
// all the vectors before the next, so that their chains overlap.
func expVecs(x []VecVirtual, coef func(int) Mem) []VecVirtual {
	n := len(x)
	xc, fx, r, y, t := vecs(n), vecs(n), vecs(n), vecs(n), vecs(n)
	tmp := YMM() // one coefficient at a time, shared by the vectors
	// VMAXPS/VMINPS return their second source (x, in Intel order) for a
	// NaN lane, so NaN flows through to the result.
	VBROADCASTSS(coef(0), tmp)
	for i := range x {
		VMAXPS(x[i], tmp, xc[i])
	}
	VBROADCASTSS(coef(1), tmp)
	for i := range x {
		VMINPS(xc[i], tmp, xc[i])
	}
	VBROADCASTSS(coef(2), tmp)
	for i := range x {
		VMULPS(tmp, xc[i], fx[i])
		VROUNDPS(U8(0), fx[i], fx[i]) // to nearest
		VMOVAPS(xc[i], r[i])
	}
	VBROADCASTSS(coef(3), tmp)
	for i := range x {
		VFNMADD231PS(tmp, fx[i], r[i]) // r = x − n·ln2hi
	}
	VBROADCASTSS(coef(4), tmp)
	for i := range x {
		VFNMADD231PS(tmp, fx[i], r[i]) // r −= n·ln2lo
	}
	// y = ((((p0·r + p1)·r + p2)·r + p3)·r + p4)·r + p5, then y·r² + r + 1
	for i := range x {
		VBROADCASTSS(coef(5), y[i])
	}
	for k := 6; k <= 10; k++ {
		VBROADCASTSS(coef(k), tmp)
		for i := range x {
			VFMADD213PS(tmp, r[i], y[i]) // y = y·r + tmp
		}
	}
	VBROADCASTSS(coef(11), tmp)
	for i := range x {
		r1 := YMM()
		VMULPS(r[i], r[i], t[i])
		VADDPS(tmp, r[i], r1)
		VFMADD213PS(r1, t[i], y[i]) // y = y·r² + (r + 1)
	}
	// y·2^h·2^(n−h) with h = n>>1, each factor built in the exponent field.
	bias := YMM()
	VPCMPEQD(bias, bias, bias)
	VPSRLD(U8(25), bias, bias) // 127 in every lane
	for i := range x {
		ni, h := YMM(), YMM()
		VCVTPS2DQ(fx[i], ni)
		VPSRAD(U8(1), ni, h)
		VPSUBD(h, ni, ni)
		for _, e := range []VecVirtual{h, ni} {
			VPADDD(bias, e, e)
			VPSLLD(U8(23), e, e)
			VMULPS(e, y[i], y[i])
		}
	}
	// Outside [lo, hi]: 0 below, +Inf above (ordered compares: NaN stays).
	VBROADCASTSS(coef(0), tmp)
	for i := range x {
		VCMPPS(U8(0x11), tmp, x[i], t[i]) // x < lo
		VANDNPS(y[i], t[i], y[i])
	}
	VBROADCASTSS(coef(1), tmp)
	for i := range x {
		VCMPPS(U8(0x1e), tmp, x[i], t[i]) // x > hi
	}
	VBROADCASTSS(coef(12), tmp)
	for i := range x {
		VBLENDVPS(t[i], tmp, y[i], y[i])
	}
	return y
}

// sigmoid emits sigmoid8: 1/(1 + e^(−x)) with e^(−x) by expVecs. It takes
// expCoef. Negating x is exact, so e^(−x) has exp8's relative accuracy, and
// so does the quotient; for x ≪ 0 the quotient is e^x in effect, with no
// cancellation anywhere. e^(−x) = +Inf (x < −hi) gives 0, e^(−x) = 0 gives 1,
// NaN stays NaN. Two vectors at a time overlap the chains (3.2 µs for 6400
// elements against 3.5 µs one at a time); four need more than 16 registers.
func sigmoid() {
	unary("sigmoid8", 13, 2, []string{"sigmoid8 sets dst[i] = 1/(1 + exp(−x[i])) for i < n with exp8's coefficients",
		"coef = lo, hi, log₂e, ln2hi, ln2lo, p0…p5, 1, +Inf (see expCoef)."},
		func(xs []VecVirtual, coef func(int) Mem) []VecVirtual {
			sign, nx := YMM(), vecs(len(xs))
			VPCMPEQD(sign, sign, sign)
			VPSLLD(U8(31), sign, sign) // −0: only the sign bit
			for i := range xs {
				VXORPS(sign, xs[i], nx[i])
			}
			e := expVecs(nx, coef)
			one := YMM()
			VBROADCASTSS(coef(11), one)
			for i := range e {
				VADDPS(one, e[i], e[i])
				VDIVPS(e[i], one, e[i]) // 1/(1 + e)
			}
			return e
		})
}

// transpose emits transpose8: eight rows of src become eight columns of dst,
// one 8×8 block at a time in registers.
func transpose() {
	TEXT("transpose8", NOSPLIT, "func(dst *float32, ldd int, src *float32, lds int, blocks int)")
	Pragma("noescape")
	Doc("transpose8 sets dst[j][i] = src[i][j] for i < 8, j < 8·blocks; strides count float32s.")
	dst := Load(Param("dst"), GP64())
	ldd := Load(Param("ldd"), GP64())
	src := Load(Param("src"), GP64())
	lds := Load(Param("lds"), GP64())
	n := Load(Param("blocks"), GP64())
	SHLQ(U8(2), ldd)
	SHLQ(U8(2), lds)
	lds3, ldd3 := GP64(), GP64()
	LEAQ(Mem{Base: lds, Index: lds, Scale: 2}, lds3)
	LEAQ(Mem{Base: ldd, Index: ldd, Scale: 2}, ldd3)
	srcHi, dstHi := GP64(), GP64()
	LEAQ(Mem{Base: src, Index: lds, Scale: 4}, srcHi)

	Label("transpose_loop")
	TESTQ(n, n)
	JZ(LabelRef("transpose_done"))
	row := make([]VecVirtual, 8)
	for i := range row {
		row[i] = YMM()
		VMOVUPS(rowAt(src, srcHi, lds, lds3, i), row[i])
	}
	// Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.
	t := make([]VecVirtual, 8)
	for i := 0; i < 8; i += 2 {
		t[i], t[i+1] = YMM(), YMM()
		VUNPCKLPS(row[i+1], row[i], t[i])
		VUNPCKHPS(row[i+1], row[i], t[i+1])
	}
	s := make([]VecVirtual, 8)
	for g := 0; g < 8; g += 4 {
		for h := 0; h < 2; h++ {
			s[g+2*h], s[g+2*h+1] = YMM(), YMM()
			VSHUFPS(U8(0x44), t[g+2+h], t[g+h], s[g+2*h])
			VSHUFPS(U8(0xee), t[g+2+h], t[g+h], s[g+2*h+1])
		}
	}
	LEAQ(Mem{Base: dst, Index: ldd, Scale: 4}, dstHi)
	for j := 0; j < 8; j++ {
		o := YMM()
		imm := U8(0x20)
		if j >= 4 {
			imm = U8(0x31)
		}
		VPERM2F128(imm, s[4+j%4], s[j%4], o)
		VMOVUPS(o, rowAt(dst, dstHi, ldd, ldd3, j))
	}
	ADDQ(U8(32), src)
	ADDQ(U8(32), srcHi)
	LEAQ(Mem{Base: dst, Index: ldd, Scale: 8}, dst)
	DECQ(n)
	JMP(LabelRef("transpose_loop"))
	Label("transpose_done")
	VZEROUPPER()
	RET()
}

// axpy emits axpy8: y += α·x, 8 lanes at a time with FMA and the last n mod 8
// through mask.
func axpy() {
	TEXT("axpy8", NOSPLIT, "func(y, x *float32, n int, alpha float32, mask *[8]int32)")
	Pragma("noescape")
	Doc("axpy8 sets y[i] += alpha·x[i] for i < n; mask selects the first n mod 8 lanes.")
	y := Load(Param("y"), GP64())
	x := Load(Param("x"), GP64())
	n := Load(Param("n"), GP64())
	alpha := YMM()
	VBROADCASTSS(Load(Param("alpha"), XMM()), alpha)
	mask := YMM()
	VMOVDQU(Mem{Base: Load(Param("mask"), GP64())}, mask)
	Label("axpy_loop")
	CMPQ(n, U8(8))
	JL(LabelRef("axpy_tail"))
	v := YMM()
	VMOVUPS(Mem{Base: y}, v)
	VFMADD231PS(Mem{Base: x}, alpha, v)
	VMOVUPS(v, Mem{Base: y})
	ADDQ(U8(32), x)
	ADDQ(U8(32), y)
	SUBQ(U8(8), n)
	JMP(LabelRef("axpy_loop"))
	Label("axpy_tail")
	w, u := YMM(), YMM()
	VMASKMOVPS(Mem{Base: y}, mask, w)
	VMASKMOVPS(Mem{Base: x}, mask, u)
	VFMADD231PS(u, alpha, w)
	VMASKMOVPS(w, mask, Mem{Base: y})
	VZEROUPPER()
	RET()
}

// adamw emits adamw8, AdamW's update of n parameters in place, with the
// operations of adamwPortable one for one (no FMA), so that both sets give
// the same bits: coef holds 1−β1, β2, 1−β2, the decay factor 1 − lr·wd, the
// step lr/(1−β1^t), √(1−β2^t) and eps.
func adamw() {
	TEXT("adamw8", NOSPLIT, "func(p, grad, m, v *float32, n int, coef *[7]float32, mask *[8]int32)")
	Pragma("noescape")
	Doc("adamw8 applies AdamW's update to p, m and v from grad for i < n; mask selects the first n mod 8 lanes.")
	p, g, m, v := Load(Param("p"), GP64()), Load(Param("grad"), GP64()), Load(Param("m"), GP64()), Load(Param("v"), GP64())
	n := Load(Param("n"), GP64())
	cf := Load(Param("coef"), GP64())
	c := vecs(7)
	for i, x := range c {
		VBROADCASTSS(Mem{Base: cf, Disp: 4 * i}, x)
	}
	b1, b2, nb2, decay, step, bc2, eps := c[0], c[1], c[2], c[3], c[4], c[5], c[6]
	mask := YMM()
	VMOVDQU(Mem{Base: Load(Param("mask"), GP64())}, mask)
	body := func(load func(Register) VecVirtual, store func(VecVirtual, Register)) {
		gv, mv, vv, pv := load(g), load(m), load(v), load(p)
		t := YMM()
		VSUBPS(mv, gv, t) // g − m
		VMULPS(t, b1, t)
		VADDPS(t, mv, mv) // m + (1−β1)·(g − m)
		u, w := YMM(), YMM()
		VMULPS(gv, nb2, u)
		VMULPS(gv, u, u) // (1−β2)·g·g
		VMULPS(vv, b2, w)
		VADDPS(u, w, vv) // β2·v + (1−β2)·g²
		d := YMM()
		VSQRTPS(vv, d)
		VDIVPS(bc2, d, d)
		VADDPS(eps, d, d) // √v/√(1−β2^t) + eps
		q := YMM()
		VDIVPS(d, mv, q)
		VMULPS(q, step, q)
		VMULPS(pv, decay, pv)
		VSUBPS(q, pv, pv) // p·(1 − lr·wd) − step·m/d
		store(mv, m)
		store(vv, v)
		store(pv, p)
	}
	Label("adamw_loop")
	CMPQ(n, U8(8))
	JL(LabelRef("adamw_tail"))
	body(func(r Register) VecVirtual {
		x := YMM()
		VMOVUPS(Mem{Base: r}, x)
		return x
	}, func(x VecVirtual, r Register) { VMOVUPS(x, Mem{Base: r}) })
	for _, r := range []Register{p, g, m, v} {
		ADDQ(U8(32), r)
	}
	SUBQ(U8(8), n)
	JMP(LabelRef("adamw_loop"))
	Label("adamw_tail")
	body(func(r Register) VecVirtual {
		x := YMM()
		VMASKMOVPS(Mem{Base: r}, mask, x)
		return x
	}, func(x VecVirtual, r Register) { VMASKMOVPS(x, mask, Mem{Base: r}) })
	VZEROUPPER()
	RET()
}

// columnOps emits the element-wise kernels around the products. Each streams
// a [rows × cols] matrix row by row, 8 columns at a time and the last cols mod 8
// through mask, combining each element with per-column vectors: rows = 1 makes
// them plain vector operations.
func columnOps() {
	// colSums: s[j] += Σ_i x[i][j], in row order.
	streamKernel("colSums", "func(s, x *float32, rows, cols int, mask *[8]int32)",
		[]string{"x"}, []string{"s"}, func(o *ops) {
			acc := o.load("s")
			VADDPS(o.load("x"), acc, acc)
			o.store(acc, "s")
		})
	// colDots: s[j] += Σ_i x[i][j]·y[i][j], in row order.
	streamKernel("colDots", "func(s, x, y *float32, rows, cols int, mask *[8]int32)",
		[]string{"x", "y"}, []string{"s"}, func(o *ops) {
			acc := o.load("s")
			VFMADD231PS(o.load("x"), o.load("y"), acc)
			o.store(acc, "s")
		})
	// colAffine: out[i][j] = x[i][j]·scale[j] + shift[j].
	streamKernel("colAffine", "func(out, x *float32, rows, cols int, scale, shift *float32, mask *[8]int32)",
		[]string{"out", "x"}, []string{"scale", "shift"}, func(o *ops) {
			v := o.load("scale")
			VFMADD213PS(o.load("shift"), o.load("x"), v) // v = v·x + shift
			o.store(v, "out")
		})
	// colAffine2: out[i][j] = x[i][j]·sx[j] + y[i][j]·sy[j] + shift[j].
	streamKernel("colAffine2", "func(out, x, y *float32, rows, cols int, sx, sy, shift *float32, mask *[8]int32)",
		[]string{"out", "x", "y"}, []string{"sx", "sy", "shift"}, func(o *ops) {
			v := o.load("sx")
			VFMADD213PS(o.load("shift"), o.load("x"), v) // v = sx·x + shift
			w := o.load("sy")
			VFMADD231PS(o.load("y"), w, v) // v += sy·y
			o.store(v, "out")
		})
	// tanhGrad: out = (1 − h²)·dh, computed as dh − h²·dh.
	streamKernel("tanhGrad", "func(out, h, dh *float32, rows, cols int, mask *[8]int32)",
		[]string{"out", "h", "dh"}, nil, func(o *ops) {
			h := o.load("h")
			VMULPS(h, h, h)
			d := o.load("dh")
			VFNMADD231PS(d, h, d) // d = d − h²·d
			o.store(d, "out")
		})
}

// activations emits relu8, reluGrad8, sigmoidGrad8, gelu8 and geluGrad8. The
// GELU kernels take geluCoef: tanh8's 14 coefficients, then C1, C0, 0.5, C3
// and 1 (see gelu32 and geluGrad32), and interleave two vectors for the
// tanh's chains.
func activations() {
	elementwise("relu8", []string{"dst", "x"}, 0, 4, []string{"relu8 sets dst[i] = max(x[i], 0) for i < n."},
		func(n int, load func(arg, i int) VecVirtual, _ func(int) Mem) []VecVirtual {
			zero, y := YMM(), vecs(n)
			VXORPS(zero, zero, zero)
			for i := range y {
				VMAXPS(load(0, i), zero, y[i]) // x is the second source: NaN stays NaN
			}
			return y
		})
	elementwise("reluGrad8", []string{"out", "y", "dy"}, 0, 4,
		[]string{"reluGrad8 sets out[i] = dy[i] where y[i] > 0, else 0, for i < n."},
		func(n int, load func(arg, i int) VecVirtual, _ func(int) Mem) []VecVirtual {
			zero, m := YMM(), vecs(n)
			VXORPS(zero, zero, zero)
			for i := range m {
				VCMPPS(U8(0x1e), zero, load(0, i), m[i]) // GT_OQ: y > 0, false for NaN
				VANDPS(load(1, i), m[i], m[i])
			}
			return m
		})
	// sigmoidGrad8 rounds as sigmoidGradPortable does, op for op (no FMA),
	// so that every set gives the same bits.
	elementwise("sigmoidGrad8", []string{"out", "s", "ds"}, 1, 4,
		[]string{"sigmoidGrad8 sets out[i] = (1 − s[i])·(s[i]·ds[i]) for i < n; coef = 1."},
		func(n int, load func(arg, i int) VecVirtual, coef func(int) Mem) []VecVirtual {
			one, u := YMM(), vecs(n)
			VBROADCASTSS(coef(0), one)
			for i := range u {
				s := load(0, i)
				VSUBPS(s, one, u[i]) // 1 − s
				VMULPS(load(1, i), s, s)
				VMULPS(s, u[i], u[i])
			}
			return u
		})
	const c1, c0, half, c3, one = 14, 15, 16, 17, 18
	// geluArg returns u = x·(C1·x² + C0) of each x, the tanh's argument, and x².
	geluArg := func(x []VecVirtual, coef func(int) Mem) (u, x2 []VecVirtual) {
		u, x2 = vecs(len(x)), vecs(len(x))
		c := YMM()
		VBROADCASTSS(coef(c0), c)
		for i := range x {
			VMULPS(x[i], x[i], x2[i])
			VBROADCASTSS(coef(c1), u[i])
			VFMADD213PS(c, x2[i], u[i]) // u = C1·x² + C0
			VMULPS(x[i], u[i], u[i])
		}
		return u, x2
	}
	// saturate sets r to 0 where u ≤ −clamp and to hi where u ≥ clamp, as
	// gelu32 and geluGrad32 return before the tanh (ordered: NaN stays).
	saturate := func(r, u []VecVirtual, hi func(i int) Op, coef func(int) Mem) {
		c, m := YMM(), YMM()
		VBROADCASTSS(coef(13), c)
		for i := range r {
			VCMPPS(U8(0x12), c, u[i], m) // LE_OQ: u ≤ −clamp
			VANDNPS(r[i], m, r[i])
		}
		VBROADCASTSS(coef(0), c)
		for i := range r {
			VCMPPS(U8(0x1d), c, u[i], m) // GE_OQ: u ≥ clamp
			VBLENDVPS(m, hi(i), r[i], r[i])
		}
	}
	geluDoc := "coef = tanh8's, C1, C0, 0.5, C3, 1 (see geluCoef)."
	elementwise("gelu8", []string{"dst", "x"}, 19, 2,
		[]string{"gelu8 sets dst[i] = GELU(x[i]) for i < n with the coefficients", geluDoc},
		func(n int, load func(arg, i int) VecVirtual, coef func(int) Mem) []VecVirtual {
			x := make([]VecVirtual, n)
			for i := range x {
				x[i] = load(0, i)
			}
			u, _ := geluArg(x, coef)
			t := tanhVecs(u, coef)
			// h + h·t with h = 0.5·x
			c := YMM()
			VBROADCASTSS(coef(half), c)
			for i := range x {
				h := YMM()
				VMULPS(c, x[i], h)
				VFMADD213PS(h, h, t[i]) // t = h·t + h
			}
			saturate(t, u, func(i int) Op { return x[i] }, coef)
			return t
		})
	elementwise("geluGrad8", []string{"out", "x", "dy"}, 19, 2,
		[]string{"geluGrad8 sets out[i] = GELU'(x[i])·dy[i] for i < n with the coefficients", geluDoc},
		func(n int, load func(arg, i int) VecVirtual, coef func(int) Mem) []VecVirtual {
			x := make([]VecVirtual, n)
			for i := range x {
				x[i] = load(0, i)
			}
			u, x2 := geluArg(x, coef)
			t := tanhVecs(u, coef)
			// 0.5 + 0.5·t + h·(1 − t²)·(C3·x² + C0) with h = 0.5·x
			c, w, s := YMM(), vecs(n), vecs(n)
			VBROADCASTSS(coef(c0), c)
			for i := range x {
				VBROADCASTSS(coef(c3), w[i])
				VFMADD213PS(c, x2[i], w[i]) // w = C3·x² + C0
			}
			VBROADCASTSS(coef(one), c)
			for i := range x {
				VMOVAPS(c, s[i])
				VFNMADD231PS(t[i], t[i], s[i]) // s = 1 − t²
			}
			VBROADCASTSS(coef(half), c)
			for i := range x {
				VMULPS(c, x[i], x[i]) // h
				VMULPS(x[i], s[i], s[i])
				VMULPS(w[i], s[i], s[i])
				VFMADD213PS(c, c, t[i]) // t = 0.5·t + 0.5
				VADDPS(s[i], t[i], t[i])
			}
			VBROADCASTSS(coef(one), c)
			saturate(t, u, func(int) Op { return c }, coef)
			for i := range t {
				VMULPS(load(1, i), t[i], t[i])
			}
			return t
		})
}

// spinPause emits spinPause, the pool's pause between two polls of a spin-wait.
func spinPause() {
	TEXT("spinPause", NOSPLIT, "func(n int)")
	Doc("spinPause executes PAUSE n times: a spinning thread's hint to the CPU, which then",
		"gives its core's resources to the other hardware thread sharing it, if any.")
	n := Load(Param("n"), GP64())
	Label("pause_loop")
	PAUSE()
	DECQ(n)
	JNZ(LabelRef("pause_loop"))
	RET()
}

// ops gives a streamKernel body its operands at the current row and column.
type ops struct {
	masked bool
	mask   VecVirtual
	j      GPVirtual // byte offset of the column block within a row
	ptr    map[string]Register
}

func (o *ops) at(name string) Mem { return Mem{Base: o.ptr[name], Index: o.j, Scale: 1} }

func (o *ops) load(name string) VecVirtual {
	v := YMM()
	if o.masked {
		VMASKMOVPS(o.at(name), o.mask, v)
	} else {
		VMOVUPS(o.at(name), v)
	}
	return v
}

func (o *ops) store(v VecVirtual, name string) {
	if o.masked {
		VMASKMOVPS(v, o.mask, o.at(name))
	} else {
		VMOVUPS(v, o.at(name))
	}
}

// streamKernel emits a kernel whose row operands advance by a row per row and
// whose column operands stay put.
func streamKernel(name, sig string, rowArgs, colArgs []string, body func(*ops)) {
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(name + " (see the element-wise kernels in kernel.go).")
	o := &ops{ptr: map[string]Register{}}
	for _, a := range append(append([]string{}, rowArgs...), colArgs...) {
		o.ptr[a] = Load(Param(a), GP64())
	}
	rows := Load(Param("rows"), GP64())
	cols := Load(Param("cols"), GP64())
	o.mask = YMM()
	VMOVDQU(Mem{Base: Load(Param("mask"), GP64())}, o.mask)
	rowBytes, full := GP64(), GP64()
	MOVQ(cols, rowBytes)
	SHLQ(U8(2), rowBytes)
	MOVQ(cols, full)
	SHRQ(U8(3), full)
	SHLQ(U8(5), full) // bytes in whole vectors
	o.j = GP64()

	Label(name + "_row")
	TESTQ(rows, rows)
	JZ(LabelRef(name + "_done"))
	XORQ(o.j, o.j)
	Label(name + "_col")
	CMPQ(o.j, full)
	JGE(LabelRef(name + "_tail"))
	o.masked = false
	body(o)
	ADDQ(U8(32), o.j)
	JMP(LabelRef(name + "_col"))
	Label(name + "_tail")
	o.masked = true
	body(o)
	for _, a := range rowArgs {
		ADDQ(rowBytes, o.ptr[a])
	}
	DECQ(rows)
	JMP(LabelRef(name + "_row"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// rowAt addresses row r < 8 of a matrix whose rows are stride bytes apart:
// rows 0–3 from base, rows 4–7 from hi = base + 4·stride, each one addressing
// mode (stride3 = 3·stride), so no row needs a pointer of its own.
func rowAt(base, hi, stride, stride3 Register, r int) Mem {
	b := base
	if r >= 4 {
		b = hi
	}
	switch r % 4 {
	case 0:
		return Mem{Base: b}
	case 1:
		return Mem{Base: b, Index: stride, Scale: 1}
	case 2:
		return Mem{Base: b, Index: stride, Scale: 2}
	default:
		return Mem{Base: b, Index: stride3, Scale: 1}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + itoa(n%10)
}
