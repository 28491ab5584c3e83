package backprop

import (
	"math"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

type batchNorm struct{ *model.BatchNorm }

// newScratch holds backward's per-column factors s, u and w and its work
// on a band of columns.
func (b batchNorm) newScratch() any {
	return &batchNormBand{s: make([]float32, b.Width), u: make([]float32, b.Width), w: make([]float32, b.Width)}
}

// backward is the fused gradient of out = γ·x̂ + β with x̂ = (in − mean)·σ⁻¹
// over rows rows, the variance Bessel-corrected:
//
//	dγ[H] = Σ_rows x̂ ⊙ dout,  dβ[H] = Σ_rows dout
//	din[rows×H] = γ·σ⁻¹/B · (B·dout − Σdout − B/(B−1) · x̂ ⊙ Σ(dout ⊙ x̂))
//
// Every column's gradients come from its own column alone, so a band of
// columns goes to each worker.
func (b batchNorm) backward(st step) {
	c := st.cache.(*model.BatchNormCache)
	f := st.work.(*batchNormBand)
	f.width, f.rows, f.raw, f.varInv = b.Width, st.rows, c.Raw, c.VarInv
	f.gain, f.dgain, f.dbias = b.Gain.Of(st.x.Weights), b.Gain.Of(st.dw), b.Bias.Of(st.dw)
	f.dout, f.din = st.dout, st.din
	st.x.Split(f, b.Width, max(1, model.BandMin/st.rows), model.BandAlign)
	f.drop()
}

// batchNormBand is backward's work on a band of columns: s, u and w are its
// per-column factors, the rest this step's operands.
type batchNormBand struct {
	s, u, w                 []float32
	width, rows             int
	raw, varInv, gain       []float32
	dgain, dbias, dout, din []float32
}

// drop forgets this step's operands.
func (f *batchNormBand) drop() {
	f.raw, f.varInv, f.gain, f.dgain, f.dbias, f.dout, f.din = nil, nil, nil, nil, nil, nil, nil
}

// Span computes the gradients of columns [lo, hi). dγ and dβ double as the
// two column sums the din formula needs, and din is expanded per column to
// dout·s + x̂·u + w so the row loop has no division.
func (f *batchNormBand) Span(lo, hi int) {
	h, rows, n := f.width, f.rows, hi-lo
	kernels.ColSums(f.dbias[lo:hi], f.dout[lo:], rows, n, h)
	kernels.ColDots(f.dgain[lo:hi], f.dout[lo:], f.raw[lo:], rows, n, h)
	inv := 1 / float32(rows)
	bessel := float32(rows) / float32(rows-1)
	for j := lo; j < hi; j++ {
		f.s[j] = f.gain[j] * f.varInv[j]
		f.u[j] = -f.s[j] * inv * bessel * f.dgain[j]
		f.w[j] = -f.s[j] * inv * f.dbias[j]
	}
	kernels.ColAffine2(f.din[lo:], f.dout[lo:], f.raw[lo:], f.s[lo:hi], f.u[lo:hi], f.w[lo:hi], rows, n, h)
}

// reference is the lecture's batchnorm cut into atomic steps (Exercise 1),
// each backed through on its own; rows B, H columns.
func (b batchNorm) reference(w, x []float64, rows int) ([]float64, refBackward) {
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
