package backprop

import (
	"math"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

type batchNorm struct{ *model.BatchNorm }

// batchNormScratch is backward's per-column factors s, u and w [H], the
// blocks' column sums of dout and of dout ⊙ x̂ [SumBlocks(rows) × H] each,
// and its pass.
type batchNormScratch struct {
	s, u, w       []float32
	sums, dotSums []float32
	pass          batchNormPass
}

func (b batchNorm) newScratch(rows int) any {
	h, n := b.Width, model.SumBlocks(rows)*b.Width
	f := make([]float32, 3*h+2*n)
	return &batchNormScratch{s: f[:h], u: f[h : 2*h], w: f[2*h : 3*h], sums: f[3*h : 3*h+n], dotSums: f[3*h+n:]}
}

// backward is the fused gradient of out = γ·x̂ + β with x̂ = (in − mean)·σ⁻¹
// over rows rows, the variance Bessel-corrected:
//
//	dγ[H] = Σ_rows x̂ ⊙ dout,  dβ[H] = Σ_rows dout
//	din[rows×H] = γ·σ⁻¹/B · (B·dout − Σdout − B/(B−1) · x̂ ⊙ Σ(dout ⊙ x̂))
//
// dγ and dβ double as the two column sums the din formula needs, and din
// is expanded per column to dout·s + x̂·u + w so the row loop has no division.
// The sums are taken as the forward pass takes its own (see model.SumRows),
// block by block of rows on the pool, and so is din.
func (b batchNorm) backward(st step) {
	c, h, rows := st.cache.(*model.BatchNormCache), b.Width, st.rows
	sc := st.work.(*batchNormScratch)
	blocks, least := model.SumBlocks(rows), model.SumSplit(h)
	p := &sc.pass
	*p = batchNormPass{step: st, sc: sc, h: h}
	st.x.Split(p, blocks, least) // each block's Σdout and Σdout ⊙ x̂
	dgain, dbias := b.Gain.Of(st.dw), b.Bias.Of(st.dw)
	model.AddBlocks(dbias, sc.sums, blocks, h)
	model.AddBlocks(dgain, sc.dotSums, blocks, h)
	gain := b.Gain.Of(st.x.Weights)
	inv := 1 / float32(rows)
	bessel := float32(rows) / float32(rows-1)
	for j := range sc.s {
		sc.s[j] = gain[j] * c.VarInv[j]
		sc.u[j] = -sc.s[j] * inv * bessel * dgain[j]
		sc.w[j] = -sc.s[j] * inv * dbias[j]
	}
	p.din = true
	st.x.Split(p, blocks, least)
}

// batchNormPass is backward over a range of blocks of model.SumRows rows:
// the blocks' column sums, then (din set) din.
type batchNormPass struct {
	step
	sc  *batchNormScratch
	h   int
	din bool
}

func (p *batchNormPass) Span(lo, hi int) {
	c, h, sc := p.cache.(*model.BatchNormCache), p.h, p.sc
	if p.din {
		r0, r1 := model.BlockRows(lo, hi, p.rows)
		// din[rows×H] = dout·s[H] + x̂·u[H] + w[H]
		kernels.ColAffine2(p.step.din[r0*h:], p.dout[r0*h:], c.Raw[r0*h:], sc.s, sc.u, sc.w, r1-r0, h)
		return
	}
	for k := lo; k < hi; k++ {
		a, b := model.BlockRows(k, k+1, p.rows)
		kernels.ColSums(sc.sums[k*h:], p.dout[a*h:], b-a, h)                 // sums[k][H] = Σ_block dout[rows×H]
		kernels.ColDots(sc.dotSums[k*h:], p.dout[a*h:], c.Raw[a*h:], b-a, h) // dotSums[k][H] = Σ_block dout ⊙ x̂
	}
}

// reference is the lecture's batchnorm cut into atomic steps (Exercise 1),
// each backed through on its own; rows B, H columns.
func (b batchNorm) reference(w, x []float64, rows int, _ model.Exec) ([]float64, refBackward) {
	B, H := rows, b.Width
	gain, bias := of(b.Gain, w), of(b.Bias, w)
	meani := scale(colSum(x, B, H), 1/float64(B))    // [H]
	diff := subRow(x, meani)                         // [B×H]
	diff2 := mul(diff, diff)                         // [B×H]
	vr := scale(colSum(diff2, B, H), 1/float64(B-1)) // [H] Bessel
	varInv := apply(vr, func(v float64) float64 { return math.Pow(v+model.Eps, -0.5) })
	raw := mulRow(diff, varInv)          // [B×H]
	y := addRow(mulRow(raw, gain), bias) // [B×H]
	return y, func(dy, dw []float64) []float64 {
		copy(of(b.Gain, dw), colSum(mul(raw, dy), B, H))
		copy(of(b.Bias, dw), colSum(dy, B, H))
		draw := mulRow(dy, gain)                 // [B×H]
		dvarInv := colSum(mul(diff, draw), B, H) // [H]
		dvar := mul(apply(vr, func(v float64) float64 { return -0.5 * math.Pow(v+model.Eps, -1.5) }), dvarInv)
		ddiff2 := addRow(make([]float64, B*H), scale(dvar, 1/float64(B-1))) // [B×H]
		ddiff := add(mulRow(draw, varInv), mul(scale(diff, 2), ddiff2))     // both uses of diff
		dmeani := scale(colSum(ddiff, B, H), -1)                            // [H]
		return addRow(clone(ddiff), scale(dmeani, 1/float64(B)))            // [B×H]
	}
}
