package kernels

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:generate sh -c "cd asm && go run . -out ../kernel_avx2_generated_amd64.s -stubs ../kernel_avx2_generated_amd64.go -pkg kernels"

var avx2Set = kernelSet{
	id:          "avx2",
	description: "avx2+fma (avo assembly)",
	supported:   func() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA },
	tileRows:    tiles[0].rows,
	gemm:        gemmAVX2,
	tanh:        tanhAVX2,
	exp:         expAVX2,
	axpy:        axpyAVX2,
	adamw:       adamwAVX2,
	transpose:   transposeAVX2,
	colSums:     colSumsAVX2,
	colDots:     colDotsAVX2,
	colAffine:   colAffineAVX2,
	colAffine2:  colAffine2AVX2,
	tanhGrad:    tanhGradAVX2,
	relu:        reluAVX2,
	reluGrad:    reluGradAVX2,
	gelu:        geluAVX2,
	geluGrad:    geluGradAVX2,
	sigmoid:     sigmoidAVX2,
	sigmoidGrad: sigmoidGradAVX2,
}

// laneMasks[r] selects the first r lanes of a vector, for VMASKMOVPS.
var laneMasks = func() (m [9][8]int32) {
	for r := range m {
		for l := range r {
			m[r][l] = -1
		}
	}
	return m
}()

// gemmAVX2 covers rows [lo, hi) of c with the tallest register tiles that
// fit (see tiles): 24 columns at a time, then masked 8-wide tiles for the
// columns left over. Every tile starts from the bias and adds a[i][p]·b[p][j]
// in increasing p with FMA, so no element depends on the tile it falls in.
func gemmAVX2(c, a, b, bias []float32, lo, hi, k, n, ld, ars, acs int) {
	if lo >= hi || n == 0 {
		return
	}
	if k == 0 {
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
	biasAt := func(j int) *float32 {
		if bias == nil {
			return nil
		}
		return &bias[j]
	}
	i := lo
	for _, t := range tiles {
		for ; i+t.rows <= hi; i += t.rows {
			j := 0
			for ; j+24 <= n; j += 24 {
				t.wide(k, &a[i*ars], ars, acs, &b[j], ld, &c[i*ld+j], ld, biasAt(j))
			}
			for ; j < n; j += 8 {
				t.masked(k, &a[i*ars], ars, acs, &b[j], ld, &c[i*ld+j], ld, biasAt(j), &laneMasks[min(8, n-j)])
			}
		}
	}
}

// tiles are the register tiles by height, tallest first: a taller tile reads
// each b vector once for more rows, and the shorter ones finish the last rows.
// For the columns left over, the 8×8 tile's eight accumulators keep both FMA
// units busy where a 4×8 one would wait on each FMA's latency.
var tiles = []struct {
	rows   int
	wide   func(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32)
	masked func(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32, mask *[8]int32)
}{{8, tile8x24, tile8x8}, {4, tile4x24, tile4x8}, {2, tile2x24, tile2x8}, {1, tile1x24, tile1x8}}

// tile8x24 is two 4×24 tiles, one above the other: 8×24 accumulators would
// need more vector registers than there are.
func tile8x24(k int, a *float32, ars, acs int, b *float32, ldb int, c *float32, ldc int, bias *float32) {
	tile4x24(k, a, ars, acs, b, ldb, c, ldc, bias)
	tile4x24(k, (*float32)(unsafe.Add(unsafe.Pointer(a), 4*ars*4)), ars, acs, b, ldb,
		(*float32)(unsafe.Add(unsafe.Pointer(c), 4*ldc*4)), ldc, bias)
}

var tanhCoef = [14]float32{tanhClamp, tanhTiny * tanhTiny, alpha13, alpha11, alpha9, alpha7, alpha5, alpha3, alpha1,
	beta6, beta4, beta2, beta0, -tanhClamp}

// The element-wise wrappers below get slices already cut to their exact
// lengths by the exported functions in kernel.go, so the assembly's accesses
// stay inside them. An empty operand has nothing to do.

func tailMask(cols int) *[8]int32 { return &laneMasks[cols%8] }

func tanhAVX2(dst, x []float32) {
	if len(x) > 0 {
		tanh8(&dst[0], &x[0], len(x), &tanhCoef, tailMask(len(x)))
	}
}

func expAVX2(dst, x []float32) {
	if len(x) > 0 {
		exp8(&dst[0], &x[0], len(x), &expCoef, tailMask(len(x)))
	}
}

// sigmoid8 takes expCoef: its e^(−x) is exp8's, code and constants, so that
// the two cannot drift apart.
func sigmoidAVX2(dst, x []float32) {
	if len(x) > 0 {
		sigmoid8(&dst[0], &x[0], len(x), &expCoef, tailMask(len(x)))
	}
}

// sigmoidGradCoef is sigmoidGrad8's 1, loaded as the other kernels load
// their constants.
var sigmoidGradCoef = [1]float32{1}

func sigmoidGradAVX2(out, s, ds []float32) {
	if len(s) > 0 {
		sigmoidGrad8(&out[0], &s[0], &ds[0], len(s), &sigmoidGradCoef, tailMask(len(s)))
	}
}

func axpyAVX2(y []float32, alpha float32, x []float32) {
	if len(x) > 0 {
		axpy8(&y[0], &x[0], len(x), alpha, tailMask(len(x)))
	}
}

func adamwAVX2(p, g, m, v []float32, c *AdamWCoef) {
	if len(g) > 0 {
		adamw8(&p[0], &g[0], &m[0], &v[0], len(g), (*[7]float32)(c), tailMask(len(g)))
	}
}

// transposeAVX2 moves 8×8 blocks through registers. The ragged right and
// bottom edges are covered by one more block each, shifted back to end at the
// edge: it rewrites some elements with the values they already have, which
// costs less than a scalar tail. Matrices under 8 on a side go the portable way.
func transposeAVX2(dst, src []float32, r, c, ld int) {
	if r < 8 || c < 8 {
		transposePortable(dst, src, r, c, ld)
		return
	}
	_ = dst[(c-1)*ld+r-1]
	_ = src[r*c-1]
	for i := 0; ; i = min(i+8, r-8) {
		transpose8(&dst[i], ld, &src[i*c], c, c/8)
		if c%8 != 0 {
			transpose8(&dst[(c-8)*ld+i], ld, &src[i*c+c-8], c, 1)
		}
		if i == r-8 {
			return
		}
	}
}

func colSumsAVX2(s, x []float32, rows, cols int) {
	if len(x) > 0 {
		colSums(&s[0], &x[0], rows, cols, tailMask(cols))
	}
}

func colDotsAVX2(s, x, y []float32, rows, cols int) {
	if len(x) > 0 {
		colDots(&s[0], &x[0], &y[0], rows, cols, tailMask(cols))
	}
}

func colAffineAVX2(out, x, scale, shift []float32, rows, cols int) {
	if len(x) > 0 {
		colAffine(&out[0], &x[0], rows, cols, &scale[0], &shift[0], tailMask(cols))
	}
}

func colAffine2AVX2(out, x, y, sx, sy, shift []float32, rows, cols int) {
	if len(x) > 0 {
		colAffine2(&out[0], &x[0], &y[0], rows, cols, &sx[0], &sy[0], &shift[0], tailMask(cols))
	}
}

func tanhGradAVX2(out, h, dh []float32) {
	if len(h) > 0 {
		tanhGrad(&out[0], &h[0], &dh[0], 1, len(h), tailMask(len(h)))
	}
}

func reluAVX2(dst, x []float32) {
	if len(x) > 0 {
		relu8(&dst[0], &x[0], len(x), tailMask(len(x)))
	}
}

func reluGradAVX2(out, y, dy []float32) {
	if len(y) > 0 {
		reluGrad8(&out[0], &y[0], &dy[0], len(y), tailMask(len(y)))
	}
}

// geluCoef are gelu8's and geluGrad8's constants: tanhCoef's, so that the
// inner tanh is Tanh's, then GELU's own (see gelu32 and geluGrad32).
var geluCoef = [19]float32{tanhClamp, tanhTiny * tanhTiny, alpha13, alpha11, alpha9, alpha7, alpha5, alpha3, alpha1,
	beta6, beta4, beta2, beta0, -tanhClamp, geluC1, geluC0, 0.5, geluC3, 1}

func geluAVX2(dst, x []float32) {
	if len(x) > 0 {
		gelu8(&dst[0], &x[0], len(x), &geluCoef, tailMask(len(x)))
	}
}

func geluGradAVX2(out, x, dy []float32) {
	if len(x) > 0 {
		geluGrad8(&out[0], &x[0], &dy[0], len(x), &geluCoef, tailMask(len(x)))
	}
}
