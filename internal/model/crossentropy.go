package model

import (
	"math"

	"github.com/makemore/makemore/internal/kernels"
)

// CrossEntropy is the loss: the mean over the batch of −log softmax(logits)[y]
// for logits [B × Vocab] and targets y [B]. Its training forward pass keeps
// the probabilities, from which the backward pass is one subtraction.
type CrossEntropy struct{ Vocab int }

// Forward writes probs[B×V] = softmax(logits[B×V]) and returns the mean loss.
func (l *CrossEntropy) Forward(probs, logits []float32, y []int32) float32 {
	return float32(l.Sum(probs, logits, y, nil) / float64(len(y)))
}

// Sum writes probs[B×V] = softmax(logits[B×V]) row by row and returns
// the sum over rows of −log probs[i, y[i]], from the log-sum-exp so that a
// tiny probability cannot round to log 0. probs may be logits. Unless
// rowLoss is nil, it also writes each row's loss to rowLoss[B].
func (l *CrossEntropy) Sum(probs, logits []float32, y []int32, rowLoss []float64) float64 {
	v := l.Vocab
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
		if rowLoss != nil {
			rowLoss[i] = -float64(p[t])
		}
	}
	kernels.Exp(probs, probs)
	// Σ log(sum_i) is taken as the log of a product of up to `group` sums:
	// each sum lies in [1, v] (the row's maximum contributes exactly 1), so the
	// product stays within float64 range, and one Log serves many rows.
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
		if rowLoss != nil {
			rowLoss[i] += math.Log(float64(sum))
		}
		if (i+1)%group == 0 {
			total += math.Log(prod)
			prod = 1
		}
	}
	return total + math.Log(prod)
}
