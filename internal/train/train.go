// Package train runs minibatch SGD on the model with the hand-written backward
// pass: data → model.Forward → backprop.Backward → update, one step at a time.
package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/makemore/makemore/internal/backprop"
	"github.com/makemore/makemore/internal/checkpoint"
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

// Schedule is the lecture's step learning rate: LR until DecayStep, then
// LR·DecayFactor. The product is taken in float64 so that 0.1·0.1 rounds to
// the float32 0.01. With CosineSteps it is instead a cosine from LR down to
// 0 at step CosineSteps, and 0 after: LR·½(1 + cos(π·step/CosineSteps)).
type Schedule struct {
	LR          float64
	DecayStep   int
	DecayFactor float64
	CosineSteps int
}

// At is the learning rate of step (counted from 0).
func (s Schedule) At(step int) float32 {
	if s.CosineSteps > 0 {
		return float32(s.LR * 0.5 * (1 + math.Cos(math.Pi*float64(min(step, s.CosineSteps))/float64(s.CosineSteps))))
	}
	if step >= s.DecayStep {
		return float32(s.LR * s.DecayFactor)
	}
	return float32(s.LR)
}

// LRSchedule gives the learning rate of each step (counted from 0):
// a Schedule for training, a Sweep for the learning-rate finder.
type LRSchedule interface {
	At(step int) float32
}

// Trainer owns everything one training step touches, allocated once, so the
// steady-state step allocates nothing.
type Trainer struct {
	Model     *model.Model
	Schedule  LRSchedule
	Optimizer Optimizer
	Step      int // steps taken so far
	pool      *kernels.Pool
	adamW     *adamW // AdamW's moments, nil for SGD
	batch     int    // examples (words, for a sequence model) per step
	data      *data.Dataset
	src       *rand.PCG // rng's source, whose state a checkpoint keeps
	rng       *rand.Rand
	act       *model.Activations
	grads     *backprop.Grads
	mats      []kernels.Mat // the parameters as the update splits them
	maxLoss   float32       // LossLimit of the model's vocabulary
}

// New returns a Trainer that draws batches of batch examples from ds with src
// and updates the weights with opt. A sequence model's examples are words,
// and ds must be laid out at block 1 (see data.Dataset.WordBatch).
func New(m *model.Model, pool *kernels.Pool, ds *data.Dataset, batch int, src *rand.PCG, s LRSchedule, opt Optimizer) *Trainer {
	t := &Trainer{
		Model:     m,
		Schedule:  s,
		Optimizer: opt,
		batch:     batch,
		pool:      pool,
		data:      ds,
		src:       src,
		rng:       rand.New(src),
		act:       model.NewActivations(m.Net, batch),
		grads:     backprop.NewGrads(m.Net, batch),
		mats:      updateMats(m.Net, batch),
		maxLoss:   LossLimit(m.Vocab),
	}
	if opt.IsAdamW() {
		t.adamW = newAdamW(len(m.Weights), opt.WeightDecay)
	}
	return t
}

// OptimizerState is the optimizer's state as checkpoint tensors (none for SGD).
func (t *Trainer) OptimizerState() []checkpoint.Tensor {
	if t.adamW == nil {
		return nil
	}
	return t.adamW.tensors()
}

// SetOptimizerState restores what OptimizerState saved, from a checkpoint's
// extra tensors.
func (t *Trainer) SetOptimizerState(ts []checkpoint.Tensor) error {
	if t.adamW == nil {
		return nil
	}
	for _, want := range t.adamW.tensors() {
		i := slices.IndexFunc(ts, func(c checkpoint.Tensor) bool { return c.Name == want.Name })
		if i < 0 || len(ts[i].Data) != len(want.Data) {
			return fmt.Errorf("AdamW's moments (%s) missing or not of %d values; the file is damaged", want.Name, len(want.Data))
		}
		copy(want.Data, ts[i].Data)
	}
	return nil
}

// updateMats lays the parameters out as matrices for the update. The weights
// of a Linear whose gradient product (inᵀ·dout, In result rows, one per input
// feature) the pool splits are blocked as that product is, so that each
// worker updates the rows whose gradient it computed.
func updateMats(net *model.Network, batch int) []kernels.Mat {
	blocked := map[*model.Tensor]bool{}
	for _, n := range net.Nodes {
		if l, ok := n.Layer.(*model.Linear); ok {
			blocked[l.W] = kernels.Splits(l.In, batch*n.In.T, l.Out)
		}
	}
	mats := make([]kernels.Mat, len(net.Params))
	for i, t := range net.Params {
		rows, cols := 1, t.Len()
		if len(t.Shape) == 2 {
			rows, cols = t.Shape[0], t.Shape[1]
		}
		mats[i] = kernels.Mat{Off: t.Off, Rows: rows, Cols: cols, Blocked: blocked[t]}
	}
	return mats
}

// RNGState is the minibatch generator's state: with the weights and Step, all
// that --resume needs to continue exactly where training stopped.
func (t *Trainer) RNGState() []byte {
	b, _ := t.src.MarshalBinary() // never fails for a PCG
	return b
}

// ExplodedLoss is how many times the loss of a uniform guess, ln(vocabulary),
// a run's loss may reach before it counts as diverged. A healthy run starts
// near 1× and falls; too high a learning rate makes the loss spike and maybe
// recover (--learning-rate 3 on names.txt peaks at 20× and ends at 2.67),
// while a run that has blown up goes to hundreds of times and stays there
// (-l 10: 128× at step 5, still 39× at step 2000; -l 1e6: 190,000× at step 1).
const ExplodedLoss = 100

// LossLimit is the highest loss a model of vocab characters may have before
// its run counts as diverged: ExplodedLoss uniform guesses.
func LossLimit(vocab int) float32 { return float32(ExplodedLoss * math.Log(float64(vocab))) }

// DivergedError reports a loss that is no longer a finite number, or above
// Limit.
type DivergedError struct {
	Step  int
	Loss  float32
	LR    float32
	Limit float32
	// Saved says the work dir holds a checkpoint of the run, which a new
	// run replaces only with --overwrite.
	Saved bool
}

func (e *DivergedError) Error() string {
	over := ""
	if !math.IsNaN(float64(e.Loss)) && !math.IsInf(float64(e.Loss), 0) {
		over = fmt.Sprintf(" (over %.4g, %d times a uniform guess's)", e.Limit, ExplodedLoss)
	}
	retry := "; try a lower --learning-rate (nothing was saved)"
	if e.Saved {
		retry = "; try a lower --learning-rate, with --overwrite to replace this run"
	}
	return fmt.Sprintf("training diverged: loss is %.4g at step %d%s with learning rate %g%s", e.Loss, e.Step, over, e.LR, retry)
}

// StepOnce draws a batch, runs forward and backward, and applies the
// optimizer's update: SGD's p −= lr·∇p, or AdamW's. It returns the
// minibatch loss and the learning rate used. A loss that is not finite or
// above LossLimit returns a *DivergedError and leaves the parameters as
// they were.
func (t *Trainer) StepOnce() (loss, lr float32, err error) {
	if t.Model.Sequence() {
		t.act.SetRows(cap(t.act.Y)) // the room to draw into
		t.act.SetRows(t.data.WordBatch(t.rng, t.batch, t.act.X, t.act.Y))
		if t.Model.Dropout > 0 {
			t.act.Noise = t.rng.Uint64() // after the batch, from the same checkpointed generator
		}
	} else {
		t.data.Batch(t.rng, t.act.X, t.act.Y)
	}
	loss = t.Model.Forward(t.pool, t.act)
	lr = t.Schedule.At(t.Step)
	if !(loss <= t.maxLoss) { // also NaN
		return loss, lr, &DivergedError{Step: t.Step, Loss: loss, LR: lr, Limit: t.maxLoss}
	}
	backprop.Backward(t.pool, t.Model, t.act, t.grads)
	if t.adamW != nil {
		t.adamW.step(t.pool, t.Model.Weights, t.grads.Weights, lr, t.Step+1)
	} else {
		t.pool.AxpyMats(t.Model.Weights, -lr, t.grads.Weights, t.mats) // p −= lr·∇p
	}
	t.Step++
	return loss, lr, nil
}
