package data

import "math/rand/v2"

// Dataset holds one example per character of each word plus its final boundary:
// X[i*Block:(i+1)*Block] are the Block tokens before Y[i], padded with the boundary.
type Dataset struct {
	Block int
	X     []int32 // [N × Block]
	Y     []int32 // [N]
}

// Len is the number of examples.
func (d *Dataset) Len() int { return len(d.Y) }

// Build makes the examples of words. Every character must be in v.
func Build(words []string, v *Vocab, block int) *Dataset {
	d := &Dataset{Block: block}
	ctx := make([]int32, block)
	for _, w := range words {
		clear(ctx)
		emit := func(t int32) {
			d.X = append(d.X, ctx...)
			d.Y = append(d.Y, t)
			copy(ctx, ctx[1:])
			ctx[block-1] = t
		}
		for _, r := range w {
			t, _ := v.Token(r)
			emit(int32(t))
		}
		emit(Boundary)
	}
	return d
}

// Batch fills x [B × Block] and y [B] with examples drawn uniformly with replacement.
func (d *Dataset) Batch(r *rand.Rand, x, y []int32) {
	for i := range y {
		j := r.IntN(len(d.Y))
		copy(x[i*d.Block:(i+1)*d.Block], d.X[j*d.Block:(j+1)*d.Block])
		y[i] = d.Y[j]
	}
}
