package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/makemore/makemore/internal/checkpoint"
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/fileio"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/lossplot"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/plural"
	"github.com/makemore/makemore/internal/progress"
	"github.com/makemore/makemore/internal/workdir"
)

// Options describe a training run.
type Options struct {
	WorkDir string        // where the checkpoint and the loss log are written
	Words   *data.File    // the words file; a resumed run's must be the one it was trained on
	Pool    *kernels.Pool // the workers of the matrix products

	// Resume continues the run checkpointed in WorkDir with its model, seed,
	// batch size and schedule: the fields of a new run below are not used.
	Resume bool
	// Overwrite lets a new run replace the trained model it finds in
	// WorkDir; without it the run is refused with a *TrainedModelError, as a
	// model is not to be lost by mistake. Not with Resume.
	Overwrite bool
	// KeepMaxSteps makes a resumed run stop at its checkpoint's MaxSteps
	// instead of this one's.
	KeepMaxSteps bool
	MaxSteps     int // SGD steps in all

	// A new run.
	Model     model.Config // Block, Embd and Hidden; the vocabulary is the words'
	Seed      uint64       // of the split, the initial weights and the minibatches
	BatchSize int
	Schedule  Schedule
	Optimizer Optimizer

	CheckpointEvery int // save every N steps besides at the end; 0: only at the end
	EvalEvery       int // probe the val loss every N steps, into the loss log; 0: never
	// EvalExamples bounds the examples of the train split that batchnorm is
	// calibrated on, and of each split whose loss is measured: above it, a
	// uniform random sample of them is taken (see NewEvalSet); 0: all.
	EvalExamples int
	// Diagnostics logs the update:data ratio of every 2-D weight every N
	// steps into the update log; 0: never.
	Diagnostics int
	// KeepDiagnostics makes a resumed run whose update log reaches its
	// checkpoint go on with it at the log's cadence, instead of Diagnostics,
	// as it goes on with its loss log.
	KeepDiagnostics bool
	// KeepBest saves the model of the lowest val probe so far to the work
	// dir's best.safetensors as the run goes (see workdir.BestPath): when a
	// run overfits, its best model is not its last. It needs EvalEvery.
	KeepBest bool
	// SampleEvery draws PreviewWords words from the model every N steps for
	// the observer's Sampled, as makemore.py prints samples while it
	// trains; 0: never. It changes nothing of the training.
	SampleEvery int

	Progress progress.Meter // follows the phases besides the steps: the split, calibration and eval
}

// Observer follows a run, to show its progress; Run calls it from its own
// goroutine.
type Observer interface {
	// Started is called once, before the first step.
	Started(Info)
	// Stepped is called after every step with the steps taken and the minibatch loss.
	Stepped(step int, loss float32)
	// Stopped is called once the steps end, at MaxSteps or interrupted (not
	// on an error), before the final checkpoint is saved.
	Stopped(steps int, elapsed time.Duration)
	// Saved is called after each checkpoint; final is the one saved after
	// Stopped, which a resumed run that took no step does not save.
	Saved(path string, step int, final bool)
	// Sampled is called every Options.SampleEvery steps, after Stepped,
	// with words drawn from the model as it stands.
	Sampled(step int, words []string)
}

// Info describes a run as it starts.
type Info struct {
	Model                   model.Config
	Words, Train, Val, Test int // words in the file and in each part of the split
	Vocab, Params           int
	Resumed                 bool
	Step, MaxSteps          int // where the run starts and ends
	// Diagnostics is the update log's cadence in this run; 0: none.
	Diagnostics int
	// What a resumed run does with the update log of the steps before it:
	// go on with it unasked (Options.KeepDiagnostics), leave it where it
	// ends, or take it up again after steps it lacks from UpdateLogGap on,
	// marked in the log (see markGap).
	DiagnosticsKept  bool
	UpdateLogStopped bool
	UpdateLogGap     int
}

// Result is how a run ended.
type Result struct {
	Checkpoint     string // the path of the saved model
	Step, MaxSteps int
	// Interrupted says the context ended the run before MaxSteps; it was
	// saved to be resumed, and Train and Val are not measured.
	Interrupted bool
	Train, Val  SplitLoss     // loss of the saved model on the train and val splits
	Elapsed     time.Duration // from the first step to the end of the eval
	// Best is the KeepBest model, if the run has one: the step of its val
	// probe, the probe's value, and its file.
	Best *Best
	// Diagnostics is the update log's cadence in this run (Info.Diagnostics).
	Diagnostics int
}

// Best is the model a KeepBest run kept.
type Best struct {
	Step     int
	ValProbe float64
	Path     string
}

// MaxStepsError is a resumed run asked to stop before the step its
// checkpoint has reached.
type MaxStepsError struct{ MaxSteps, Step int }

func (e *MaxStepsError) Error() string {
	return fmt.Sprintf("--max-steps %d is below the %s the checkpoint has already taken", e.MaxSteps, plural.Count(e.Step, "step"))
}

// TrainedModelError is a new run refused because its work dir holds a
// trained model and Options.Overwrite was not set.
type TrainedModelError struct{ Path string }

func (e *TrainedModelError) Error() string {
	return fmt.Sprintf("%s: the work dir holds a trained model; resume it, or overwrite it to start over", e.Path)
}

// Claimed is a work dir held for one training run: locked against other
// runs (see workdir.Acquire), and checked not to hold a model that a new run
// would replace without Overwrite.
type Claimed struct {
	opts Options       // the WorkDir, Resume and Overwrite claimed
	lock *workdir.Lock // nil once released
	used bool
}

// Claim holds opts.WorkDir for a run as Run does, reading only WorkDir,
// Resume and Overwrite. Run claims the work dir itself: a caller claims it
// first to fail at once, before slow work such as reading a big words file,
// then trains with Claimed.Run and releases it.
func Claim(opts Options) (*Claimed, error) {
	if opts.Resume && opts.Overwrite {
		return nil, errors.New("a run either resumes the work dir's run or overwrites it, not both")
	}
	lock, err := workdir.Acquire(opts.WorkDir)
	if err != nil {
		return nil, err
	}
	if ck := workdir.CheckpointPath(opts.WorkDir); !opts.Resume && !opts.Overwrite {
		if _, err := os.Stat(ck); err == nil {
			lock.Unlock()
			return nil, &TrainedModelError{Path: ck}
		}
	}
	return &Claimed{opts: opts, lock: lock}, nil
}

// Release lets other runs have the work dir. Once is enough: a second
// Release must not remove the lock file of a run that came since.
func (c *Claimed) Release() {
	if c.lock != nil {
		c.lock.Unlock()
		c.lock = nil
	}
}

// Run is Run in the claimed work dir, once, with opts whose WorkDir, Resume
// and Overwrite are the ones claimed.
func (c *Claimed) Run(ctx context.Context, opts Options, obs Observer) (Result, error) {
	if c.used || c.lock == nil {
		return Result{}, errors.New("train: a claimed work dir trains one run, before it is released")
	}
	if opts.WorkDir != c.opts.WorkDir || opts.Resume != c.opts.Resume || opts.Overwrite != c.opts.Overwrite {
		return Result{}, fmt.Errorf("train: a run in %s must have the work dir, Resume and Overwrite it claimed", c.opts.WorkDir)
	}
	c.used = true
	return runClaimed(ctx, opts, obs)
}

// Run trains until MaxSteps or until ctx is done, saving the checkpoint in
// WorkDir every CheckpointEvery steps and at the end (unless a resumed run
// took no step, leaving it as it was), and logging every step
// to the loss log there. It holds WorkDir as Claim does: a second run there
// meanwhile fails at once with a *workdir.LockedError, and a new run
// replaces a checkpoint it finds there only with Overwrite. When ctx ends
// the run, the current step finishes and is saved, and the result says
// Interrupted. A loss that is no longer finite or has exploded past
// LossLimit, at a step or in a val probe before a save, stops the run with
// a *DivergedError, leaving the last checkpoint as it was. Every checkpoint
// has batchnorm calibrated over the training split (up to EvalExamples of
// it), ready for eval and sampling.
func Run(ctx context.Context, opts Options, obs Observer) (Result, error) {
	c, err := Claim(opts)
	if err != nil {
		return Result{}, err
	}
	defer c.Release()
	return c.Run(ctx, opts, obs)
}

// runClaimed is Run in a work dir already claimed.
func runClaimed(ctx context.Context, opts Options, obs Observer) (Result, error) {
	r, err := open(opts)
	if err != nil {
		return Result{}, err
	}
	m, st := r.m, r.state
	var up updatePlan
	if opts.Resume {
		if up, err = planUpdateLog(opts, st); err != nil {
			return Result{}, err
		}
		opts.Diagnostics = up.every
	}
	if opts.Diagnostics > 0 && st.Optimizer.IsAdamW() {
		// Lecture 3's ratio is of SGD's update, lr·∇W; AdamW's is not that.
		return Result{}, errors.New("--diagnostics logs lecture 3's update:data ratio of SGD's update lr·grad; an AdamW run's update is not that, so it is not logged: leave --diagnostics out")
	}
	sp, err := data.BuildSplits(opts.Words, r.vocab, m.Context(), r.meta.Seed, opts.Progress.Phase("splitting the words"))
	if err != nil {
		return Result{}, err
	}
	tr := New(m, opts.Pool, sp.Train, st.BatchSize, r.src, st.Schedule, st.Optimizer)
	tr.Step = st.Step
	if opts.Resume {
		if err := tr.SetOptimizerState(r.optimizer); err != nil {
			return Result{}, fmt.Errorf("%s: %v", workdir.CheckpointPath(opts.WorkDir), err)
		}
	}
	obs.Started(Info{
		Model: m.Config,
		Words: opts.Words.Len(), Train: sp.Words[0], Val: sp.Words[1], Test: sp.Words[2],
		Vocab: m.Vocab, Params: m.Net.NumParams(), Resumed: opts.Resume, Step: tr.Step, MaxSteps: st.MaxSteps,
		Diagnostics: opts.Diagnostics, DiagnosticsKept: up.kept, UpdateLogStopped: up.stopped, UpdateLogGap: up.gap,
	})

	ev := model.NewEvaluator(m, opts.Pool)
	trainSet := NewEvalSet(sp.Train, m, r.meta.Seed, data.StreamEvalTrain, opts.EvalExamples)
	valSet := NewEvalSet(sp.Val, m, r.meta.Seed, data.StreamEvalVal, opts.EvalExamples)
	probe := NewValProbe(m, opts.Pool, sp.Train, sp.Val)
	var pre *preview
	if opts.SampleEvery > 0 {
		pre = newPreview(m, opts.Pool, r.vocab, r.meta, sp.Train)
	}
	path := workdir.CheckpointPath(opts.WorkDir)
	limit := LossLimit(m.Vocab)
	// saved says the work dir holds a checkpoint of this run (a new run
	// removed the one before), for a divergence to say what is left.
	saved := func() bool {
		_, err := os.Stat(path)
		return err == nil
	}
	// save calibrates batchnorm first; the statistics are not trained, so
	// resuming is unaffected.
	save := func() error {
		ev.Calibrate(trainSet.Rows, opts.Progress.Phase("calibrating batchnorm"))
		// The last update may have broken the weights: the forward pass of the
		// next step would have reported it, but there is none before this
		// save. The probe, on statistics of its own, changes nothing saved.
		if !m.Finite() {
			return &DivergedError{Step: tr.Step, Loss: float32(math.NaN()), LR: st.Schedule.At(tr.Step), Limit: limit, Saved: saved()}
		}
		if loss := float32(probe.Loss()); !(loss <= limit) {
			return &DivergedError{Step: tr.Step, Loss: loss, LR: st.Schedule.At(tr.Step), Limit: limit, Saved: saved()}
		}
		st.Step, st.RNG = tr.Step, tr.RNGState()
		return m.Save(path, r.meta, st.Metadata(), tr.OptimizerState()...)
	}

	bestPath := workdir.BestPath(opts.WorkDir)
	// A resumed run keeps the best model as its start did.
	keepBest := opts.KeepBest || st.KeepBest
	st.KeepBest = keepBest
	// saveBest writes the model of the best probe, calibrated as every
	// checkpoint is; it has no trainer state, so it cannot be resumed.
	saveBest := func() error {
		ev.Calibrate(trainSet.Rows, opts.Progress.Phase("calibrating batchnorm"))
		return m.Save(bestPath, r.meta, map[string]string{"best_step": strconv.Itoa(st.BestStep), "best_val_probe": strconv.FormatFloat(st.BestVal, 'g', -1, 64)})
	}
	if !opts.Resume {
		// A new run's best model is not an older run's.
		if err := os.Remove(bestPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return Result{}, fmt.Errorf("%s: cannot replace the best model: %v", bestPath, fileio.Cause(err))
		}
		// A new run replaces the work dir's: its checkpoint goes before the log
		// restarts, so that no crash leaves the old model with the new log.
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return Result{}, fmt.Errorf("%s: cannot replace the checkpoint: %v", path, fileio.Cause(err))
		}
		// An older run's update log would be taken for this one's by plot and
		// by a resumed run.
		for _, old := range []string{workdir.UpdateLogPath(opts.WorkDir), workdir.UpdatePlotPath(opts.WorkDir)} {
			if err := os.Remove(old); err != nil && !errors.Is(err, os.ErrNotExist) {
				return Result{}, fmt.Errorf("%s: cannot remove the last run's: %v", old, fileio.Cause(err))
			}
		}
	}
	log, err := lossplot.OpenWriter(workdir.LossLogPath(opts.WorkDir), tr.Step)
	if err != nil {
		return Result{}, err
	}
	defer log.Close()
	var ulog *updateLog
	if opts.Diagnostics > 0 {
		if ulog, err = openUpdateLog(workdir.UpdateLogPath(opts.WorkDir), tr, opts.Diagnostics); err != nil {
			return Result{}, err
		}
		defer ulog.w.Close()
		if up.gap > 0 && !up.marked {
			ulog.markGap(up.gap)
		}
	}
	// flush writes out the logs, before each checkpoint so that they hold
	// exactly its steps.
	flush := func() error {
		if ulog != nil {
			if err := ulog.w.Flush(); err != nil {
				return err
			}
		}
		return log.Flush()
	}
	start, startStep := time.Now(), tr.Step
	for tr.Step < st.MaxSteps && ctx.Err() == nil {
		step := tr.Step
		loss, lr, err := tr.StepOnce()
		if err != nil {
			// The last checkpoint is left as it was: it holds the last good
			// weights. The log, closed on return, keeps the steps up to here.
			if de := (*DivergedError)(nil); errors.As(err, &de) {
				de.Saved = saved()
			}
			return Result{}, err
		}
		val := math.NaN()
		if opts.EvalEvery > 0 && tr.Step%opts.EvalEvery == 0 {
			val = probe.Loss()
			if keepBest && !math.IsNaN(val) && (st.BestStep == 0 || val < st.BestVal) {
				st.BestVal, st.BestStep = val, tr.Step
				if err := saveBest(); err != nil {
					return Result{}, err
				}
			}
		}
		log.Add(step, loss, lr, val)
		if ulog != nil {
			ulog.add(tr, step, lr)
		}
		obs.Stepped(tr.Step, loss)
		if pre != nil && tr.Step%opts.SampleEvery == 0 {
			obs.Sampled(tr.Step, pre.words())
		}
		if opts.CheckpointEvery > 0 && tr.Step%opts.CheckpointEvery == 0 && tr.Step < st.MaxSteps {
			if err := flush(); err != nil {
				return Result{}, err
			}
			if err := save(); err != nil {
				return Result{}, err
			}
			obs.Saved(path, tr.Step, false)
		}
	}
	// A signal during the last step leaves a finished run.
	res := Result{Checkpoint: path, Step: tr.Step, MaxSteps: st.MaxSteps, Interrupted: tr.Step < st.MaxSteps, Diagnostics: opts.Diagnostics}
	obs.Stopped(tr.Step-startStep, time.Since(start))
	if err := flush(); err != nil {
		return Result{}, err
	}
	// A resumed run that took no step (a finished one, as make train resumes
	// it) has nothing to save: its checkpoint is left as it was.
	if !opts.Resume || tr.Step > startStep {
		if err := save(); err != nil {
			return Result{}, err
		}
		obs.Saved(path, tr.Step, true)
	}
	if keepBest && st.BestStep > 0 {
		res.Best = &Best{Step: st.BestStep, ValProbe: st.BestVal, Path: bestPath}
	}
	if !res.Interrupted {
		res.Train = trainSet.Loss(ev, opts.Progress.Phase("evaluating the train split"))
		res.Val = valSet.Loss(ev, opts.Progress.Phase("evaluating the val split"))
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// setup is what a run trains on and where it stands.
type setup struct {
	vocab *data.Vocab
	m     *model.Model
	meta  model.Meta
	state State
	src   *rand.PCG
	// optimizer is a resumed run's optimizer state (see Trainer.SetOptimizerState).
	optimizer []checkpoint.Tensor
}

// open starts a new run or resumes the one in the work dir.
func open(opts Options) (*setup, error) {
	if opts.Resume {
		return resume(opts)
	}
	vocab := opts.Words.Vocab()
	cfg := opts.Model
	cfg.Vocab = vocab.Size()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %v", opts.Words.Name, err)
	}
	m := model.New(cfg)
	if err := m.Net.CheckBatch(opts.BatchSize); err != nil {
		return nil, err
	}
	if err := opts.Optimizer.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.FitsWords(opts.Words.MaxLen()); err != nil {
		return nil, fmt.Errorf("%s: %v", opts.Words.Name, err)
	}
	m.Init(data.NewRand(opts.Seed, data.StreamInit))
	return &setup{
		vocab: vocab,
		m:     m,
		meta: model.Meta{
			Vocab:       vocab.String(),
			MaxWordLen:  opts.Words.MaxLen(),
			WordsSHA256: opts.Words.SHA256,
			Seed:        opts.Seed,
		},
		state: State{MaxSteps: opts.MaxSteps, BatchSize: opts.BatchSize, Schedule: opts.Schedule, Optimizer: opts.Optimizer},
		src:   rand.NewPCG(opts.Seed, data.StreamBatch),
	}, nil
}

func resume(opts Options) (*setup, error) {
	ck, err := workdir.Load(opts.WorkDir)
	if err != nil {
		return nil, err
	}
	if _, trained := ck.Metadata["step"]; ck.Model.NoBN && !trained {
		// A model without batchnorm and without a trainer's state is one that
		// export --fold-bn wrote; training it would be training another
		// network than the run it came from.
		return nil, fmt.Errorf("%s: its batchnorm is folded into the Linears (makemore export --fold-bn): a model to eval, sample and score, not to train; resume the run it was exported from", ck.Path)
	}
	st, err := ParseState(ck.Metadata)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ck.Path, err)
	}
	if err := ck.Model.Net.CheckBatch(st.BatchSize); err != nil {
		return nil, fmt.Errorf("%s: batch_size: %v; the file is damaged", ck.Path, err)
	}
	if err := ck.CheckWords(opts.Words); err != nil {
		return nil, err
	}
	if !opts.KeepMaxSteps {
		st.MaxSteps = opts.MaxSteps
	}
	if st.Step > st.MaxSteps {
		return nil, &MaxStepsError{MaxSteps: st.MaxSteps, Step: st.Step}
	}
	if c := st.Schedule.CosineSteps; c > 0 && st.MaxSteps > c {
		// Past its end the cosine is 0: the steps would change nothing.
		return nil, fmt.Errorf("%s: --max-steps %d is past the end of this run's cosine schedule, which reaches a learning rate of 0 at step %d; train a new run with --max-steps %d instead", ck.Path, st.MaxSteps, c, st.MaxSteps)
	}
	return &setup{vocab: ck.Vocab, m: ck.Model, meta: ck.Meta, state: st, src: st.source(), optimizer: ck.Extra}, nil
}
