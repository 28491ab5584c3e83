package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/train"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

type trainOptions struct {
	input, workDir  string
	model           modelFlags
	steps           int
	stepsSet        bool // --max-steps was given: a resumed run takes it instead of the checkpoint's
	lr, decay       float64
	decayStep       int
	seed            uint64
	threads         int
	checkpointEvery int
	evalEvery       int
	resume          bool
	asJSON          bool

	out, errOut io.Writer
	log         logger
}

// resumeFixed are the flags a resumed run takes from the checkpoint instead.
var resumeFixed = []string{"preset", "model", "activation", "n-layer", "batch-size", "learning-rate", "lr-decay-step", "lr-decay", "seed", "n-embd", "n-hidden", "block-size"}

func newTrainCmd() *cobra.Command {
	var o trainOptions
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train the model and save it in the work dir",
		Long: `Train runs minibatch SGD with the hand-written backward pass, calibrates the
batchnorm statistics over the whole training split, saves the model to
WORK-DIR/model.safetensors, and prints the train and val loss on stdout.
WORK-DIR/loss.csv logs every step (step, loss, learning_rate, val_loss: a val loss
probed every --eval-every steps), and WORK-DIR/loss.png plots it.

The checkpoint is also saved every --checkpoint-every steps and when training is
interrupted (Ctrl-C or SIGTERM: the current step finishes first, exit code 130);
--resume continues from it exactly as if training had not stopped.`,
		Example: `  makemore train                      # bundled names.txt, lecture defaults
  makemore train -i words.txt -o runs/words --max-steps 50000
  makemore train --resume -o runs/words  # continue an interrupted run`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.resume {
				for _, name := range resumeFixed {
					if cmd.Flags().Changed(name) {
						return usagef("--%s cannot be changed with --resume: the run continues with the checkpoint's", name)
					}
				}
			}
			if o.model.preset != "" {
				p, err := o.model.applyPreset(cmd)
				if err != nil {
					return err
				}
				setUnchanged(cmd, map[string]func(){
					"learning-rate": func() { o.lr = p.Schedule.LR },
					"lr-decay-step": func() { o.decayStep = p.Schedule.DecayStep },
					"lr-decay":      func() { o.decay = p.Schedule.DecayFactor },
					"max-steps":     func() { o.steps = p.MaxSteps },
				})
			}
			o.stepsSet = cmd.Flags().Changed("max-steps")
			o.out, o.errOut, o.log = cmd.OutOrStdout(), cmd.ErrOrStderr(), newLogger(cmd)
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
	fl.Uint64Var(&o.seed, "seed", 42, "seed of the split, the initial weights and the minibatches")
	fl.IntVar(&o.checkpointEvery, "checkpoint-every", 50000, "save a resumable checkpoint every N steps (0: only at the end)")
	fl.IntVar(&o.evalEvery, "eval-every", 1000, "probe the val loss every N steps, into loss.csv and the plot (0: never)")
	fl.BoolVar(&o.resume, "resume", false, "continue the run saved in the work dir")
	fl.BoolVar(&o.asJSON, "json", false, `print one JSON object {"train","val","steps","seconds","checkpoint"} instead of text`)
	addThreadsFlag(cmd, &o.threads)
	return cmd
}

func (o *trainOptions) validate() error {
	if err := o.model.validate(); err != nil {
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
	}
	return nil
}

func runTrain(ctx context.Context, o *trainOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	pool, err := newPool(o.threads)
	if err != nil {
		return err
	}
	defer pool.Close()
	defer o.log.display.Close() // an error leaves a phase unfinished
	words, err := readWords(o.input, o.log.display.Phase)
	if err != nil {
		return err
	}
	opts := train.Options{
		WorkDir:         o.workDir,
		Words:           words,
		Pool:            pool,
		Resume:          o.resume,
		KeepMaxSteps:    !o.stepsSet,
		MaxSteps:        o.steps,
		Seed:            o.seed,
		BatchSize:       o.model.batch,
		Schedule:        train.Schedule{LR: o.lr, DecayStep: o.decayStep, DecayFactor: o.decay},
		CheckpointEvery: o.checkpointEvery,
		EvalEvery:       o.evalEvery,
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
	prog := newProgress(o.log, pool.Threads())
	defer prog.finish() // an error leaves the bar unfinished
	res, err := train.Run(ctx, opts, prog)
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
	}
	if res.Interrupted {
		// Printed even with --quiet: like an error, it explains the exit code.
		fmt.Fprintf(o.errOut, "makemore: interrupted at step %d of %d; continue with: makemore train --resume -o %s%s\n", res.Step, res.MaxSteps, o.workDir, inputArg(o.input))
		return errInterrupted
	}
	if o.asJSON {
		return json.NewEncoder(o.out).Encode(struct {
			Train      float64 `json:"train"`
			Val        float64 `json:"val"`
			Steps      int     `json:"steps"`
			Seconds    float64 `json:"seconds"`
			Checkpoint string  `json:"checkpoint"`
		}{res.Train, res.Val, res.Step, res.Elapsed.Seconds(), res.Checkpoint})
	}
	_, err = fmt.Fprintf(o.out, "train %.4f\nval %.4f\n", res.Train, res.Val)
	return err
}

func inputArg(input string) string {
	if input == "" {
		return ""
	}
	return " -i " + input
}

// progress shows a run on stderr: what it trains and how long it took, and
// between the two a bar on a terminal that has room for it, or a plain line
// every 10,000 steps otherwise, so logs of scripted runs stay readable.
type progress struct {
	log         logger
	threads     int
	bar         *progressbar.ProgressBar
	first, last int
	start       time.Time
}

func newProgress(log logger, threads int) *progress {
	return &progress{log: log, threads: threads}
}

func (p *progress) Started(i train.Info) {
	p.log.printf("makemore: %d words (%d train, %d val, %d test), vocabulary of %d, %d parameters, kernel %s, %d threads",
		i.Words, i.Train, i.Val, i.Test, i.Vocab, i.Params, kernels.Kernel(), p.threads)
	if i.Resumed {
		p.log.printf("makemore: resuming at step %d of %d", i.Step, i.MaxSteps)
	}
	p.first, p.last, p.start = i.Step, i.MaxSteps, time.Now()
	if p.bar = p.log.display.Bar(int64(p.last), "loss 10.0000", "steps"); p.bar != nil {
		p.bar.Set(p.first)
	}
}

func (p *progress) Stepped(step int, loss float32) {
	if p.bar != nil {
		if step%100 == 0 || step == p.last {
			p.bar.Describe(fmt.Sprintf("loss %.4f", loss))
			p.bar.Set(step)
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
		p.log.printf("makemore: %d steps in %.1fs (%.1f µs/step)", steps, elapsed.Seconds(), float64(elapsed.Microseconds())/float64(steps))
	}
}

func (p *progress) Saved(path string, _ int, final bool) {
	if final {
		p.log.printf("makemore: saved %s", path)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}
