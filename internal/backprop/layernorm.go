package backprop

import (
	"math"

	"github.com/makemore/makemore/internal/model"
)

type layerNorm struct{ *model.LayerNorm }

// layerNormScratch holds the split of the input gradient by rows.
type layerNormScratch struct{ span layerNormSpan }

func (layerNorm) newScratch(int) any { return &layerNormScratch{} }

// backward is the fused closed form (as llm.c's layernorm_backward), with
// x̂ = (in − μ)·r rebuilt from the kept μ and r, per row:
//
//	dγ[C] = Σ_rows dout ⊙ x̂,  dβ[C] = Σ_rows dout
//	din[rows × C] = r·(dn − mean(dn) − x̂·mean(dn ⊙ x̂)),  dn = dout ⊙ γ
//
// The rows split across the pool; the column sums go in row order on the
// caller, so they do not depend on the split.
func (l layerNorm) backward(s step) {
	c := s.cache.(*model.LayerNormCache)
	sc := s.work.(*layerNormScratch)
	sc.span = layerNormSpan{l: l.LayerNorm, w: s.x.Weights, in: s.in, dout: s.dout, din: s.din, c: c}
	s.x.Split(&sc.span, s.rows, model.RowSplit(l.Width))
	sc.span = layerNormSpan{}
	l.paramGrads(s.dw, s.in, s.dout, c, s.rows)
}

// paramGrads writes dγ and dβ.
func (l layerNorm) paramGrads(dw, in, dout []float32, c *model.LayerNormCache, rows int) {
	n := l.Width
	dg, db := l.Gain.Of(dw), l.Bias.Of(dw)
	clear(dg)
	clear(db)
	for r := range rows {
		x, d := in[r*n:(r+1)*n], dout[r*n:(r+1)*n]
		mu, rs := c.Mean[r], c.Rstd[r]
		for j, v := range d {
			dg[j] += v * ((x[j] - mu) * rs)
			db[j] += v
		}
	}
}

type layerNormSpan struct {
	l             *model.LayerNorm
	w             []float32
	in, dout, din []float32
	c             *model.LayerNormCache
}

func (s *layerNormSpan) Span(lo, hi int) {
	n := s.l.Width
	g := s.l.Gain.Of(s.w)
	inv := 1 / float32(n)
	for r := lo; r < hi; r++ {
		x, d, dx := s.in[r*n:(r+1)*n], s.dout[r*n:(r+1)*n], s.din[r*n:(r+1)*n]
		mu, rs := s.c.Mean[r], s.c.Rstd[r]
		var dnMean, dnxMean float32
		for j, v := range d {
			dn := v * g[j]
			dnMean += dn
			dnxMean += dn * ((x[j] - mu) * rs)
		}
		dnMean *= inv
		dnxMean *= inv
		for j, v := range d {
			xhat := (x[j] - mu) * rs
			dx[j] = rs * (v*g[j] - dnMean - xhat*dnxMean)
		}
	}
}

// reference normalises step by step and backs through each step: the mean,
// the centred input, the variance, its reciprocal square root, x̂, and the
// affine map.
func (l layerNorm) reference(w, x []float64, rows int, _ model.Exec) ([]float64, refBackward) {
	n := l.Width
	g, b := of(l.Gain, w), of(l.Bias, w)
	mean := scale(rowSum(x, rows, n), 1/float64(n))               // [rows]
	xm := subCol(x, mean)                                         // [rows × C]
	variance := scale(rowSum(mul(xm, xm), rows, n), 1/float64(n)) // [rows], biased
	rstd := apply(variance, func(v float64) float64 { return 1 / math.Sqrt(v+model.Eps) })
	xhat := mulCol(xm, rstd)          // [rows × C]
	out := addRow(mulRow(xhat, g), b) // [rows × C]
	return out, func(dout, dw []float64) []float64 {
		copy(of(l.Gain, dw), colSum(mul(dout, xhat), rows, n))
		copy(of(l.Bias, dw), colSum(dout, rows, n))
		dxhat := mulRow(dout, g)
		dxm := mulCol(dxhat, rstd)               // through x̂ = xm·rstd, xm's direct use
		drstd := rowSum(mul(dxhat, xm), rows, n) // [rows]
		dvar := make([]float64, rows)            // rstd = (var + eps)^−½
		for r := range rows {
			dvar[r] = drstd[r] * -0.5 * math.Pow(variance[r]+model.Eps, -1.5)
		}
		dxm = add(dxm, scale(mulCol(xm, dvar), 2/float64(n))) // var = mean(xm²)
		dmean := scale(rowSum(dxm, rows, n), -1)              // xm = x − mean
		return addCol(dxm, scale(dmean, 1/float64(n)))
	}
}
