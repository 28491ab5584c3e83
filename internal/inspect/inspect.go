// Package inspect measures what lecture 3 looks at inside a network: one
// training-mode forward and backward pass over a batch (batch statistics, as
// a training step sees them), then per hidden activation its mean, std,
// saturation and gradient, and per 2-D weight its gradient and the ratio of
// the gradient's scale to the weight's. Every std is the n−1 one, as
// PyTorch's default.
package inspect

import (
	"fmt"
	"math"

	"github.com/makemore/makemore/internal/backprop"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

// The lecture's saturation thresholds on a tanh output: |t| > PctLimit for
// the percentage, |t| > MapLimit for the map.
const (
	PctLimit = 0.97
	MapLimit = 0.99
)

// Layer is one hidden activation's output over the batch.
type Layer struct {
	Name          string  `json:"name"`
	ActMean       float64 `json:"act_mean"`
	ActStd        float64 `json:"act_std"`
	SaturationPct float64 `json:"saturation_pct"`
	GradMean      float64 `json:"grad_mean"`
	GradStd       float64 `json:"grad_std"`

	Kind       string    `json:"-"` // model.ActTanh, ActReLU or ActGELU
	Rows, Cols int       `json:"-"` // the batch's rows (B·T) and the units
	In         []float32 `json:"-"` // [Rows × Cols] the activation's input
	Act, Grad  []float32 `json:"-"` // [Rows × Cols] its output and the loss's gradient of it
}

// Param is one 2-D weight and its gradient.
type Param struct {
	Name          string  `json:"name"`
	Shape         []int   `json:"shape"`
	GradMean      float64 `json:"grad_mean"`
	GradStd       float64 `json:"grad_std"`
	DataStd       float64 `json:"data_std"`
	GradDataRatio float64 `json:"grad_data_ratio"`

	Grad []float32 `json:"-"`
}

// Report is what one pass showed; its JSON form is inspect --json's.
type Report struct {
	Loss   float64 `json:"loss"`
	Layers []Layer `json:"layers"`
	Params []Param `json:"params"`
	Batch  int     `json:"-"` // examples
}

// Run passes the batch x [B × Block], y [B] through m forward and backward in
// training mode and measures it. It fails when the loss is not a finite
// number, as after a diverged run, since then no statistic means anything.
func Run(pool *kernels.Pool, m *model.Model, x, y []int32) (*Report, error) {
	b := len(y)
	a := model.NewActivations(m.Net, b)
	copy(a.X, x)
	copy(a.Y, y)
	loss := m.Forward(pool, a)
	if math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) {
		return nil, fmt.Errorf("the loss on this batch is %v; the model has diverged", loss)
	}
	g := backprop.NewGrads(m.Net, b)
	backprop.Backward(pool, m, a, g)

	r := &Report{Loss: float64(loss), Batch: b}
	for i, n := range m.Net.Nodes {
		kind, ok := activationKind(n.Layer)
		if !ok {
			continue
		}
		l := Layer{Name: n.Name, Kind: kind, Rows: b * n.Out.T, Cols: n.Out.C, In: a.Acts[i], Act: a.Acts[i+1], Grad: g.Acts[i+1]}
		l.ActMean, l.ActStd = MeanStd(l.Act)
		l.GradMean, l.GradStd = MeanStd(l.Grad)
		sat := 0
		for j := range l.Act {
			if l.Saturated(j, PctLimit) {
				sat++
			}
		}
		l.SaturationPct = 100 * float64(sat) / float64(len(l.Act))
		if !finite(l.ActMean, l.ActStd, l.GradMean, l.GradStd) {
			return nil, fmt.Errorf("%s: its statistics are not finite numbers; the model has diverged", l.Name)
		}
		r.Layers = append(r.Layers, l)
	}
	for _, t := range Matrices(m.Net) {
		p := Param{Name: t.Name, Shape: t.Shape, Grad: t.Of(g.Weights)}
		p.GradMean, p.GradStd = MeanStd(p.Grad)
		_, p.DataStd = MeanStd(t.Of(m.Weights))
		p.GradDataRatio = p.GradStd / p.DataStd
		if !finite(p.GradMean, p.GradStd, p.DataStd, p.GradDataRatio) {
			return nil, fmt.Errorf("%s: its statistics are not finite numbers (a weight of one element has no std, a constant one no ratio)", p.Name)
		}
		r.Params = append(r.Params, p)
	}
	return r, nil
}

func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// activationKind names the activation function a layer is, if it is one.
func activationKind(l model.Layer) (string, bool) {
	switch l.(type) {
	case *model.Tanh:
		return model.ActTanh, true
	case *model.ReLU:
		return model.ActReLU, true
	case *model.GELU:
		return model.ActGELU, true
	}
	return "", false
}

// Saturated reports whether element j of the layer's output is saturated
// at limit, a bound on |tanh|: for tanh |t| > limit, the lecture's rule; for
// ReLU an output of exactly 0, where no gradient passes; for GELU an input
// below −atanh(limit), the inputs at which tanh saturates on GELU's one flat
// side (below −2.09 for 0.97: output within 0.04 of 0, slope under 0.08).
func (l *Layer) Saturated(j int, limit float64) bool {
	switch l.Kind {
	case model.ActReLU:
		return l.Act[j] == 0
	case model.ActGELU:
		return float64(l.In[j]) < -math.Atanh(limit)
	}
	return math.Abs(float64(l.Act[j])) > limit
}

// Rule says in words when Saturated is true for an activation of kind.
func Rule(kind string, limit float64) string {
	switch kind {
	case model.ActReLU:
		return "the ReLU output is 0"
	case model.ActGELU:
		return fmt.Sprintf("the GELU input is below %.2f", -math.Atanh(limit))
	}
	return fmt.Sprintf("|tanh| > %g", limit)
}

// Matrices are the network's 2-D weights, in table order: the ones the
// lecture's gradient and update statistics are taken over.
func Matrices(net *model.Network) []*model.Tensor {
	var ts []*model.Tensor
	for _, t := range net.Params {
		if len(t.Shape) == 2 {
			ts = append(ts, t)
		}
	}
	return ts
}

// MeanStd is the mean and the n−1 standard deviation of x, in two float64
// passes over the float32 values (no float64 copy, so training diagnostics
// allocate nothing); NaN std for fewer than two values.
func MeanStd(x []float32) (mean, std float64) {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	mean = s / float64(len(x))
	var ss float64
	for _, v := range x {
		d := float64(v) - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / float64(len(x)-1))
}
