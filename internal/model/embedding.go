package model

// Embedding looks up each token's row of C [Vocab × Embd]:
// out[rows × Embd] = C[x[rows]], rows = B·Block.
type Embedding struct {
	Name string // of its output
	Embd int
	C    *Tensor
}

// Forward gathers the rows; it is the same in training and eval.
func (e *Embedding) Forward(weights []float32, x []int32, out []float32) {
	c, d := e.C.Of(weights), e.Embd
	for i, t := range x {
		copy(out[i*d:(i+1)*d], c[int(t)*d:(int(t)+1)*d])
	}
}
