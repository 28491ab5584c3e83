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
		{&model.Linear{In: in, Out: out, W: tensor("W", 0, in, out), B: tensor("b", in*out, out)}, model.Shape{T: 1, C: in}, in*out + out, 0},
		{&model.Linear{In: in, Out: out, W: tensor("W", 3, in, out)}, model.Shape{T: 2, C: in}, in*out + 3, 0},
		{&model.BatchNorm{Width: h, Gain: tensor("g", 0, h), Bias: tensor("b", h, h), Mean: tensor("m", 0, h), Var: tensor("v", h, h)}, model.Shape{T: 1, C: h}, 2 * h, 2 * h},
		// over batch × positions, as lecture 5's batchnorm of a 3-D input
		{&model.BatchNorm{Width: h, Gain: tensor("g", 1, h), Bias: tensor("b", h+1, h), Mean: tensor("m", 0, h), Var: tensor("v", h, h)}, model.Shape{T: 3, C: h}, 2*h + 1, 2 * h},
		// 70 rows: sums over three blocks of model.SumRows, the last one short
		{&model.BatchNorm{Width: h, Gain: tensor("g", 1, h), Bias: tensor("b", h+1, h), Mean: tensor("m", 0, h), Var: tensor("v", h, h)}, model.Shape{T: 14, C: h}, 2*h + 1, 2 * h},
		{&model.Tanh{}, model.Shape{T: 3, C: h}, 0, 0},
	}
	r := rand.New(rand.NewPCG(11, 12))
	pool := kernels.NewPool(2)
	defer pool.Close()
	for _, c := range cases {
		t.Run(fmt.Sprintf("%T", c.layer), func(t *testing.T) {
			const batch = 5
			outShape, err := c.layer.OutShape(c.in)
			if err != nil {
				t.Fatal(err)
			}
			rows := batch * c.in.T
			w, x, dout := randomSlice(r, c.nWeights), randomSlice(r, batch*c.in.Size()), randomSlice(r, batch*outShape.Size())
			ex := model.Exec{Pool: pool, Weights: w, Stats: make([]float32, c.nStats)}
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
			y64, back := p.reference(w64, toFloat64(x), rows)
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
				for i, g := range cmp.got {
					if d := math.Abs(float64(g) - cmp.want[i]); d > 1e-5*(1+math.Abs(cmp.want[i])) {
						t.Fatalf("%s[%d] = %v, reference %v", cmp.name, i, g, cmp.want[i])
					}
				}
			}
		})
	}
}

func randomSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}
