package backprop

import (
	"math"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

type batchNorm struct{ *model.BatchNorm }

// newScratch holds backward's per-column factors s, u and w: [3 × H].
func (b batchNorm) newScratch() any { return make([]float32, 3*b.Width) }

// backward is the fused gradient of out = γ·x̂ + β with x̂ = (in − mean)·σ⁻¹
// over rows rows, the variance Bessel-corrected:
//
//	dγ[H] = Σ_rows x̂ ⊙ dout,  dβ[H] = Σ_rows dout
//	din[rows×H] = γ·σ⁻¹/B · (B·dout − Σdout − B/(B−1) · x̂ ⊙ Σ(dout ⊙ x̂))
//
// dγ and dβ double as the two column sums the din formula needs, and din
// is expanded per column to dout·s + x̂·u + w so the row loop has no division.
func (b batchNorm) backward(st step) {
	c, h, rows := st.cache.(*model.BatchNormCache), b.Width, st.rows
	dgain, dbias := b.Gain.Of(st.dw), b.Bias.Of(st.dw)
	gain := b.Gain.Of(st.x.Weights)
	kernels.ColSums(dbias, st.dout, rows, h)
	kernels.ColDots(dgain, st.dout, c.Raw, rows, h)
	scratch := st.work.([]float32)
	s, u, w := scratch[:h], scratch[h:2*h], scratch[2*h:3*h]
	inv := 1 / float32(rows)
	bessel := float32(rows) / float32(rows-1)
	for j := range s {
		s[j] = gain[j] * c.VarInv[j]
		u[j] = -s[j] * inv * bessel * dgain[j]
		w[j] = -s[j] * inv * dbias[j]
	}
	kernels.ColAffine2(st.din, st.dout, c.Raw, s, u, w, rows, h)
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
