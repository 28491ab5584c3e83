package backprop

import (
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

type linear struct{ *model.Linear }

// backward is the gradient of out = in·W + b over rows rows,
// in [rows×In], W [In×Out], out [rows×Out]:
// din[rows×In] = dout·Wᵀ, dW[In×Out] = inᵀ·dout, db[Out] = column sums of dout.
// The two products are independent and of equal size, so they run as a pair:
// the workers take their row blocks as one job.
func (l linear) backward(s step) {
	in, out, rows := l.In, l.Out, s.rows
	dW := l.W.Of(s.dw)
	s.x.Pool.Pair(s.x.Pool.MulBT(s.din, s.dout, l.W.Of(s.x.Weights), rows, out, in), kernels.MulAT(dW, s.in, s.dout, in, rows, out))
	if l.B != nil {
		kernels.ColSums(l.B.Of(s.dw), s.dout, rows, out)
	}
}

func (l linear) reference(w, x []float64, rows int, _ model.Exec) ([]float64, refBackward) {
	in, out := l.In, l.Out
	W := of(l.W, w)
	y := mm(x, W, rows, in, out) // [rows×Out]
	if l.B != nil {
		y = addRow(y, of(l.B, w))
	}
	return y, func(dy, dw []float64) []float64 {
		copy(of(l.W, dw), mm(transpose(x, rows, in), dy, in, rows, out)) // [In×Out]
		if l.B != nil {
			copy(of(l.B, dw), colSum(dy, rows, out)) // [Out]
		}
		return mm(dy, transpose(W, in, out), rows, out, in) // [rows×In]
	}
}
