// Package backprop is the hand-written backward pass of the model, layer by
// layer in llm.c style: each *Backward function takes the upstream gradient and
// what the forward pass kept, and writes (never accumulates into) its outputs.
// The cross-entropy and batchnorm gradients are the fused closed forms of the
// lecture; reference.go holds the step-by-step version that checks them.
package backprop

import (
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

// Grads holds the gradient of the loss with respect to every parameter and to
// each intermediate tensor the fused backward pass goes through.
type Grads struct {
	*model.Params           // dC, dW1, db1, dbngain, dbnbias, dW2, db2
	Logits        []float32 // [B × Vocab]
	H             []float32 // [B × Hidden]
	Hpreact       []float32 // [B × Hidden]
	Hprebn        []float32 // [B × Hidden]
	Embcat        []float32 // [B × In]
	bnScratch     []float32 // [3 × Hidden] per-column factors of BatchnormBackward
}

// NewGrads allocates the gradients of a batch of b examples.
func NewGrads(c model.Config, b int) *Grads {
	return &Grads{
		Params:    model.NewParams(c),
		Logits:    make([]float32, b*c.Vocab),
		H:         make([]float32, b*c.Hidden),
		Hpreact:   make([]float32, b*c.Hidden),
		Hprebn:    make([]float32, b*c.Hidden),
		Embcat:    make([]float32, b*c.In()),
		bnScratch: make([]float32, 3*c.Hidden),
	}
}

// Backward fills g with the gradients of a.Loss, from the activations a that
// m.Forward kept.
func Backward(pool *kernels.Pool, m *model.Model, a *model.Activations, g *Grads) {
	b, in, H, V := a.Batch(), m.In(), m.Hidden, m.Vocab
	CrossEntropyBackward(g.Logits, a.Probs, a.Y, V)
	LinearBackward(pool, g.H, g.W2, g.B2, g.Logits, a.H, m.W2, b, H, V)
	TanhBackward(g.Hpreact, g.H, a.H)
	BatchnormBackward(g.Hprebn, g.BNGain, g.BNBias, g.Hpreact, a.BNRaw, a.VarInv, m.BNGain, g.bnScratch, b, H)
	LinearBackward(pool, g.Embcat, g.W1, g.B1, g.Hprebn, a.Embcat, m.W1, b, in, H)
	EmbeddingBackward(g.C, g.Embcat, a.X, m.Embd)
}

// CrossEntropyBackward is the fused gradient of the mean cross-entropy:
// dlogits[B×V] = (probs[B×V] − onehot(y[B])) / B.
func CrossEntropyBackward(dlogits, probs []float32, y []int32, v int) {
	inv := 1 / float32(len(y))
	for i, p := range probs {
		dlogits[i] = p * inv
	}
	for i, t := range y {
		dlogits[i*v+int(t)] -= inv
	}
}

// LinearBackward is the gradient of y = x·w + bias over a batch of b rows,
// x [B×In], w [In×Out], y [B×Out]:
// dx[B×In] = dy·wᵀ, dw[In×Out] = xᵀ·dy, dbias[Out] = column sums of dy.
// The two products are independent and of equal size, so they run as a pair:
// the workers take their row blocks as one job.
func LinearBackward(pool *kernels.Pool, dx, dw, dbias, dy, x, w []float32, b, in, out int) {
	pool.Pair(pool.BT(dx, dy, w, b, out, in), kernels.AT(dw, x, dy, in, b, out))
	kernels.ColSums(dbias, dy, b, out)
}

// TanhBackward is the gradient through h = tanh(pre), from h itself:
// dpre[B×H] = (1 − h²) ⊙ dh.
func TanhBackward(dpre, dh, h []float32) {
	kernels.TanhGrad(dpre, h, dh)
}

// BatchnormBackward is the fused gradient of y = γ·x̂ + β with x̂ = (x − mean)·σ⁻¹
// over a batch of b rows, the variance Bessel-corrected:
//
//	dγ[H] = Σ_rows x̂ ⊙ dy,  dβ[H] = Σ_rows dy
//	dx[B×H] = γ·σ⁻¹/B · (B·dy − Σdy − B/(B−1) · x̂ ⊙ Σ(dy ⊙ x̂))
//
// dgain and dbias double as the two column sums the dx formula needs, and dx
// is expanded per column to dy·s + x̂·u + w so the row loop has no division.
// scratch holds s, u and w: [3 × H].
func BatchnormBackward(dx, dgain, dbias, dy, raw, varInv, gain, scratch []float32, b, h int) {
	kernels.ColSums(dbias, dy, b, h)
	kernels.ColDots(dgain, dy, raw, b, h)
	s, u, w := scratch[:h], scratch[h:2*h], scratch[2*h:3*h]
	inv := 1 / float32(b)
	bessel := float32(b) / float32(b-1)
	for j := range s {
		s[j] = gain[j] * varInv[j]
		u[j] = -s[j] * inv * bessel * dgain[j]
		w[j] = -s[j] * inv * dbias[j]
	}
	kernels.ColAffine2(dx, dy, raw, s, u, w, b, h)
}

// EmbeddingBackward scatters dembcat[B × Block·Embd] back onto the rows of
// dC[Vocab × Embd] that x[B × Block] gathered; a token used twice gets both
// contributions.
func EmbeddingBackward(dC, dembcat []float32, x []int32, embd int) {
	clear(dC)
	for i, t := range x {
		row := dC[int(t)*embd : (int(t)+1)*embd]
		for j, v := range dembcat[i*embd : (i+1)*embd] {
			row[j] += v
		}
	}
}
