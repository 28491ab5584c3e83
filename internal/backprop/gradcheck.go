package backprop

import (
	"math"
	"slices"
	"sync"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

// Tolerances of the gradient check: float32 rounding of the fused pass is
// around 1e-9 at these magnitudes, so a real mistake (a dropped term, a wrong
// transpose) lands orders of magnitude above them.
const (
	MaxFusedDiff = 1e-6 // |fused − step-by-step|, every element
	MaxRelErr    = 1e-3 // |fused − finite difference| / max(|a|, |n|, RelFloor)
	RelFloor     = 1e-3 // below this magnitude the error is judged as absolute: 1e-6
	fdStep       = 1e-5 // central difference step, in float64
)

// Row is one line of the lecture's comparison table.
type Row struct {
	Name    string
	Exact   bool    // every element equal
	Approx  bool    // within the row's tolerance
	MaxDiff float64 // max |got − want|
	RelErr  float64 // max |got − want| / max(|got|, |want|, RelFloor)
	Checked int     // elements compared
	Total   int     // elements in the tensor
	Skipped int     // elements whose finite difference crossed a kink, not compared
}

// compare compares got[idx[j]] with want[j] (idx nil: every element),
// leaving out the elements skip marks (a finite difference across a kink);
// skip may be nil.
func compare(name string, got []float32, want []float64, idx []int, skip []bool) Row {
	r := Row{Name: name, Exact: true, Total: len(got)}
	for j, w := range want {
		if skip != nil && skip[j] {
			r.Skipped++
			continue
		}
		r.Checked++
		i := j
		if idx != nil {
			i = idx[j]
		}
		g := float64(got[i])
		d := math.Abs(g - w)
		if d != 0 || math.IsNaN(d) {
			r.Exact = false
		}
		r.MaxDiff = max(r.MaxDiff, d)
		r.RelErr = max(r.RelErr, d/max(math.Abs(g), math.Abs(w), RelFloor))
		if math.IsNaN(d) {
			r.MaxDiff, r.RelErr = math.NaN(), math.NaN()
		}
	}
	return r
}

// CheckFused compares the fused backward pass on the batch (x, y) with the
// step-by-step float64 reference, for every activation (the last first) and
// every parameter.
func CheckFused(pool *kernels.Pool, m *model.Model, x, y []int32) []Row {
	g := fused(pool, m, x, y)
	got := map[string][]float32{}
	for i, d := range g.Acts {
		got[m.Net.ActName(i)] = d
	}
	for _, t := range m.Net.Params {
		got[t.Name] = t.Of(g.Weights)
	}
	_, ref := StepByStep(m, x, y)
	var rows []Row
	for _, n := range ref {
		r := compare(n.Name, got[n.Name][:len(n.Grad)], n.Grad, nil, nil) // a sequence batch fills part of its buffers
		r.Approx = r.MaxDiff <= MaxFusedDiff
		rows = append(rows, r)
	}
	return rows
}

// CheckFiniteDiff compares the fused gradient of every parameter with central
// finite differences of the float64 reference loss on the batch (x, y), at
// most perTensor elements of each spread evenly over it (0: all of them):
// each element costs two reference passes. The differences are spread over
// the pool's thread count, each goroutine perturbing its own copy of the
// weights.
func CheckFiniteDiff(pool *kernels.Pool, m *model.Model, x, y []int32, perTensor int) []Row {
	g := fused(pool, m, x, y)
	workers := make([][]float64, pool.Threads())
	for i := range workers {
		workers[i] = toFloat64(m.Weights)
	}
	var rows []Row
	for _, t := range m.Net.Params {
		idx := spread(t.Len(), perTensor)
		num := make([]float64, len(idx))
		kink := make([]bool, len(idx))
		var wg sync.WaitGroup
		for k, w := range workers {
			wg.Go(func() {
				for j := k; j < len(idx); j += len(workers) {
					num[j], kink[j] = centralDiff(m, w, t.Off+idx[j], x, y)
				}
			})
		}
		wg.Wait()
		r := compare(t.Name, t.Of(g.Weights), num, idx, kink)
		r.Approx = r.RelErr <= MaxRelErr
		rows = append(rows, r)
	}
	return rows
}

// spread is n indices of [0, total) evenly apart, or all of them when n is
// 0 or at least total.
func spread(total, n int) []int {
	if n <= 0 || n > total {
		n = total
	}
	idx := make([]int, n)
	for j := range idx {
		idx[j] = j * total / n
	}
	return idx
}

// centralDiff is ∂loss/∂w[i] by central differences of the reference loss:
// (loss(w[i]+h) − loss(w[i]−h)) / 2h, leaving w[i] as it was. crossed
// reports that the two sides put some input of a kinked layer (ReLU) on
// different sides of its kink: the loss is not differentiable in between,
// and the quotient is no derivative to check against.
func centralDiff(m *model.Model, w []float64, i int, x, y []int32) (d float64, crossed bool) {
	orig := w[i]
	w[i] = orig + fdStep
	up, upKinks, _ := referencePass(m, w, x, y)
	w[i] = orig - fdStep
	down, downKinks, _ := referencePass(m, w, x, y)
	w[i] = orig
	return (up - down) / (2 * fdStep), !slices.Equal(upKinks, downKinks)
}

// checkNoise keys the dropout masks of the checks' forward passes, fused
// and reference alike.
const checkNoise = 1

// fused runs the model's forward and the fused backward pass on one batch.
func fused(pool *kernels.Pool, m *model.Model, x, y []int32) *Grads {
	a := model.NewActivations(m.Net, len(y)) // room for len(y) rows or more
	a.SetRows(len(y))
	a.Noise = checkNoise
	copy(a.X, x)
	copy(a.Y, y)
	m.Forward(pool, a)
	g := NewGrads(m.Net, len(y))
	Backward(pool, m, a, g)
	return g
}
