package backprop

import "github.com/makemore/makemore/internal/model"

// refBackward is a layer's reference backward pass: given the gradient of
// its output, it writes its parameters' gradients into dw (laid out as the
// weights) and returns its input's.
type refBackward func(dout, dw []float64) []float64

// Named is one gradient tensor of the step-by-step backward pass.
type Named struct {
	Name string
	Grad []float64
}

// toFloat64 copies the weights, so that the reference and the finite
// differences are not limited by float32 rounding.
func toFloat64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// of is t's elements within a float64 copy of the weights or their gradient.
func of(t *model.Tensor, flat []float64) []float64 {
	end := t.Off + t.Len()
	return flat[t.Off:end:end]
}

// A kinked layer's derivative jumps somewhere (ReLU at 0): kinks says on
// which side of it each input is.
type kinked interface {
	kinks(in []float64) []bool
}

// referencePass runs the float64 step-by-step forward pass of m's network
// with the weights w on the batch (x[B×Block], y[B]), and returns the loss,
// the side of its kink every input of a kinked layer is on, and the
// backward pass, which gives the gradient of every activation (the last
// first) and then of every parameter (in table order).
func referencePass(m *model.Model, w []float64, x, y []int32) (float64, []bool, func() []Named) {
	net := m.Net
	ex := model.Exec{Noise: checkNoise}
	if m.Sequence() {
		ex.Starts = model.WordStarts(x, nil)
	}
	act, embBack := embeddingReference(net.Embed, w, x)
	backs := make([]refBackward, len(net.Nodes))
	var kinks []bool
	for i, n := range net.Nodes {
		p := passOf(n.Layer)
		if k, ok := p.(kinked); ok {
			kinks = append(kinks, k.kinks(act)...)
		}
		act, backs[i] = p.reference(w, act, len(y)*n.In.T, ex)
	}
	loss, lossBack := crossEntropyReference(act, y, net.Loss.Vocab)
	return loss, kinks, func() []Named {
		var out []Named
		dw := make([]float64, len(w))
		d := lossBack()
		for i := len(net.Nodes) - 1; i >= 0; i-- {
			out = append(out, Named{net.ActName(i + 1), d})
			d = backs[i](d, dw)
		}
		out = append(out, Named{net.ActName(0), d})
		embBack(d, dw)
		for _, t := range net.Params {
			out = append(out, Named{t.Name, of(t, dw)})
		}
		return out
	}
}

// StepByStep runs the reference forward and backward passes in float64 on the
// batch (x[B×Block], y[B]) and returns the loss and every gradient.
func StepByStep(m *model.Model, x, y []int32) (float64, []Named) {
	loss, _, backward := referencePass(m, toFloat64(m.Weights), x, y)
	return loss, backward()
}

// Naive float64 tensor helpers for the reference; rows are the leading dimension.

// mm returns a[m×k]·b[k×n].
func mm(a, b []float64, m, k, n int) []float64 {
	c := make([]float64, m*n)
	for i := range m {
		for p := range k {
			av := a[i*k+p]
			for j := range n {
				c[i*n+j] += av * b[p*n+j]
			}
		}
	}
	return c
}

// transpose returns aᵀ[n×m] of a[m×n].
func transpose(a []float64, m, n int) []float64 {
	t := make([]float64, m*n)
	for i := range m {
		for j := range n {
			t[j*m+i] = a[i*n+j]
		}
	}
	return t
}

// colSum returns the column sums [n] of a[m×n]; rowSum the row sums [m].
func colSum(a []float64, m, n int) []float64 {
	s := make([]float64, n)
	for i := range m {
		for j := range n {
			s[j] += a[i*n+j]
		}
	}
	return s
}

func rowSum(a []float64, m, n int) []float64 {
	s := make([]float64, m)
	for i := range m {
		for j := range n {
			s[i] += a[i*n+j]
		}
	}
	return s
}

func clone(a []float64) []float64 { return append([]float64(nil), a...) }

func apply(a []float64, f func(float64) float64) []float64 {
	out := make([]float64, len(a))
	for i, v := range a {
		out[i] = f(v)
	}
	return out
}

func scale(a []float64, s float64) []float64 {
	return apply(a, func(v float64) float64 { return v * s })
}

// zip combines two tensors of the same shape element by element.
func zip(a, b []float64, f func(x, y float64) float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = f(a[i], b[i])
	}
	return out
}

func add(a, b []float64) []float64 { return zip(a, b, func(x, y float64) float64 { return x + y }) }
func mul(a, b []float64) []float64 { return zip(a, b, func(x, y float64) float64 { return x * y }) }
func div(a, b []float64) []float64 { return zip(a, b, func(x, y float64) float64 { return x / y }) }

// broadcast combines a[m×n] with r[n] along rows, or with c[m] along columns.
func broadcast(a, v []float64, alongRows bool, f func(x, y float64) float64) []float64 {
	out := make([]float64, len(a))
	n := len(v)
	if !alongRows {
		n = len(a) / len(v)
	}
	for i, x := range a {
		if alongRows {
			out[i] = f(x, v[i%n])
		} else {
			out[i] = f(x, v[i/n])
		}
	}
	return out
}

func addRow(a, r []float64) []float64 {
	return broadcast(a, r, true, func(x, y float64) float64 { return x + y })
}
func subRow(a, r []float64) []float64 {
	return broadcast(a, r, true, func(x, y float64) float64 { return x - y })
}
func mulRow(a, r []float64) []float64 {
	return broadcast(a, r, true, func(x, y float64) float64 { return x * y })
}
func addCol(a, c []float64) []float64 {
	return broadcast(a, c, false, func(x, y float64) float64 { return x + y })
}
func subCol(a, c []float64) []float64 {
	return broadcast(a, c, false, func(x, y float64) float64 { return x - y })
}
func mulCol(a, c []float64) []float64 {
	return broadcast(a, c, false, func(x, y float64) float64 { return x * y })
}
