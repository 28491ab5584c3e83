package backprop

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

// layerCase is one layer on its own, its tensors at the given offsets of a
// weights array of nWeights and a stats array of nStats.
type layerCase struct {
	layer            model.Layer
	in               model.Shape
	nWeights, nStats int
	words            []int // a sequence batch's word lengths (rows), or nil: 5 examples
}

func tensor(name string, off int, shape ...int) *model.Tensor {
	return &model.Tensor{Name: name, Shape: shape, Off: off}
}

// Every layer's fused forward and backward passes agree with its float64
// step-by-step reference, alone, on non-square shapes with non-zero
// weights, so that a wrong transpose or a dropped term shows in the layer
// that has it. (Flatten computes nothing: the network tests cover it.)
func TestEachLayerAgainstItsReference(t *testing.T) {
	const in, out, h = 6, 5, 7
	cases := []layerCase{
		{&model.Linear{In: in, Out: out, W: tensor("W", 0, in, out), B: tensor("b", in*out, out)}, model.Shape{T: 1, C: in}, in*out + out, 0, nil},
		{&model.Linear{In: in, Out: out, W: tensor("W", 3, in, out)}, model.Shape{T: 2, C: in}, in*out + 3, 0, nil},
		{&model.BatchNorm{Width: h, Gain: tensor("g", 0, h), Bias: tensor("b", h, h), Mean: tensor("m", 0, h), Var: tensor("v", h, h)}, model.Shape{T: 1, C: h}, 2 * h, 2 * h, nil},
		// over batch × positions, as lecture 5's batchnorm of a 3-D input
		{&model.BatchNorm{Width: h, Gain: tensor("g", 1, h), Bias: tensor("b", h+1, h), Mean: tensor("m", 0, h), Var: tensor("v", h, h)}, model.Shape{T: 3, C: h}, 2*h + 1, 2 * h, nil},
		// 70 rows: sums over three blocks of model.SumRows, the last one short
		{&model.BatchNorm{Width: h, Gain: tensor("g", 1, h), Bias: tensor("b", h+1, h), Mean: tensor("m", 0, h), Var: tensor("v", h, h)}, model.Shape{T: 14, C: h}, 2*h + 1, 2 * h, nil},
		{&model.Tanh{}, model.Shape{T: 3, C: h}, 0, 0, nil},
		// A Transformer's layers, over words of several lengths (one of a
		// single row), with 2 heads of 3 columns.
		{&model.LayerNorm{Width: h, Gain: tensor("g", 1, h), Bias: tensor("b", h+1, h)}, model.Shape{T: 1, C: h}, 2*h + 1, 0, nil},
		{&model.Attention{C: 6, Heads: 2, Block: 5}, model.Shape{T: 1, C: 18}, 0, 0, []int{3, 1, 5, 4}},
		{&model.PosEmbedding{Embd: h, P: tensor("P", 2, 5, h)}, model.Shape{T: 1, C: h}, 5*h + 2, 0, []int{3, 1, 5, 4}},
		{transformerBlock(6, 2, 5, 0), model.Shape{T: 1, C: 6}, blockWeights(6), 0, []int{3, 1, 5, 4}},
		// with dropout: the reference draws the step's masks too
		{transformerBlock(6, 3, 5, 0.3), model.Shape{T: 1, C: 6}, blockWeights(6), 0, []int{3, 1, 5, 4}},
	}
	r := rand.New(rand.NewPCG(11, 12))
	pool := kernels.NewPool(2)
	defer pool.Close()
	for _, c := range cases {
		t.Run(fmt.Sprintf("%T", c.layer), func(t *testing.T) {
			batch := 5
			var starts []int32
			if c.words != nil {
				batch = 0
				for _, n := range c.words {
					starts = append(starts, int32(batch))
					batch += n
				}
				starts = append(starts, int32(batch))
			}
			outShape, err := c.layer.OutShape(c.in)
			if err != nil {
				t.Fatal(err)
			}
			rows := batch * c.in.T
			w, x, dout := randomSlice(r, c.nWeights), randomSlice(r, batch*c.in.Size()), randomSlice(r, batch*outShape.Size())
			ex := model.Exec{Pool: pool, Weights: w, Stats: make([]float32, c.nStats), Starts: starts, Noise: 77}
			var cache any
			if cc, ok := c.layer.(model.Cacher); ok {
				cache = cc.NewCache(rows)
			}
			y := make([]float32, batch*outShape.Size())
			c.layer.Forward(ex, cache, x, y, rows)
			s := step{x: ex, dw: make([]float32, c.nWeights), in: x, out: y, dout: dout, din: make([]float32, len(x)), rows: rows, cache: cache}
			p := passOf(c.layer)
			if sc, ok := p.(scratcher); ok {
				s.work = sc.newScratch(rows)
			}
			p.backward(s)

			w64 := toFloat64(w)
			y64, back := p.reference(w64, toFloat64(x), rows, ex)
			dw64 := make([]float64, len(w))
			din64 := back(toFloat64(dout), dw64)
			for _, cmp := range []struct {
				name string
				got  []float32
				want []float64
			}{{"out", y, y64}, {"din", s.din, din64}, {"dweights", s.dw, dw64}} {
				if len(cmp.got) != len(cmp.want) {
					t.Fatalf("%s: %d values, reference %d", cmp.name, len(cmp.got), len(cmp.want))
				}
				// Relative to the tensor's largest value: an element that is a
				// sum of terms that cancel (a block's residual gradients) keeps
				// their float32 rounding, while a wrong term is off by its size.
				tol := 1e-5 * (1 + maxAbs(cmp.want))
				for i, g := range cmp.got {
					if d := math.Abs(float64(g) - cmp.want[i]); d > tol {
						t.Fatalf("%s[%d] = %v, reference %v (largest %.3g)", cmp.name, i, g, cmp.want[i], maxAbs(cmp.want))
					}
				}
			}
		})
	}
}

// transformerBlock is a Block of width c with its tensors back to back from
// offset 0, blockWeights(c) of them.
func transformerBlock(c, heads, block int, dropout float64) *model.Block {
	off := 0
	next := func(name string, shape ...int) *model.Tensor {
		t := tensor(name, off, shape...)
		off += t.Len()
		return t
	}
	lin := func(name string, in, out int) *model.Linear {
		return &model.Linear{In: in, Out: out, W: next(name+".W", in, out), B: next(name+".b", out)}
	}
	ln := func(name string) *model.LayerNorm {
		return &model.LayerNorm{Width: c, Gain: next(name+".weight", c), Bias: next(name+".bias", c)}
	}
	return &model.Block{C: c, Index: 1, Dropout: dropout, LN1: ln("ln_1"), QKV: lin("c_attn", c, 3*c), Attn: &model.Attention{C: c, Heads: heads, Block: block},
		Proj: lin("c_proj", c, c), LN2: ln("ln_2"), FC: lin("c_fc", c, 4*c), FCProj: lin("mlp.c_proj", 4*c, c)}
}

func blockWeights(c int) int { return 2*2*c + (c*3*c + 3*c) + (c*c + c) + (c*4*c + 4*c) + (4*c*c + c) }

func randomSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func maxAbs(a []float64) float64 {
	m := 0.0
	for _, v := range a {
		m = max(m, math.Abs(v))
	}
	return m
}
