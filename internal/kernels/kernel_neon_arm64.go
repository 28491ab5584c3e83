package kernels

import "golang.org/x/sys/cpu"

// neonSet is the arm64 set, NEON (AdvSIMD) in hand-written Go assembly
// (kernel_neon_arm64.s): 4-wide float32 vectors and 32 vector registers, so
// that the product tiles hold 24 accumulators. Every kernel is assembly.
var neonSet = kernelSet{
	id:          "neon",
	description: "neon (arm64 assembly)",
	// AdvSIMD is mandatory in ARMv8-A, so this holds wherever Go runs; the
	// set asks as the others do rather than assume it.
	supported:   func() bool { return cpu.ARM64.HasASIMD },
	tileRows:    neonTiles[0].rows,
	gemm:        gemmNEON,
	tanh:        tanhNEON,
	exp:         expNEON,
	axpy:        axpyNEON,
	adamw:       adamwNEON,
	transpose:   transposeNEON,
	colSums:     colSumsNEON,
	colDots:     colDotsNEON,
	colAffine:   colAffineNEON,
	colAffine2:  colAffine2NEON,
	tanhGrad:    tanhGradNEON,
	relu:        reluNEON,
	reluGrad:    reluGradNEON,
	gelu:        geluNEON,
	geluGrad:    geluGradNEON,
	sigmoid:     sigmoidNEON,
	sigmoidGrad: sigmoidGradNEON,
}

// tileFunc computes a tile of c = bias + a·b at a, b and c (see gemmNEON);
// strides count float32s, bias may be nil.
type tileFunc func(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)

// neonTiles are the register tiles by height, tallest first, 12 columns wide
// and 4 wide. The 8×12 tile's 24 accumulators are what hides FMLA's latency
// (4 cycles on 4 pipes wants 16 in flight); the shorter ones finish the last
// rows.
var neonTiles = []struct {
	rows         int
	wide, narrow tileFunc
}{{8, neonTile8x12, neonTile8x4}, {4, neonTile4x12, neonTile4x4}, {2, neonTile2x12, neonTile2x4}, {1, neonTile1x12, neonTile1x4}}

// gemmNEON covers rows [lo, hi) of c with the tallest tiles that fit, 12
// columns at a time, then 4-wide tiles for the columns left over, the last
// one moved back to end at column n: it computes some columns again, to the
// same bits, where a scalar tail would cost more. Rows narrower than a vector
// go one element at a time. Every element starts from the bias and adds
// a[i][p]·b[p][j] in increasing p, rounded once each (FMLA, or FMADD for the
// narrow rows), so no element depends on the tile it falls in.
func gemmNEON(c, a, b, bias []float32, lo, hi, k, n, ld, ars, acs int) {
	if lo >= hi || n == 0 {
		return
	}
	if k == 0 { // no products: the bias or 0, which the tiles' loops cannot do
		gemmPortable(c, a, b, bias, lo, hi, k, n, ld, ars, acs)
		return
	}
	// The assembly trusts its pointers: check the farthest element each operand
	// is read or written at, once.
	_ = c[(hi-1)*ld+n-1]
	_ = a[(hi-1)*ars+(k-1)*acs]
	_ = b[(k-1)*ld+n-1]
	if bias != nil {
		_ = bias[n-1]
	}
	if n < 4 {
		for i := lo; i < hi; i++ {
			for j := range n {
				var init float32
				if bias != nil {
					init = bias[j]
				}
				c[i*ld+j] = neonDot(k, &a[i*ars], acs, &b[j], ld, init)
			}
		}
		return
	}
	biasAt := func(j int) *float32 {
		if bias == nil {
			return nil
		}
		return &bias[j]
	}
	i := lo
	for _, t := range neonTiles {
		for ; i+t.rows <= hi; i += t.rows {
			j := 0
			for ; j+12 <= n; j += 12 {
				t.wide(k, &a[i*ars], ars, acs, &b[j], ld, &c[i*ld+j], ld, biasAt(j))
			}
			for ; j < n; j += 4 {
				at := min(j, n-4)
				t.narrow(k, &a[i*ars], ars, acs, &b[at], ld, &c[i*ld+at], ld, biasAt(at))
			}
		}
	}
}

// transposeNEON moves 4×4 blocks through registers. The ragged right and
// bottom edges are covered by one more block each, shifted back to end at the
// edge, as transposeAVX2 does. Matrices under 4 on a side go the portable way.
func transposeNEON(dst, src []float32, r, c, ld int) {
	if r < 4 || c < 4 {
		transposePortable(dst, src, r, c, ld)
		return
	}
	_ = dst[(c-1)*ld+r-1]
	_ = src[r*c-1]
	for i := 0; ; i = min(i+4, r-4) {
		neonTranspose(&dst[i], ld, &src[i*c], c, c/4)
		if c%4 != 0 {
			neonTranspose(&dst[(c-4)*ld+i], ld, &src[i*c+c-4], c, 1)
		}
		if i == r-4 {
			return
		}
	}
}

// neonBlock is how many elements the flat element-wise kernels take at a time:
// two vectors, whose chains overlap.
const neonBlock = 8

// The element-wise wrappers below get slices already cut to their exact
// lengths by the exported functions in kernel.go, and an empty operand has
// nothing to do. The assembly takes whole blocks: the last len mod neonBlock
// elements go through block-long copies, so that they take the same
// instructions as the others. Each wrapper calls its assembly itself: through
// a function value, the copies would escape to the heap.

// whole is n rounded down to whole blocks.
func whole(n int) int { return n &^ (neonBlock - 1) }

// block is a block-long copy of the last elements of an operand.
type block [neonBlock]float32

// in copies x to the start of b and returns where b starts.
func (b *block) in(x []float32) *float32 {
	copy(b[:], x)
	return &b[0]
}

// out copies b's first len(dst) elements to dst.
func (b *block) out(dst []float32) { copy(dst, b[:]) }

// tanhGELUCoef are the constants of neonTanh (the first 14), neonGELU and
// neonGELUGrad, in the order the assembly loads them into registers: clamp,
// −clamp, tiny², α13…α1, β6…β0 (see tanh32), then GELU's C1, C0, 0.5, C3, 1
// (see gelu32 and geluGrad32).
var tanhGELUCoef = [19]float32{tanhClamp, -tanhClamp, tanhTiny * tanhTiny,
	alpha13, alpha11, alpha9, alpha7, alpha5, alpha3, alpha1, beta6, beta4, beta2, beta0,
	geluC1, geluC0, 0.5, geluC3, 1}

func tanhNEON(dst, x []float32) {
	n := whole(len(x))
	if n > 0 {
		neonTanh(&dst[0], &x[0], n, &tanhGELUCoef)
	}
	if n < len(x) {
		var b block
		neonTanh(&b[0], b.in(x[n:]), neonBlock, &tanhGELUCoef)
		b.out(dst[n:])
	}
}

func expNEON(dst, x []float32) {
	n := whole(len(x))
	if n > 0 {
		neonExp(&dst[0], &x[0], n, &expCoef)
	}
	if n < len(x) {
		var b block
		neonExp(&b[0], b.in(x[n:]), neonBlock, &expCoef)
		b.out(dst[n:])
	}
}

// sigmoidNEON takes expCoef: its e^(−x) is neonExp's, code and constants.
func sigmoidNEON(dst, x []float32) {
	n := whole(len(x))
	if n > 0 {
		neonSigmoid(&dst[0], &x[0], n, &expCoef)
	}
	if n < len(x) {
		var b block
		neonSigmoid(&b[0], b.in(x[n:]), neonBlock, &expCoef)
		b.out(dst[n:])
	}
}

func geluNEON(dst, x []float32) {
	n := whole(len(x))
	if n > 0 {
		neonGELU(&dst[0], &x[0], n, &tanhGELUCoef)
	}
	if n < len(x) {
		var b block
		neonGELU(&b[0], b.in(x[n:]), neonBlock, &tanhGELUCoef)
		b.out(dst[n:])
	}
}

func geluGradNEON(out, x, dy []float32) {
	n := whole(len(x))
	if n > 0 {
		neonGELUGrad(&out[0], &x[0], &dy[0], n, &tanhGELUCoef)
	}
	if n < len(x) {
		var bx, bdy block
		neonGELUGrad(&bx[0], bx.in(x[n:]), bdy.in(dy[n:]), neonBlock, &tanhGELUCoef)
		bx.out(out[n:])
	}
}

func reluNEON(dst, x []float32) {
	n := whole(len(x))
	if n > 0 {
		neonReLU(&dst[0], &x[0], n)
	}
	if n < len(x) {
		var b block
		neonReLU(&b[0], b.in(x[n:]), neonBlock)
		b.out(dst[n:])
	}
}

func reluGradNEON(out, y, dy []float32) {
	n := whole(len(y))
	if n > 0 {
		neonReLUGrad(&out[0], &y[0], &dy[0], n)
	}
	if n < len(y) {
		var by, bdy block
		neonReLUGrad(&by[0], by.in(y[n:]), bdy.in(dy[n:]), neonBlock)
		by.out(out[n:])
	}
}

func sigmoidGradNEON(out, s, ds []float32) {
	n := whole(len(s))
	if n > 0 {
		neonSigmoidGrad(&out[0], &s[0], &ds[0], n)
	}
	if n < len(s) {
		var bs, bds block
		neonSigmoidGrad(&bs[0], bs.in(s[n:]), bds.in(ds[n:]), neonBlock)
		bs.out(out[n:])
	}
}

func tanhGradNEON(out, h, dh []float32) {
	n := whole(len(h))
	if n > 0 {
		neonTanhGrad(&out[0], &h[0], &dh[0], n)
	}
	if n < len(h) {
		var bh, bdh block
		neonTanhGrad(&bh[0], bh.in(h[n:]), bdh.in(dh[n:]), neonBlock)
		bh.out(out[n:])
	}
}

func axpyNEON(y []float32, alpha float32, x []float32) {
	n := whole(len(x))
	if n > 0 {
		neonAxpy(&y[0], &x[0], n, alpha)
	}
	if n < len(x) {
		var by, bx block
		neonAxpy(by.in(y[n:]), bx.in(x[n:]), neonBlock, alpha)
		by.out(y[n:])
	}
}

func adamwNEON(p, g, m, v []float32, c *AdamWCoef) {
	n := whole(len(g))
	if n > 0 {
		neonAdamW(&p[0], &g[0], &m[0], &v[0], n, (*[7]float32)(c))
	}
	if n < len(g) {
		var bp, bg, bm, bv block
		neonAdamW(bp.in(p[n:]), bg.in(g[n:]), bm.in(m[n:]), bv.in(v[n:]), neonBlock, (*[7]float32)(c))
		bp.out(p[n:])
		bm.out(m[n:])
		bv.out(v[n:])
	}
}

func colSumsNEON(s, x []float32, rows, cols int) {
	if len(x) > 0 {
		neonColSums(&s[0], &x[0], rows, cols)
	}
}

func colDotsNEON(s, x, y []float32, rows, cols int) {
	if len(x) > 0 {
		neonColDots(&s[0], &x[0], &y[0], rows, cols)
	}
}

func colAffineNEON(out, x, scale, shift []float32, rows, cols int) {
	if len(x) > 0 {
		neonColAffine(&out[0], &x[0], rows, cols, &scale[0], &shift[0])
	}
}

func colAffine2NEON(out, x, y, sx, sy, shift []float32, rows, cols int) {
	if len(x) > 0 {
		neonColAffine2(&out[0], &x[0], &y[0], rows, cols, &sx[0], &sy[0], &shift[0])
	}
}

// The assembly kernels: see kernel_neon_arm64.s.

//go:noescape
func neonTile8x12(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)

//go:noescape
func neonTile4x12(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)

//go:noescape
func neonTile2x12(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)

//go:noescape
func neonTile1x12(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)

//go:noescape
func neonTile8x4(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)

//go:noescape
func neonTile4x4(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)

//go:noescape
func neonTile2x4(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)

//go:noescape
func neonTile1x4(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)

// neonDot is init + Σ_p a[p·acs]·b[p·ldb] over p < k, k ≥ 1, in increasing p
// with FMADD.
//
//go:noescape
func neonDot(k int, a *float32, acs int, b *float32, ldb int, init float32) float32

// neonTranspose sets dst[j][i] = src[i][j] for i < 4, j < 4·blocks; strides
// count float32s.
//
//go:noescape
func neonTranspose(dst *float32, ldd int, src *float32, lds int, blocks int)

// The flat element-wise kernels take n, a multiple of neonBlock, elements.

//go:noescape
func neonAxpy(y, x *float32, n int, alpha float32)

//go:noescape
func neonAdamW(p, grad, m, v *float32, n int, coef *[7]float32)

//go:noescape
func neonReLU(dst, x *float32, n int)

//go:noescape
func neonReLUGrad(out, y, dy *float32, n int)

//go:noescape
func neonSigmoidGrad(out, s, ds *float32, n int)

//go:noescape
func neonTanhGrad(out, h, dh *float32, n int)

//go:noescape
func neonTanh(dst, x *float32, n int, coef *[19]float32)

//go:noescape
func neonGELU(dst, x *float32, n int, coef *[19]float32)

//go:noescape
func neonGELUGrad(out, x, dy *float32, n int, coef *[19]float32)

//go:noescape
func neonExp(dst, x *float32, n int, coef *[13]float32)

//go:noescape
func neonSigmoid(dst, x *float32, n int, coef *[13]float32)

// The column passes take rows, cols ≥ 1 (see the element-wise kernels in
// kernel.go).

//go:noescape
func neonColSums(s, x *float32, rows, cols int)

//go:noescape
func neonColDots(s, x, y *float32, rows, cols int)

//go:noescape
func neonColAffine(out, x *float32, rows, cols int, scale, shift *float32)

//go:noescape
func neonColAffine2(out, x, y *float32, rows, cols int, sx, sy, shift *float32)
