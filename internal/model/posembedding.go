package model

import "fmt"

// PosEmbedding adds to each row the embedding of its position in its word
// (Exec.Starts), counted from 0 at the word's first row:
//
//	out[rows × C] = in + P[pos(row)],  P [Block × C]
type PosEmbedding struct {
	Embd int
	P    *Tensor
}

func (p *PosEmbedding) OutShape(in Shape) (Shape, error) {
	if in.C != p.Embd {
		return Shape{}, fmt.Errorf("position embedding of width %d: input has %d columns", p.Embd, in.C)
	}
	return in, nil
}

func (p *PosEmbedding) Forward(x Exec, _ any, in, out []float32, rows int) {
	p.Eval(x, nil, in, out, rows)
}

// Eval is cheap next to the products around it: one pass on the caller.
func (p *PosEmbedding) Eval(x Exec, _ any, in, out []float32, _ int) {
	for w := range len(x.Starts) - 1 {
		first, end := int(x.Starts[w]), int(x.Starts[w+1])
		for r := first; r < end; r++ {
			p.Step(x, nil, in[r*p.Embd:(r+1)*p.Embd], out[r*p.Embd:(r+1)*p.Embd], r-first)
		}
	}
}

func (p *PosEmbedding) NewStepState() any { return nil }

// Step adds position pos's embedding to one row.
func (p *PosEmbedding) Step(x Exec, _ any, in, out []float32, pos int) {
	e := p.P.Of(x.Weights)[pos*p.Embd : (pos+1)*p.Embd]
	for j, v := range in[:p.Embd] {
		out[j] = v + e[j]
	}
}
