package backprop

import "github.com/makemore/makemore/internal/model"

// embeddingBackward scatters demb[B·Block × Embd] back onto the rows of
// dC[Vocab × Embd] that x[B·Block] gathered; a token used twice gets both
// contributions.
func embeddingBackward(dC, demb []float32, x []int32, embd int) {
	clear(dC)
	for i, t := range x {
		row := dC[int(t)*embd : (int(t)+1)*embd]
		for j, v := range demb[i*embd : (i+1)*embd] {
			row[j] += v
		}
	}
}

// embeddingReference gathers emb = C[x] in float64, and scatters its
// gradient back into dC one element at a time.
func embeddingReference(e *model.Embedding, w []float64, x []int32) ([]float64, func(demb, dw []float64)) {
	C, d := of(e.C, w), e.Embd
	emb := make([]float64, len(x)*d) // [B·Block × Embd]
	for i, tok := range x {
		copy(emb[i*d:(i+1)*d], C[int(tok)*d:])
	}
	return emb, func(demb, dw []float64) {
		dC := of(e.C, dw) // [Vocab × Embd]
		for i, tok := range x {
			for j := range d {
				dC[int(tok)*d+j] += demb[i*d+j]
			}
		}
	}
}
