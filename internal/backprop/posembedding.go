package backprop

import "github.com/makemore/makemore/internal/model"

type posEmbedding struct{ *model.PosEmbedding }

// backward passes the gradient through the sum, din = dout, and scatters it
// onto the positions' rows of dP [Block × C]: each row of P sums the
// gradients of every word's row at that position. A row no word reaches gets
// a zero gradient (which AdamW still decays).
func (p posEmbedding) backward(s step) {
	n := p.Embd
	dP := p.P.Of(s.dw)
	clear(dP)
	copy(s.din[:s.rows*n], s.dout[:s.rows*n])
	for w := range len(s.x.Starts) - 1 {
		first, end := int(s.x.Starts[w]), int(s.x.Starts[w+1])
		for r := first; r < end; r++ {
			row := dP[(r-first)*n : (r-first+1)*n]
			for j, v := range s.dout[r*n : (r+1)*n] {
				row[j] += v
			}
		}
	}
}

func (p posEmbedding) reference(w, x []float64, rows int, ex model.Exec) ([]float64, refBackward) {
	starts := ex.Starts
	n := p.Embd
	P := of(p.P, w)
	pos := make([]int, rows)
	for k := range len(starts) - 1 {
		for r := int(starts[k]); r < int(starts[k+1]); r++ {
			pos[r] = r - int(starts[k])
		}
	}
	out := clone(x)
	for r, t := range pos {
		for j := range n {
			out[r*n+j] += P[t*n+j]
		}
	}
	return out, func(dout, dw []float64) []float64 {
		dP := of(p.P, dw)
		for r, t := range pos {
			for j := range n {
				dP[t*n+j] += dout[r*n+j]
			}
		}
		return clone(dout)
	}
}
