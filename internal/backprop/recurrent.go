package backprop

import (
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

// The recurrent cells' backward passes run through time (BPTT) over each
// word's own rows: from its last step to its first, the gradient of h_t is
// what its output row receives plus what step t+1 sends back through h_t's
// products. Time-major as the forward pass (see model.TimeOrder), step t's
// rows are one block, and the words still running at t+1 are the first rows
// of it. Each gate's pre-activation gradients dPre [rows × H] are kept over
// all steps, so that the weight gradients and the input's are one product
// each after the steps, not one per step.

// cellScratch is a cell's backward buffers, time-major.
type cellScratch struct {
	dH   []float32   // [rows × H] the gradient of h_t
	dHP  []float32   // [rows × H] of h_{t−1}
	dC   []float32   // [rows × H] of an LSTM's c_t, nil for the others
	dCP  []float32   // [rows × H] of c_{t−1}
	dRH  []float32   // [rows × H] of a GRU's r ⊙ h_{t−1}, nil for the others
	dPre [][]float32 // [rows × H] per gate, of its pre-activation
	whT  [][]float32 // [H × H] per gate, Whᵀ
	dX   []float32   // [rows × C] the input's
	tmp  []float32   // [rows × max(C, H)]
}

func newCellScratch(rows, in, hidden, gates int, cellState bool) *cellScratch {
	n := rows * hidden
	sc := &cellScratch{dH: make([]float32, n), dHP: make([]float32, n), dX: make([]float32, rows*in), tmp: make([]float32, rows*max(in, hidden))}
	if cellState {
		sc.dC, sc.dCP = make([]float32, n), make([]float32, n)
	}
	for range gates {
		sc.dPre = append(sc.dPre, make([]float32, n))
		sc.whT = append(sc.whT, make([]float32, hidden*hidden))
	}
	return sc
}

// begin readies a backward pass: the gates' Whᵀ for the steps' products,
// the output's gradient in time order, and no cell-state gradient yet.
func (sc *cellScratch) begin(s step, o *model.TimeOrder, gates []*model.Linear, in, hidden int) {
	for k, g := range gates {
		transposeInto(sc.whT[k], model.Wh(g, in, s.x.Weights), hidden, hidden)
	}
	o.Gather(sc.dH, s.dout, hidden)
	if sc.dC != nil {
		clear(sc.dC[:s.rows*hidden])
	}
}

// transposeInto sets dst [c × r] = srcᵀ of src [r × c].
func transposeInto(dst, src []float32, r, c int) {
	for i := range r {
		for j, v := range src[i*c : (i+1)*c] {
			dst[j*r+i] = v
		}
	}
}

// back sets step t's dhp [n × H] = Σ_g dPre_g·Wh_gᵀ over the first gates
// gates, those whose state input is h_{t−1}: the gradient of h_{t−1}
// through their products.
func (sc *cellScratch) back(s step, o *model.TimeOrder, t, gates, hidden int) []float32 {
	n := o.Off[t+1] - o.Off[t]
	dhp := o.Rows(t, sc.dHP, hidden)
	for k, whT := range sc.whT[:gates] {
		dpre := o.Rows(t, sc.dPre[k], hidden)
		if k == 0 {
			s.x.MatMul(dhp, dpre, whT, nil, n, hidden, hidden) // [n × H]
			continue
		}
		s.x.MatMul(sc.tmp[:n*hidden], dpre, whT, nil, n, hidden, hidden)
		kernels.Axpy(dhp, 1, sc.tmp[:n*hidden])
	}
	return dhp
}

// carry adds d, step t's gradient of a previous state [n × H], to the
// gradient all of that state at step t−1, whose first n rows are the same
// words; at t = 0 it is the start state's, which finish sums.
func carry(o *model.TimeOrder, t int, all, d []float32, hidden int) {
	if t == 0 {
		return
	}
	p := o.Off[t-1]
	kernels.Axpy(all[p*hidden:p*hidden+len(d)], 1, d)
}

// finish writes the parameters' gradients from the steps' dPre: for each
// gate, dW's input rows Xᵀ·dPre [C × H] and state rows hinᵀ·dPre [H × H]
// (hin the gate's state input, h_{t−1} or r ⊙ h_{t−1}), db the column sums;
// the start states' as the column sums of step 0's previous-state
// gradients; and din, Σ dPre·Wxᵀ back in packed order.
func (sc *cellScratch) finish(s step, o *model.TimeOrder, x []float32, gates []*model.Linear, hin [][]float32, in, hidden int, start, startC *model.Tensor) {
	rows := s.rows
	for k, g := range gates {
		dW := g.W.Of(s.dw)
		s.x.Pool.Pair(kernels.MulAT(dW[:in*hidden], x, sc.dPre[k], in, rows, hidden), kernels.MulAT(dW[in*hidden:], hin[k], sc.dPre[k], hidden, rows, hidden))
		db := g.B.Of(s.dw)
		clear(db)
		kernels.ColSums(db, sc.dPre[k], rows, hidden)
		wx := model.Wx(g, in, s.x.Weights)
		if k == 0 {
			s.x.Pool.Run(s.x.Pool.MulBT(sc.dX, sc.dPre[k], wx, rows, hidden, in)) // [rows × C]
			continue
		}
		s.x.Pool.Run(s.x.Pool.MulBT(sc.tmp[:rows*in], sc.dPre[k], wx, rows, hidden, in))
		kernels.Axpy(sc.dX[:rows*in], 1, sc.tmp[:rows*in])
	}
	o.Scatter(s.din, sc.dX, in)
	n0 := o.Off[1]
	for _, st := range []struct {
		t *model.Tensor
		d []float32
	}{{start, sc.dHP}, {startC, sc.dCP}} {
		if st.t == nil {
			continue
		}
		d := st.t.Of(s.dw)
		clear(d)
		kernels.ColSums(d, st.d[:n0*hidden], n0, hidden)
	}
}
