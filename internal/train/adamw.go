package train

import (
	"fmt"
	"math"

	"github.com/makemore/makemore/internal/checkpoint"
	"github.com/makemore/makemore/internal/kernels"
)

// Optimizers.
const (
	SGD   = "sgd"
	AdamW = "adamw"
)

// OptimizerNames lists the optimizers Optimizer takes.
var OptimizerNames = []string{SGD, AdamW}

// Optimizer is how a step turns gradients into an update: the lectures'
// plain SGD, p −= lr·∇p, or makemore.py's AdamW.
type Optimizer struct {
	Name        string  // SGD ("") or AdamW
	WeightDecay float64 // AdamW's decoupled decay: p −= lr·WeightDecay·p
}

// makemore.py's AdamW settings, which torch.optim.AdamW computes with.
const (
	AdamBeta1 = 0.9
	AdamBeta2 = 0.99
	AdamEps   = 1e-8
)

// IsAdamW reports whether o is AdamW.
func (o Optimizer) IsAdamW() bool { return o.Name == AdamW }

// Validate reports an optimizer that cannot be trained with.
func (o Optimizer) Validate() error {
	switch {
	case o.Name != "" && o.Name != SGD && o.Name != AdamW:
		return fmt.Errorf("optimizer must be sgd or adamw, got %q", o.Name)
	case !(o.WeightDecay >= 0) || math.IsInf(o.WeightDecay, 0):
		return fmt.Errorf("weight decay must be a finite number, 0 or more, got %v", o.WeightDecay)
	case o.WeightDecay != 0 && !o.IsAdamW():
		return fmt.Errorf("weight decay is AdamW's; pass --optimizer adamw with it")
	}
	return nil
}

// adamW is AdamW's state: the moments of every parameter, laid out as the
// weights, and the update as one pass over them.
type adamW struct {
	M, V []float32 // first and second moment estimates
	wd   float64
	span adamWSpan
}

func newAdamW(n int, wd float64) *adamW {
	return &adamW{M: make([]float32, n), V: make([]float32, n), wd: wd}
}

// step applies torch.optim.AdamW's update for step t (counted from 1) at
// learning rate lr (see kernels.AdamW), in its order of operations:
//
//	p ← p·(1 − lr·wd)
//	m ← m + (1−β1)·(g − m),  v ← β2·v + (1−β2)·g²
//	p ← p − lr/(1−β1^t) · m/(√v/√(1−β2^t) + eps)
//
// Every parameter moves every step, one with a zero gradient included (its
// moments decay, and so does it). The elements split across the pool; each
// is its own, so the split cannot change a result.
func (a *adamW) step(pool *kernels.Pool, p, g []float32, lr float32, t int) {
	a.span = adamWSpan{
		p: p, g: g, m: a.M, v: a.V,
		c: kernels.AdamWCoef{
			1 - AdamBeta1, AdamBeta2, 1 - AdamBeta2,
			float32(1 - float64(lr)*a.wd),
			float32(float64(lr) / (1 - math.Pow(AdamBeta1, float64(t)))),
			float32(math.Sqrt(1 - math.Pow(AdamBeta2, float64(t)))),
			AdamEps,
		},
	}
	pool.Split(&a.span, len(p), kernels.ParallelElems)
	a.span = adamWSpan{}
}

type adamWSpan struct {
	p, g, m, v []float32
	c          kernels.AdamWCoef
}

func (s *adamWSpan) Span(lo, hi int) {
	kernels.AdamW(s.p[lo:hi], s.g[lo:hi], s.m[lo:hi], s.v[lo:hi], &s.c)
}

// Moment tensor names in a checkpoint: beside the model's own, so that a
// resumed AdamW run continues exactly.
const (
	MomentM = "optimizer.adamw.m"
	MomentV = "optimizer.adamw.v"
)

// tensors are the moment estimates as checkpoint tensors.
func (a *adamW) tensors() []checkpoint.Tensor {
	return []checkpoint.Tensor{{Name: MomentM, Shape: []int{len(a.M)}, Data: a.M}, {Name: MomentV, Shape: []int{len(a.V)}, Data: a.V}}
}
