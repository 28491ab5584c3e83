package backprop

import (
	"math"

	"github.com/makemore/makemore/internal/model"
)

// params64 is a float64 copy of the parameters, so the reference and the
// finite differences are not limited by float32 rounding.
type params64 struct {
	cfg                               model.Config
	C, W1, B1, BNGain, BNBias, W2, B2 []float64
}

func toFloat64(m *model.Model) *params64 {
	f := func(x []float32) []float64 {
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = float64(v)
		}
		return out
	}
	return &params64{m.Config, f(m.C), f(m.W1), f(m.B1), f(m.BNGain), f(m.BNBias), f(m.W2), f(m.B2)}
}

// byName lists the parameters under the names model.Params.Tensors uses.
func (p *params64) byName() map[string][]float64 {
	return map[string][]float64{"C": p.C, "W1": p.W1, "b1": p.B1, "bngain": p.BNGain, "bnbias": p.BNBias, "W2": p.W2, "b2": p.B2}
}

// tape is every intermediate of the lecture's forward pass, in float64.
type tape struct {
	b                                                         int
	x                                                         []int32
	y                                                         []int32
	embcat, hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvarInv []float64
	bnraw, hpreact, h, logits, logitMaxes, normLogits, counts []float64
	countsSum, countsSumInv, probs, logprobs                  []float64
	loss                                                      float64
}

// forward is the lecture's forward pass cut into atomic steps; shapes are in
// the comments, B rows, In = Block·Embd, H hidden, V vocabulary.
func (p *params64) forward(x, y []int32) *tape {
	c := p.cfg
	B, in, H, V := len(y), c.In(), c.Hidden, c.Vocab
	t := &tape{b: B, x: x, y: y}
	t.embcat = make([]float64, B*in) // [B×In] = C[x] viewed flat
	for i, tok := range x {
		copy(t.embcat[i*c.Embd:(i+1)*c.Embd], p.C[int(tok)*c.Embd:])
	}
	t.hprebn = addRow(mm(t.embcat, p.W1, B, in, H), p.B1)    // [B×H]
	t.bnmeani = scale(colSum(t.hprebn, B, H), 1/float64(B))  // [H]
	t.bndiff = subRow(t.hprebn, t.bnmeani)                   // [B×H]
	t.bndiff2 = mul(t.bndiff, t.bndiff)                      // [B×H]
	t.bnvar = scale(colSum(t.bndiff2, B, H), 1/float64(B-1)) // [H] Bessel
	t.bnvarInv = apply(t.bnvar, func(v float64) float64 { return math.Pow(v+model.Eps, -0.5) })
	t.bnraw = mulRow(t.bndiff, t.bnvarInv)                  // [B×H]
	t.hpreact = addRow(mulRow(t.bnraw, p.BNGain), p.BNBias) // [B×H]
	t.h = apply(t.hpreact, math.Tanh)                       // [B×H]
	t.logits = addRow(mm(t.h, p.W2, B, H, V), p.B2)         // [B×V]
	t.logitMaxes = make([]float64, B)                       // [B]
	for i := range B {
		t.logitMaxes[i] = math.Inf(-1)
		for _, v := range t.logits[i*V : (i+1)*V] {
			t.logitMaxes[i] = max(t.logitMaxes[i], v)
		}
	}
	t.normLogits = subCol(t.logits, t.logitMaxes) // [B×V]
	t.counts = apply(t.normLogits, math.Exp)      // [B×V]
	t.countsSum = rowSum(t.counts, B, V)          // [B]
	t.countsSumInv = apply(t.countsSum, func(v float64) float64 { return 1 / v })
	t.probs = mulCol(t.counts, t.countsSumInv) // [B×V]
	t.logprobs = apply(t.probs, math.Log)      // [B×V]
	for i, tok := range y {
		t.loss -= t.logprobs[i*V+int(tok)] / float64(B)
	}
	return t
}

// Named is one gradient tensor of the step-by-step backward pass.
type Named struct {
	Name string
	Grad []float64
}

// backward goes back through every step of forward, as in the lecture's
// Exercise 1, and returns the gradient of the loss for each intermediate and
// parameter in the order it is reached.
func (p *params64) backward(t *tape) []Named {
	c := p.cfg
	B, in, H, V := t.b, c.In(), c.Hidden, c.Vocab
	var out []Named
	keep := func(name string, g []float64) []float64 {
		out = append(out, Named{name, g})
		return g
	}
	dlogprobs := make([]float64, B*V) // [B×V]: only the targets reach the loss
	for i, tok := range t.y {
		dlogprobs[i*V+int(tok)] = -1 / float64(B)
	}
	keep("logprobs", dlogprobs)
	dprobs := keep("probs", div(dlogprobs, t.probs))                             // d log p = dp/p
	dcountsSumInv := keep("counts_sum_inv", rowSum(mul(t.counts, dprobs), B, V)) // [B]
	dcountsSum := keep("counts_sum", mul(apply(t.countsSum, func(v float64) float64 { return -1 / (v * v) }), dcountsSumInv))
	dcounts := addCol(mulCol(dprobs, t.countsSumInv), dcountsSum) // both uses of counts
	keep("counts", dcounts)
	dnormLogits := keep("norm_logits", mul(t.counts, dcounts))
	dlogitMaxes := keep("logit_maxes", scale(rowSum(dnormLogits, B, V), -1))
	dlogits := clone(dnormLogits)
	for i := range B { // the max flows back to the argmax only
		row := t.logits[i*V : (i+1)*V]
		for j, v := range row {
			if v == t.logitMaxes[i] {
				dlogits[i*V+j] += dlogitMaxes[i]
				break
			}
		}
	}
	keep("logits", dlogits)
	dh := keep("h", mm(dlogits, transpose(p.W2, H, V), B, V, H))
	dW2 := mm(transpose(t.h, B, H), dlogits, H, B, V)
	db2 := colSum(dlogits, B, V)
	dhpreact := keep("hpreact", mul(apply(t.h, func(v float64) float64 { return 1 - v*v }), dh))
	keep("bngain", colSum(mul(t.bnraw, dhpreact), B, H))
	keep("bnbias", colSum(dhpreact, B, H))
	dbnraw := keep("bnraw", mulRow(dhpreact, p.BNGain))
	dbnvarInv := keep("bnvar_inv", colSum(mul(t.bndiff, dbnraw), B, H))
	dbnvar := keep("bnvar", mul(apply(t.bnvar, func(v float64) float64 { return -0.5 * math.Pow(v+model.Eps, -1.5) }), dbnvarInv))
	dbndiff2 := keep("bndiff2", addRow(make([]float64, B*H), scale(dbnvar, 1/float64(B-1))))
	dbndiff := add(mulRow(dbnraw, t.bnvarInv), mul(scale(t.bndiff, 2), dbndiff2)) // both uses of bndiff
	keep("bndiff", dbndiff)
	dbnmeani := keep("bnmeani", scale(colSum(dbndiff, B, H), -1))
	dhprebn := keep("hprebn", addRow(clone(dbndiff), scale(dbnmeani, 1/float64(B))))
	dembcat := keep("embcat", mm(dhprebn, transpose(p.W1, in, H), B, H, in))
	keep("W1", mm(transpose(t.embcat, B, in), dhprebn, in, B, H))
	keep("b1", colSum(dhprebn, B, H))
	keep("emb", dembcat) // emb is embcat viewed as [B×Block×Embd]: the same numbers
	dC := make([]float64, c.Vocab*c.Embd)
	for i, tok := range t.x {
		for j := range c.Embd {
			dC[int(tok)*c.Embd+j] += dembcat[i*c.Embd+j]
		}
	}
	keep("C", dC)
	keep("W2", dW2)
	keep("b2", db2)
	return out
}

// StepByStep runs the reference forward and backward passes in float64 on the
// batch (x[B×Block], y[B]) and returns the loss and every gradient.
func StepByStep(m *model.Model, x, y []int32) (float64, []Named) {
	p := toFloat64(m)
	t := p.forward(x, y)
	return t.loss, p.backward(t)
}

// Naive float64 tensor helpers for the reference; rows are the leading dimension.

// mm returns a[m×k]·b[k×n].
func mm(a, b []float64, m, k, n int) []float64 {
	c := make([]float64, m*n)
	for i := range m {
		for p := range k {
			av := a[i*k+p]
			for j := range n {
				c[i*n+j] += av * b[p*n+j]
			}
		}
	}
	return c
}

// transpose returns aᵀ[n×m] of a[m×n].
func transpose(a []float64, m, n int) []float64 {
	t := make([]float64, m*n)
	for i := range m {
		for j := range n {
			t[j*m+i] = a[i*n+j]
		}
	}
	return t
}

// colSum returns the column sums [n] of a[m×n]; rowSum the row sums [m].
func colSum(a []float64, m, n int) []float64 {
	s := make([]float64, n)
	for i := range m {
		for j := range n {
			s[j] += a[i*n+j]
		}
	}
	return s
}

func rowSum(a []float64, m, n int) []float64 {
	s := make([]float64, m)
	for i := range m {
		for j := range n {
			s[i] += a[i*n+j]
		}
	}
	return s
}

func clone(a []float64) []float64 { return append([]float64(nil), a...) }

func apply(a []float64, f func(float64) float64) []float64 {
	out := make([]float64, len(a))
	for i, v := range a {
		out[i] = f(v)
	}
	return out
}

func scale(a []float64, s float64) []float64 {
	return apply(a, func(v float64) float64 { return v * s })
}

// zip combines two tensors of the same shape element by element.
func zip(a, b []float64, f func(x, y float64) float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = f(a[i], b[i])
	}
	return out
}

func add(a, b []float64) []float64 { return zip(a, b, func(x, y float64) float64 { return x + y }) }
func mul(a, b []float64) []float64 { return zip(a, b, func(x, y float64) float64 { return x * y }) }
func div(a, b []float64) []float64 { return zip(a, b, func(x, y float64) float64 { return x / y }) }

// broadcast combines a[m×n] with r[n] along rows, or with c[m] along columns.
func broadcast(a, v []float64, alongRows bool, f func(x, y float64) float64) []float64 {
	out := make([]float64, len(a))
	n := len(v)
	if !alongRows {
		n = len(a) / len(v)
	}
	for i, x := range a {
		if alongRows {
			out[i] = f(x, v[i%n])
		} else {
			out[i] = f(x, v[i/n])
		}
	}
	return out
}

func addRow(a, r []float64) []float64 {
	return broadcast(a, r, true, func(x, y float64) float64 { return x + y })
}
func subRow(a, r []float64) []float64 {
	return broadcast(a, r, true, func(x, y float64) float64 { return x - y })
}
func mulRow(a, r []float64) []float64 {
	return broadcast(a, r, true, func(x, y float64) float64 { return x * y })
}
func addCol(a, c []float64) []float64 {
	return broadcast(a, c, false, func(x, y float64) float64 { return x + y })
}
func subCol(a, c []float64) []float64 {
	return broadcast(a, c, false, func(x, y float64) float64 { return x - y })
}
func mulCol(a, c []float64) []float64 {
	return broadcast(a, c, false, func(x, y float64) float64 { return x * y })
}
