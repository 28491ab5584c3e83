package model

import (
	"math"

	"github.com/makemore/makemore/internal/kernels"
)

// Activations keeps what the backward pass needs from one training-mode forward
// pass over a batch of B examples. Allocated once, reused every step.
type Activations struct {
	X      []int32   // [B × Block] context tokens
	Y      []int32   // [B] targets
	Embcat []float32 // [B × In] concatenated embeddings
	Hprebn []float32 // [B × Hidden] before batchnorm
	Mean   []float32 // [Hidden] batch mean of hprebn
	VarInv []float32 // [Hidden] 1/√(Bessel variance + Eps)
	BNRaw  []float32 // [B × Hidden] normalised hprebn, x̂
	H      []float32 // [B × Hidden] tanh(γ·x̂ + β)
	Logits []float32 // [B × Vocab]
	Probs  []float32 // [B × Vocab] softmax(logits)
	Loss   float32   // mean cross-entropy
	ones   []float32 // [Hidden] all 1, and the next two scratch for batchnormForward
	zeros  []float32 // [Hidden] all 0
	negMu  []float32 // [Hidden]
}

// NewActivations allocates the activations of a batch of b examples.
func NewActivations(c Config, b int) *Activations {
	a := &Activations{
		X:      make([]int32, b*c.Block),
		Y:      make([]int32, b),
		Embcat: make([]float32, b*c.In()),
		Hprebn: make([]float32, b*c.Hidden),
		Mean:   make([]float32, c.Hidden),
		VarInv: make([]float32, c.Hidden),
		BNRaw:  make([]float32, b*c.Hidden),
		H:      make([]float32, b*c.Hidden),
		Logits: make([]float32, b*c.Vocab),
		Probs:  make([]float32, b*c.Vocab),
		ones:   make([]float32, c.Hidden),
		zeros:  make([]float32, c.Hidden),
		negMu:  make([]float32, c.Hidden),
	}
	for j := range a.ones {
		a.ones[j] = 1
	}
	return a
}

// Batch is the number of examples a holds.
func (a *Activations) Batch() int { return len(a.Y) }

// Forward runs the training-mode forward pass on a.X, a.Y with batch
// statistics, fills a, and returns the mean cross-entropy loss.
func (m *Model) Forward(pool *kernels.Pool, a *Activations) float32 {
	b, H := a.Batch(), m.Hidden
	m.embed(a.Embcat, a.X)
	// hprebn[B×H] = embcat[B×In]·W1[In×H] + b1[H]
	pool.MatMul(a.Hprebn, a.Embcat, m.W1, m.B1, b, m.In(), H)
	a.batchnormForward(b, H)
	// h[B×H] = tanh(γ[H]·x̂[B×H] + β[H])
	kernels.ColAffine(a.H, a.BNRaw, m.BNGain, m.BNBias, b, H)
	kernels.Tanh(a.H, a.H)
	// logits[B×V] = h[B×H]·W2[H×V] + b2[V]
	pool.MatMul(a.Logits, a.H, m.W2, m.B2, b, H, m.Vocab)
	a.Loss = float32(softmaxNLL(a.Probs, a.Logits, a.Y, m.Vocab) / float64(b))
	return a.Loss
}

// embed gathers the context embeddings: out[B × Block·Embd] = C[x[B × Block]].
func (m *Model) embed(out []float32, x []int32) {
	e := m.Embd
	for i, t := range x {
		copy(out[i*e:(i+1)*e], m.C[int(t)*e:(int(t)+1)*e])
	}
}

// batchnormForward normalises hprebn[B×H] column by column with the batch
// mean and the Bessel-corrected (n−1) variance, as torch.var does by default:
// x̂[B×H] = (hprebn − mean[H]) · varInv[H]. The difference is taken before
// squaring so the variance does not lose digits to cancellation.
func (a *Activations) batchnormForward(b, h int) {
	kernels.ColSums(a.Mean, a.Hprebn, b, h)
	inv := 1 / float32(b)
	for j := range a.Mean {
		a.Mean[j] *= inv
		a.negMu[j] = -a.Mean[j]
	}
	kernels.ColAffine(a.BNRaw, a.Hprebn, a.ones, a.negMu, b, h) // x − mean
	kernels.ColDots(a.VarInv, a.BNRaw, a.BNRaw, b, h)           // Σ(x − mean)²
	bessel := 1 / float32(b-1)
	for j, s := range a.VarInv {
		a.VarInv[j] = float32(1 / math.Sqrt(float64(s*bessel+Eps)))
	}
	kernels.ColAffine(a.BNRaw, a.BNRaw, a.VarInv, a.zeros, b, h)
}

// softmaxNLL writes probs[B×V] = softmax(logits[B×V]) row by row and returns
// the sum over rows of −log probs[i, y[i]], from the log-sum-exp so that a
// tiny probability cannot round to log 0. probs may be logits.
func softmaxNLL(probs, logits []float32, y []int32, v int) float64 {
	var total float64
	n := len(y) * v
	probs, logits = probs[:n], logits[:n]
	// Shift each row by its maximum so exp cannot overflow. A comparison
	// rather than the builtin max: it skips max's NaN handling, and a NaN
	// logit still makes the loss NaN through its row's shifted values.
	for i, t := range y {
		l, p := logits[i*v:(i+1)*v], probs[i*v:(i+1)*v]
		mx := l[0]
		for _, x := range l[1:] {
			if x > mx {
				mx = x
			}
		}
		for j, x := range l {
			p[j] = x - mx
		}
		total -= float64(p[t])
	}
	kernels.Exp(probs, probs)
	// Σ log(sum_i) is taken as the log of a product of up to `group` sums:
	// each sum lies in [1, v] (the row's maximum contributes exactly 1), so the
	// product stays within float64 range, and one Log serves many rows — Log
	// was a third of this function's time with one per row.
	group := max(1, int(600/math.Log(float64(max(v, 2)))))
	prod := 1.0
	for i := range y {
		p := probs[i*v : (i+1)*v]
		var sum float32
		for _, e := range p {
			sum += e
		}
		inv := 1 / sum
		for j := range p {
			p[j] *= inv
		}
		prod *= float64(sum)
		if (i+1)%group == 0 {
			total += math.Log(prod)
			prod = 1
		}
	}
	return total + math.Log(prod)
}
