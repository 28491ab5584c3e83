// Command asm generates the AVX2+FMA kernels of package matmul with avo:
//
//	cd internal/matmul/asm && go run . -out ../kernel_amd64.s -stubs ../kernel_amd64.go -pkg matmul
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
	tile(4, 1, true)
	tile(1, 1, true)
	tanh()
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
	var ars3 GPVirtual
	if rows == 4 {
		ars3 = GP64()
		LEAQ(Mem{Base: ars, Index: ars, Scale: 2}, ars3)
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

	rowA := func(r int) Mem {
		switch r {
		case 0:
			return Mem{Base: a}
		case 1:
			return Mem{Base: a, Index: ars, Scale: 1}
		case 2:
			return Mem{Base: a, Index: ars, Scale: 2}
		default:
			return Mem{Base: a, Index: ars3, Scale: 1}
		}
	}

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

// tanh emits tanh8, the rational approximation of tanh32 in package matmul
// applied to 8 lanes at a time.
func tanh() {
	TEXT("tanh8", NOSPLIT, "func(dst, x *float32, blocks int, coef *[14]float32)")
	Pragma("noescape")
	Doc("tanh8 sets dst[i] = tanh(x[i]) for 8·blocks elements with the coefficients",
		"coef = clamp, tiny², α13, α11, α9, α7, α5, α3, α1, β6, β4, β2, β0, −clamp (see tanh32).")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("x"), GP64())
	n := Load(Param("blocks"), GP64())
	cf := Load(Param("coef"), GP64())
	coef := func(i int) Mem { return Mem{Base: cf, Disp: 4 * i} }

	Label("tanh_loop")
	TESTQ(n, n)
	JZ(LabelRef("tanh_done"))
	v, t, t2, p, q, keep, tmp := YMM(), YMM(), YMM(), YMM(), YMM(), YMM(), YMM()
	VMOVUPS(Mem{Base: src}, v)
	// t = clamp(v); VMAXPS/VMINPS return their second source for a NaN lane,
	// which is the clamp here: NaN lanes are restored from v below.
	VBROADCASTSS(coef(13), tmp)
	VMAXPS(tmp, v, t)
	VBROADCASTSS(coef(0), tmp)
	VMINPS(tmp, t, t)
	VMULPS(t, t, t2)
	// p = t·(((((α13·t² + α11)·t² + α9)·t² + α7)·t² + α5)·t² + α3)·t² + α1)
	VBROADCASTSS(coef(2), p)
	for i := 3; i <= 8; i++ {
		VBROADCASTSS(coef(i), tmp)
		VFMADD213PS(tmp, t2, p) // p = p·t² + tmp
	}
	VMULPS(t, p, p)
	// q = ((β6·t² + β4)·t² + β2)·t² + β0
	VBROADCASTSS(coef(9), q)
	for i := 10; i <= 12; i++ {
		VBROADCASTSS(coef(i), tmp)
		VFMADD213PS(tmp, t2, q)
	}
	VDIVPS(q, p, p)
	// keep v where v² < tiny² (tanh(v) = v in float32) or v is NaN (unordered).
	VMULPS(v, v, tmp)
	VBROADCASTSS(coef(1), keep)
	VCMPPS(U8(0x19), keep, tmp, keep) // NGE_UQ: not (v² ≥ tiny²), true for NaN
	VBLENDVPS(keep, v, p, p)
	VMOVUPS(p, Mem{Base: dst})
	ADDQ(U8(32), src)
	ADDQ(U8(32), dst)
	DECQ(n)
	JMP(LabelRef("tanh_loop"))
	Label("tanh_done")
	VZEROUPPER()
	RET()
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + itoa(n%10)
}
