package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/plural"
	prog "github.com/makemore/makemore/internal/progress"
	"github.com/makemore/makemore/internal/train"
	"github.com/spf13/cobra"
)

type trainOptions struct {
	input, workDir  string
	model           modelFlags
	steps           int
	stepsSet        bool // --max-steps was given: a resumed run takes it instead of the checkpoint's
	decayStepSet    bool // --lr-decay-step was given: the decay is not a --preset's
	lr, decay       float64
	decayStep       int
	schedule        string // "step" or "cosine"
	optimizer       string
	weightDecay     float64
	seed            uint64
	threads         int
	checkpointEvery int
	evalEvery       int
	evalExamples    int
	diagnostics     int
	sampleEvery     int
	diagnosticsSet  bool // --diagnostics was given: a resumed run takes it instead of its update log's cadence
	resume          bool
	overwrite       bool
	keepBest        bool
	asJSON          bool

	in          io.Reader // the words file of --input-file -
	out, errOut io.Writer
	log         logger
}

// resumeFixed are the flags a resumed run takes from the checkpoint instead.
var resumeFixed = []string{"preset", "model", "activation", "n-layer", "n-head", "dropout", "batch-size", "learning-rate", "lr-decay-step", "lr-decay", "lr-schedule", "optimizer", "weight-decay", "seed", "n-embd", "n-hidden", "block-size", "gain", "batchnorm"}

func newTrainCmd() *cobra.Command {
	var o trainOptions
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train the model and save it in the work dir",
		Long: `Train runs minibatch SGD with the hand-written backward pass, calibrates the
batchnorm statistics over the training split, saves the model to
WORK-DIR/model.safetensors, and prints the train and val loss on stdout. A split of
more than --eval-examples examples is calibrated on and measured over a uniform random
sample of that many, drawn from the seed, and its loss has its standard error.
WORK-DIR/loss.csv logs every step (step, loss, learning_rate, val_loss: a val loss
probed every --eval-every steps), and WORK-DIR/loss.png plots it. With
--diagnostics[=N], WORK-DIR/update.csv and update.png follow lecture 3's
update:data ratio of every 2-D weight every N steps (default 100); a resumed
run goes on with them at their cadence unless given --diagnostics=0.

The checkpoint is also saved every --checkpoint-every steps and when training is
interrupted (Ctrl-C or SIGTERM: the current step finishes first, exit code 130);
--resume continues from it exactly as if training had not stopped. A work dir
that holds a model is not trained into again without --resume, or --overwrite
to start over; one run at a time trains in a work dir.`,
		Example: `  makemore train                      # bundled names.txt, lecture defaults
  makemore train -i words.txt -o runs/words --max-steps 50000
  makemore train --resume -o runs/words  # continue an interrupted run
  makemore train --overwrite -o runs/words --seed 7  # start over, replacing the model`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.resume && o.overwrite {
				return usagef("--resume and --overwrite exclude each other: continue the work dir's run, or replace it")
			}
			if o.resume {
				for _, name := range resumeFixed {
					if cmd.Flags().Changed(name) {
						return usagef("--%s cannot be changed with --resume: the run continues with the checkpoint's", name)
					}
				}
			}
			p, ok, err := o.model.applyPreset(cmd)
			if err != nil {
				return err
			}
			if ok {
				setUnchanged(cmd, map[string]func(){
					"learning-rate": func() { o.lr = p.Schedule.LR },
					"lr-decay-step": func() { o.decayStep = p.Schedule.DecayStep },
					"lr-decay":      func() { o.decay = p.Schedule.DecayFactor },
					"max-steps":     func() { o.steps = p.MaxSteps },
					"optimizer":     func() { o.optimizer = cmp.Or(p.Optimizer.Name, train.SGD) },
					"weight-decay": func() {
						opt := cmp.Or(p.Optimizer.Name, train.SGD)
						if cmd.Flags().Changed("optimizer") {
							opt = o.optimizer
						}
						if opt == train.AdamW { // a preset's decay is its AdamW's
							o.weightDecay = p.Optimizer.WeightDecay
						}
					},
					"keep-best": func() { o.keepBest = p.KeepBest && o.evalEvery > 0 }, // a run without probes keeps no best
					"lr-schedule": func() {
						if p.Schedule.CosineSteps > 0 {
							o.schedule = scheduleCosine
						}
					},
				})
			}
			o.stepsSet = cmd.Flags().Changed("max-steps")
			o.decayStepSet = cmd.Flags().Changed("lr-decay-step")
			o.diagnosticsSet = cmd.Flags().Changed("diagnostics")
			o.in, o.out, o.errOut, o.log = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), newLogger(cmd)
			return runTrain(cmd.Context(), &o)
		},
	}
	addInputFlag(cmd, &o.input, "words file, one per line")
	addWorkDirFlag(cmd, &o.workDir, "directory for the checkpoint and the loss log")
	fl := cmd.Flags()
	fl.IntVar(&o.steps, "max-steps", 200000, "SGD steps in all (with --resume: default the checkpoint's)")
	addModelFlags(cmd, &o.model)
	fl.Float64VarP(&o.lr, "learning-rate", "l", 0.1, "initial learning rate")
	fl.IntVar(&o.decayStep, "lr-decay-step", 100000, "step from which the learning rate is multiplied by --lr-decay")
	fl.Float64Var(&o.decay, "lr-decay", 0.1, "learning-rate factor from --lr-decay-step on")
	fl.StringVar(&o.schedule, "lr-schedule", scheduleStep, "step (--lr-decay from --lr-decay-step on), or cosine (from --learning-rate down to 0 at --max-steps)")
	fl.StringVar(&o.optimizer, "optimizer", train.SGD, "sgd (p −= lr·grad, the lectures'), or adamw (makemore.py's: betas 0.9, 0.99, eps 1e-8)")
	fl.Float64Var(&o.weightDecay, "weight-decay", 0, "AdamW's decoupled weight decay (p −= lr·wd·p every step)")
	fl.Uint64Var(&o.seed, "seed", 42, "seed of the split, the initial weights and the minibatches")
	fl.IntVar(&o.checkpointEvery, "checkpoint-every", 50000, "save a resumable checkpoint every N steps (0: only at the end)")
	fl.IntVar(&o.evalEvery, "eval-every", 1000, "probe the val loss every N steps, into loss.csv and the plot (0: never)")
	addEvalExamplesFlag(cmd, &o.evalExamples)
	fl.IntVar(&o.diagnostics, "diagnostics", 0, fmt.Sprintf("every N steps (--diagnostics alone: %d), log10 of the update:data ratio (lr·grad).std()/data.std() of every 2-D weight into WORK-DIR/update.csv, drawn as update.png", train.DefaultDiagnosticsEvery))
	fl.Lookup("diagnostics").NoOptDefVal = fmt.Sprint(train.DefaultDiagnosticsEvery)
	fl.IntVar(&o.sampleEvery, "sample-every", 0, fmt.Sprintf("print %d names drawn from the model on stderr every N steps, to watch them get better as it trains (0: never)", train.PreviewWords))
	fl.BoolVar(&o.resume, "resume", false, "continue the run saved in the work dir")
	fl.BoolVar(&o.keepBest, "keep-best", false, "save the model of the lowest val probe so far (every --eval-every steps) to WORK-DIR/best.safetensors, for eval, sample and score --best")
	fl.BoolVar(&o.overwrite, "overwrite", false, "start a new run even though the work dir holds a model, replacing it")
	fl.BoolVar(&o.asJSON, "json", false, `print one JSON object {"train","val","steps","seconds","checkpoint"} (and "best" with --keep-best, "train_sample" and "val_sample" for a loss over a sample) instead of text; an interrupted run prints {"steps","seconds","checkpoint","interrupted"}`)
	addThreadsFlag(cmd, &o.threads)
	return cmd
}

func (o *trainOptions) validate() error {
	if err := o.model.validate(); err != nil {
		return err
	}
	if err := checkEvalExamples(o.evalExamples); err != nil {
		return err
	}
	switch {
	case o.steps < 0:
		return usagef("--max-steps must be 0 or more, got %d", o.steps)
	case !(o.lr > 0) || math.IsInf(o.lr, 0):
		return usagef("--learning-rate must be a finite number above 0, got %v", o.lr)
	case !(o.decay > 0) || math.IsInf(o.decay, 0):
		return usagef("--lr-decay must be a finite number above 0, got %v", o.decay)
	case o.decayStep < 0:
		return usagef("--lr-decay-step must be 0 or more, got %d", o.decayStep)
	case o.checkpointEvery < 0:
		return usagef("--checkpoint-every must be 0 or more, got %d", o.checkpointEvery)
	case o.evalEvery < 0:
		return usagef("--eval-every must be 0 or more, got %d", o.evalEvery)
	case o.diagnostics < 0:
		return usagef("--diagnostics must be 0 (off) or a number of steps, got %d", o.diagnostics)
	case o.sampleEvery < 0:
		return usagef("--sample-every must be 0 (never) or a number of steps, got %d", o.sampleEvery)
	case o.keepBest && o.evalEvery == 0:
		return usagef("--keep-best keeps the model of the best val probe: it needs --eval-every above 0")
	case o.schedule != scheduleStep && o.schedule != scheduleCosine:
		return usagef("--lr-schedule must be step or cosine, got %q", o.schedule)
	}
	switch {
	case !slices.Contains(train.OptimizerNames, o.optimizer):
		return usagef("--optimizer must be one of %s, got %q", strings.Join(train.OptimizerNames, ", "), o.optimizer)
	case !(o.weightDecay >= 0) || math.IsInf(o.weightDecay, 0):
		return usagef("--weight-decay must be a finite number, 0 or more, got %v", o.weightDecay)
	case o.weightDecay != 0 && o.optimizer != train.AdamW:
		return usagef("--weight-decay is AdamW's decoupled decay; pass --optimizer adamw with it")
	}
	return nil
}

// Learning-rate schedules.
const (
	scheduleStep   = "step"
	scheduleCosine = "cosine"
)

func (o *trainOptions) opt() train.Optimizer {
	return train.Optimizer{Name: o.optimizer, WeightDecay: o.weightDecay}
}

// lrSchedule is the schedule of the flags; a cosine ends at --max-steps.
func (o *trainOptions) lrSchedule() train.Schedule {
	s := train.Schedule{LR: o.lr, DecayStep: o.decayStep, DecayFactor: o.decay}
	if o.schedule == scheduleCosine {
		s.CosineSteps = max(o.steps, 1)
	}
	return s
}

func runTrain(ctx context.Context, o *trainOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	// A bad --threads is a usage error whatever the work dir holds.
	pool, err := newPool(o.threads)
	if err != nil {
		return err
	}
	defer pool.Close()
	// Claimed before the words file is read, which can take a while, to fail
	// at once; held until the plots are drawn from the run's logs.
	claim, err := train.Claim(train.Options{WorkDir: o.workDir, Resume: o.resume, Overwrite: o.overwrite})
	var tme *train.TrainedModelError
	if errors.As(err, &tme) {
		return fmt.Errorf("%s: the work dir holds a trained model; continue it with --resume, start over with --overwrite (replacing it), or pass another work dir with -o", tme.Path)
	}
	if err != nil {
		return err
	}
	defer claim.Release()
	defer o.log.display.Close() // an error leaves a phase unfinished
	words, err := readWords(o.input, o.in, o.log.display.Phase)
	if err != nil {
		return err
	}
	opts := train.Options{
		WorkDir:         o.workDir,
		Words:           words,
		Pool:            pool,
		Resume:          o.resume,
		Overwrite:       o.overwrite,
		KeepMaxSteps:    !o.stepsSet,
		MaxSteps:        o.steps,
		Seed:            o.seed,
		BatchSize:       o.model.batch,
		Schedule:        o.lrSchedule(),
		Optimizer:       o.opt(),
		CheckpointEvery: o.checkpointEvery,
		EvalEvery:       o.evalEvery,
		EvalExamples:    o.evalExamples,
		Diagnostics:     o.diagnostics,
		KeepDiagnostics: o.resume && !o.diagnosticsSet,
		KeepBest:        o.keepBest,
		SampleEvery:     o.sampleEvery,
		Progress:        o.log.display.Phase,
	}
	if !o.resume {
		if opts.Model, err = o.model.config(words, words.Vocab()); err != nil {
			return err
		}
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal lets the run finish its step and save; from then on a
	// second one ends the process at once, which is safe as every file is
	// written atomically.
	context.AfterFunc(ctx, stop)
	prog := newProgress(o.log, pool.Threads(), words.Name, o.model.preset, o.decayNote())
	defer prog.finish() // an error leaves the bar unfinished
	res, err := claim.Run(ctx, opts, prog)
	var mse *train.MaxStepsError
	if errors.As(err, &mse) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	if res.Step > 0 { // a plot needs a step to draw
		if err := writePlot(o.workDir); err != nil {
			return fmt.Errorf("%v (the model is saved)", err)
		}
		if res.Diagnostics > 0 {
			if err := writeUpdatePlot(o.workDir); err != nil {
				return fmt.Errorf("%v (the model is saved)", err)
			}
		}
	}
	if res.Interrupted {
		if o.asJSON {
			if err := o.printJSON(trainJSON{Steps: res.Step, Seconds: res.Elapsed.Seconds(), Checkpoint: res.Checkpoint, Interrupted: true}); err != nil {
				return err
			}
		}
		// Printed even with --quiet: like an error, it explains the exit code.
		fmt.Fprintf(o.errOut, "makemore: interrupted at step %d of %d; continue with: %s train --resume -o %s%s\n", res.Step, res.MaxSteps, commandName(), o.workDir, inputArg(o.input))
		return errInterrupted
	}
	if o.asJSON {
		r := trainJSON{Train: &res.Train.Mean, TrainSample: sampleOf(res.Train), Val: &res.Val.Mean, ValSample: sampleOf(res.Val), Steps: res.Step, Seconds: res.Elapsed.Seconds(), Checkpoint: res.Checkpoint}
		if b := res.Best; b != nil {
			r.Best = &bestJSON{Step: b.Step, ValProbe: b.ValProbe, Checkpoint: b.Path}
		}
		return o.printJSON(r)
	}
	if _, err = fmt.Fprint(o.out, lossLine("train", res.Train)+lossLine("val", res.Val)); err != nil || res.Best == nil {
		return err
	}
	_, err = fmt.Fprintf(o.out, "best val probe %.4f at step %d (%s)\n", res.Best.ValProbe, res.Best.Step, res.Best.Path)
	return err
}

// trainJSON is train's --json result. An interrupted run has no losses: it
// stopped before the final eval.
type trainJSON struct {
	Train       *float64    `json:"train,omitempty"`
	TrainSample *sampleJSON `json:"train_sample,omitempty"`
	Val         *float64    `json:"val,omitempty"`
	ValSample   *sampleJSON `json:"val_sample,omitempty"`
	Steps       int         `json:"steps"`
	Seconds     float64     `json:"seconds"`
	Checkpoint  string      `json:"checkpoint"`
	Interrupted bool        `json:"interrupted,omitempty"`
	Best        *bestJSON   `json:"best,omitempty"`
}

// bestJSON is the model train --keep-best kept.
type bestJSON struct {
	Step       int     `json:"step"`
	ValProbe   float64 `json:"val_probe"`
	Checkpoint string  `json:"checkpoint"`
}

func (o *trainOptions) printJSON(r trainJSON) error { return json.NewEncoder(o.out).Encode(r) }

// decayNote warns of a --preset run whose --max-steps ends before the
// preset's learning-rate decay, which it then never reaches; "" otherwise.
func (o *trainOptions) decayNote() string {
	if o.model.preset == "" || o.schedule != scheduleStep || o.decay == 1 || o.steps > o.decayStep || o.decayStepSet {
		return ""
	}
	return fmt.Sprintf("--max-steps %d ends before preset %s's learning-rate decay at step %d: the learning rate stays %g throughout (--lr-decay-step decays it sooner)", o.steps, o.model.preset, o.decayStep, o.lr)
}

// modelSummary names the model of c and its shape in the flags' words, for
// the training log's first line.
func modelSummary(c model.Config) string {
	c = c.Canonical()
	switch c.Arch {
	case model.ArchBigram:
		return c.Arch
	case model.ArchTransformer:
		dropout := ""
		if c.Dropout > 0 {
			dropout = fmt.Sprintf(", dropout %g", c.Dropout)
		}
		return fmt.Sprintf("%s (n-embd %d, n-head %d, n-layer %d, block-size %d%s)", c.Arch, c.Embd, c.Heads, c.Layers, c.Block, dropout)
	case model.ArchMLP, model.ArchWaveNet:
		bn := "batchnorm"
		if c.NoBN {
			bn = "no batchnorm"
		}
		return fmt.Sprintf("%s (n-embd %d, n-hidden %d, n-layer %d, block-size %d, %s, %s)", c.Arch, c.Embd, c.Hidden, c.Layers, c.Block, c.Activation, bn)
	}
	return fmt.Sprintf("%s (n-embd %d, n-hidden %d, block-size %d)", c.Arch, c.Embd, c.Hidden, c.Block)
}

// commandName is makemore as the user ran it, for a hint to be pasted as it
// is: the path typed (./bin/makemore, as make train runs it), makemore when
// it was found on PATH, or the go run command when go run built it.
func commandName() string {
	name := os.Args[0]
	switch {
	case isGoRunBinary(name):
		wd, _ := os.Getwd()
		bi, _ := debug.ReadBuildInfo()
		return goRunCommand(bi, wd)
	case !strings.ContainsRune(name, filepath.Separator):
		return "makemore"
	}
	return name
}

// inputArg is the -i of the resume hint. Words read from stdin are not there
// to be read again when the hint is pasted at a prompt: they must be given
// again.
func inputArg(input string) string {
	switch input {
	case "":
		return ""
	case stdinArg:
		return " -i FILE, FILE holding the words that were on stdin (or pipe them in again to -i -)"
	}
	return " -i " + input
}

// progress shows a run on stderr: what it trains and how long it took, and
// between the two a bar on a terminal that has room for it, or a plain line
// every 10,000 steps otherwise, so logs of scripted runs stay readable.
type progress struct {
	log         logger
	threads     int
	words       string // the words file's name, for the warning of a small one
	preset      string // a new run's --preset, named with its model
	note        string // a warning about the run's flags, after the model; "" if none
	bar         *prog.Steps
	first, last int
	start       time.Time
}

func newProgress(log logger, threads int, words, preset, note string) *progress {
	return &progress{log: log, threads: threads, words: words, preset: preset, note: note}
}

// fewTrainWords is a train split too small to learn names from, which a
// small words file gives without its user expecting it: the split's tenths
// for val and test round up to a word each, so 3 words train on 1.
const fewTrainWords = 10

func (p *progress) Started(i train.Info) {
	what := modelSummary(i.Model)
	if p.preset != "" {
		what = "preset " + p.preset + ": " + what
	}
	p.log.printf("makemore: training %s", what)
	if p.note != "" {
		p.log.printf("makemore: %s", p.note)
	}
	p.log.printf("makemore: %s (%d train, %d val, %d test), vocabulary of %d, %d parameters, kernel %s, %s",
		plural.Count(i.Words, "word"), i.Train, i.Val, i.Test, i.Vocab, i.Params, kernels.Kernel(), plural.Count(p.threads, "thread"))
	if i.Train < fewTrainWords {
		p.log.printf("makemore: warning: %s has %s, so the train split has only %d (val and test take a tenth each, at least one word); give it more words to learn from",
			p.words, plural.Count(i.Words, "word"), i.Train)
	}
	switch {
	case i.Resumed && i.Step == i.MaxSteps:
		p.log.printf("makemore: already trained to step %d of %d: nothing to train or save, only its losses to report", i.Step, i.MaxSteps)
	case i.Resumed:
		p.log.printf("makemore: resuming at step %d of %d", i.Step, i.MaxSteps)
	}
	// Whether a resumed run's update log goes on, stops or takes up again
	// shows in update.png: it is said here, as it happens.
	switch {
	case i.DiagnosticsKept:
		p.log.printf("makemore: update.csv goes on every %d steps, as before (--diagnostics=0 stops it)", i.Diagnostics)
	case i.UpdateLogStopped:
		p.log.printf("makemore: no diagnostics in this run: update.csv and update.png end before step %d (--diagnostics goes on with them)", i.Step)
	}
	if i.UpdateLogGap > 0 {
		p.log.printf("makemore: update.csv lacks steps %d to %d, taken without diagnostics; update.png leaves them blank", i.UpdateLogGap, i.Step-1)
	}
	p.first, p.last, p.start = i.Step, i.MaxSteps, time.Now()
	p.bar = p.log.display.Steps(p.first, p.last, "loss 10.0000")
}

func (p *progress) Stepped(step int, loss float32) {
	if p.bar != nil {
		if step%100 == 0 || step == p.last {
			p.bar.Update(step, fmt.Sprintf("loss %.4f", loss))
		}
		return
	}
	if step%10000 == 0 || step == p.last {
		rate := float64(step-p.first) / time.Since(p.start).Seconds()
		p.log.printf("step %7d/%d  loss %.4f  %.0f steps/s  eta %.0fs", step, p.last, loss, rate, float64(p.last-step)/rate)
	}
}

func (p *progress) Stopped(steps int, elapsed time.Duration) {
	p.finish()
	if steps > 0 {
		p.log.printf("makemore: %s in %.1fs (%.1f µs/step)", plural.Count(steps, "step"), elapsed.Seconds(), float64(elapsed.Microseconds())/float64(steps))
	}
}

func (p *progress) Saved(path string, _ int, final bool) {
	if final {
		p.log.printf("makemore: saved %s", path)
	}
}

func (p *progress) Sampled(step int, words []string) {
	shown := make([]string, len(words))
	for i, w := range words {
		shown[i] = w
		if w == "" || strings.ContainsFunc(w, unicode.IsSpace) {
			shown[i] = strconv.Quote(w) // the empty name, or one that spaces would split
		}
	}
	p.log.display.Println(fmt.Sprintf("makemore: samples at step %d: %s", step, strings.Join(shown, " ")))
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}
