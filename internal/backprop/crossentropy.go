package backprop

import "math"

// crossEntropyBackward is the fused gradient of the mean cross-entropy:
// dlogits[B×V] = (probs[B×V] − onehot(y[B])) / B.
func crossEntropyBackward(dlogits, probs []float32, y []int32, v int) {
	inv := 1 / float32(len(y))
	for i, p := range probs {
		dlogits[i] = p * inv
	}
	for i, t := range y {
		dlogits[i*v+int(t)] -= inv
	}
}

// crossEntropyReference is the lecture's loss cut into atomic steps
// (Exercise 1): it returns the loss and a function giving dlogits.
func crossEntropyReference(logits []float64, y []int32, V int) (float64, func() []float64) {
	B := len(y)
	logitMaxes := make([]float64, B) // [B]
	for i := range B {
		logitMaxes[i] = math.Inf(-1)
		for _, v := range logits[i*V : (i+1)*V] {
			logitMaxes[i] = max(logitMaxes[i], v)
		}
	}
	normLogits := subCol(logits, logitMaxes) // [B×V]
	counts := apply(normLogits, math.Exp)    // [B×V]
	countsSum := rowSum(counts, B, V)        // [B]
	countsSumInv := apply(countsSum, func(v float64) float64 { return 1 / v })
	probs := mulCol(counts, countsSumInv) // [B×V]
	logprobs := apply(probs, math.Log)    // [B×V]
	var loss float64
	for i, tok := range y {
		loss -= logprobs[i*V+int(tok)] / float64(B)
	}
	return loss, func() []float64 {
		dlogprobs := make([]float64, B*V) // only the targets reach the loss
		for i, tok := range y {
			dlogprobs[i*V+int(tok)] = -1 / float64(B)
		}
		dprobs := div(dlogprobs, probs)                    // d log p = dp/p
		dcountsSumInv := rowSum(mul(counts, dprobs), B, V) // [B]
		dcountsSum := mul(apply(countsSum, func(v float64) float64 { return -1 / (v * v) }), dcountsSumInv)
		dcounts := addCol(mulCol(dprobs, countsSumInv), dcountsSum) // both uses of counts
		dnormLogits := mul(counts, dcounts)
		dlogitMaxes := scale(rowSum(dnormLogits, B, V), -1)
		dlogits := clone(dnormLogits)
		for i := range B { // the max flows back to the argmax only
			for j, v := range logits[i*V : (i+1)*V] {
				if v == logitMaxes[i] {
					dlogits[i*V+j] += dlogitMaxes[i]
					break
				}
			}
		}
		return dlogits
	}
}
