package train

import (
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

// ProbeRows is how many contexts a ValProbe calibrates on and scores: enough
// for a val loss steady to about ±0.01 between probes, few enough that probing
// every thousand steps costs a few percent of the training time.
const ProbeRows = 2048

// ValProbe estimates the val loss while training runs, as makemore.py does
// every few hundred steps. Training uses batch statistics, so the probe first
// calibrates batchnorm on a fixed sample of training contexts, into statistics
// of its own: the model's stored ones are left alone. Both samples are fixed
// (the first ProbeRows contexts of each split, which are in shuffled-word
// order), so a probe depends only on the weights and a resumed run logs the
// same values.
type ValProbe struct {
	ev       *model.Evaluator
	cal, val *data.Dataset // ≤ProbeRows training examples for the statistics, and val examples
}

// NewValProbe returns a probe of m's weights on the given splits.
func NewValProbe(m *model.Model, pool *kernels.Pool, trainSet, val *data.Dataset) *ValProbe {
	return &ValProbe{
		ev:  model.NewEvaluator(m.WithOwnStats(), pool),
		cal: trainSet.Head(ProbeRows),
		val: val.Head(ProbeRows),
	}
}

// Loss is the current estimate of the val loss.
func (p *ValProbe) Loss() float64 {
	p.ev.Calibrate(p.cal, nil)
	return p.ev.Loss(p.val, nil)
}
