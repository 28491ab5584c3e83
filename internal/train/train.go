// Package train runs minibatch SGD on the model with the hand-written backward
// pass: data → model.Forward → backprop.Backward → update, one step at a time.
package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/makemore/makemore/internal/backprop"
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

// Schedule is the lecture's step learning rate: LR until DecayStep, then LR·DecayFactor.
// The product is taken in float64 so that 0.1·0.1 rounds to the float32 0.01.
type Schedule struct {
	LR          float64
	DecayStep   int
	DecayFactor float64
}

// At is the learning rate of step (counted from 0).
func (s Schedule) At(step int) float32 {
	if step >= s.DecayStep {
		return float32(s.LR * s.DecayFactor)
	}
	return float32(s.LR)
}

// Trainer owns everything one training step touches, allocated once, so the
// steady-state step allocates nothing.
type Trainer struct {
	Model    *model.Model
	Schedule Schedule
	Step     int // steps taken so far
	pool     *kernels.Pool
	data     *data.Dataset
	src      *rand.PCG // rng's source, whose state a checkpoint keeps
	rng      *rand.Rand
	act      *model.Activations
	grads    *backprop.Grads
}

// New returns a Trainer that draws batches of batch examples from ds with src.
func New(m *model.Model, pool *kernels.Pool, ds *data.Dataset, batch int, src *rand.PCG, s Schedule) *Trainer {
	return &Trainer{
		Model:    m,
		Schedule: s,
		pool:     pool,
		data:     ds,
		src:      src,
		rng:      rand.New(src),
		act:      model.NewActivations(m.Net, batch),
		grads:    backprop.NewGrads(m.Net, batch),
	}
}

// RNGState is the minibatch generator's state: with the weights and Step, all
// that --resume needs to continue exactly where training stopped.
func (t *Trainer) RNGState() []byte {
	b, _ := t.src.MarshalBinary() // never fails for a PCG
	return b
}

// DivergedError reports a loss that is no longer a finite number.
type DivergedError struct {
	Step int
	Loss float32
	LR   float32
}

func (e *DivergedError) Error() string {
	return fmt.Sprintf("training diverged: loss is %v at step %d with learning rate %g; try a lower --learning-rate", e.Loss, e.Step, e.LR)
}

// StepOnce draws a batch, runs forward and backward, and applies the SGD
// update p −= lr·∇p. It returns the minibatch loss and the learning rate used.
// A non-finite loss returns a *DivergedError and leaves the parameters as they were.
func (t *Trainer) StepOnce() (loss, lr float32, err error) {
	t.data.Batch(t.rng, t.act.X, t.act.Y)
	loss = t.Model.Forward(t.pool, t.act)
	lr = t.Schedule.At(t.Step)
	if math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) {
		return loss, lr, &DivergedError{Step: t.Step, Loss: loss, LR: lr}
	}
	backprop.Backward(t.pool, t.Model, t.act, t.grads)
	sgd(t.pool, t.Model.Weights, t.grads.Weights, lr)
	t.Step++
	return loss, lr, nil
}

// sgd applies p[N] −= lr·g[N] over the flat parameter array.
func sgd(pool *kernels.Pool, p, g []float32, lr float32) { pool.Axpy(p, -lr, g[:len(p)]) }
