package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/fileio"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/lossplot"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/train"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

type trainFlags struct {
	input, workDir    string
	steps, batch      int
	lr, decay         float64
	decayStep         int
	seed              uint64
	embd, hidden, blk int
	threads           int
	checkpointEvery   int
	evalEvery         int
	resume            bool
	asJSON            bool
}

// resumeFixed are the flags a resumed run takes from the checkpoint instead.
var resumeFixed = []string{"batch-size", "learning-rate", "lr-decay-step", "lr-decay", "seed", "n-embd", "n-hidden", "block-size"}

func newTrainCmd() *cobra.Command {
	var f trainFlags
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
			if f.resume {
				for _, name := range resumeFixed {
					if cmd.Flags().Changed(name) {
						return usagef("--%s cannot be changed with --resume: the run continues with the checkpoint's", name)
					}
				}
			}
			return runTrain(cmd.Context(), f, cmd.Flags().Changed("max-steps"))
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.input, "input-file", "i", "", "words file, one per line (default: the bundled names.txt)")
	fl.StringVarP(&f.workDir, "work-dir", "o", "out", "directory for the checkpoint and the loss log")
	fl.IntVar(&f.steps, "max-steps", 200000, "SGD steps in all (with --resume: default the checkpoint's)")
	fl.IntVarP(&f.batch, "batch-size", "b", 32, "examples per minibatch (at least 2: batchnorm needs a variance)")
	fl.Float64VarP(&f.lr, "learning-rate", "l", 0.1, "initial learning rate")
	fl.IntVar(&f.decayStep, "lr-decay-step", 100000, "step from which the learning rate is multiplied by --lr-decay")
	fl.Float64Var(&f.decay, "lr-decay", 0.1, "learning-rate factor from --lr-decay-step on")
	fl.Uint64Var(&f.seed, "seed", 42, "seed of the split, the initial weights and the minibatches")
	fl.IntVar(&f.embd, "n-embd", 10, "embedding width per character")
	fl.IntVar(&f.hidden, "n-hidden", 200, "hidden units")
	fl.IntVar(&f.blk, "block-size", 3, "context length in characters")
	fl.IntVar(&f.checkpointEvery, "checkpoint-every", 50000, "save a resumable checkpoint every N steps (0: only at the end)")
	fl.IntVar(&f.evalEvery, "eval-every", 1000, "probe the val loss every N steps, into loss.csv and the plot (0: never)")
	fl.BoolVar(&f.resume, "resume", false, "continue the run saved in the work dir")
	fl.BoolVar(&f.asJSON, "json", false, `print one JSON object {"train","val","steps","seconds","checkpoint"} instead of text`)
	addThreadsFlag(cmd, &f.threads)
	return cmd
}

func (f *trainFlags) validate() error {
	switch {
	case f.batch < 2:
		return usagef("--batch-size must be at least 2 (batchnorm needs two rows for a variance), got %d", f.batch)
	case f.steps < 0:
		return usagef("--max-steps must be 0 or more, got %d", f.steps)
	case !(f.lr > 0) || math.IsInf(f.lr, 0):
		return usagef("--learning-rate must be a finite number above 0, got %v", f.lr)
	case !(f.decay > 0) || math.IsInf(f.decay, 0):
		return usagef("--lr-decay must be a finite number above 0, got %v", f.decay)
	case f.decayStep < 0:
		return usagef("--lr-decay-step must be 0 or more, got %d", f.decayStep)
	case f.checkpointEvery < 0:
		return usagef("--checkpoint-every must be 0 or more, got %d", f.checkpointEvery)
	case f.evalEvery < 0:
		return usagef("--eval-every must be 0 or more, got %d", f.evalEvery)
	}
	for _, s := range []struct {
		flag string
		v    int
		max  int
	}{{"--n-embd", f.embd, model.MaxDim}, {"--n-hidden", f.hidden, model.MaxDim}, {"--block-size", f.blk, model.MaxBlock}, {"--batch-size", f.batch, maxBatch}} {
		if s.v < 1 || s.v > s.max {
			return usagef("%s must be between 1 and %d, got %d", s.flag, s.max, s.v)
		}
	}
	if f.batch*f.hidden > maxBatchHidden {
		return usagef("--batch-size %d × --n-hidden %d is more than %d activations a layer; use a smaller batch", f.batch, f.hidden, maxBatchHidden)
	}
	return nil
}

// Limits on a training batch: its activations must fit in memory many times over.
const (
	maxBatch       = 1 << 16
	maxBatchHidden = 1 << 26
)

// run is one training run: what it trains on and where it stands.
type run struct {
	words *data.File
	vocab *data.Vocab
	m     *model.Model
	meta  model.Meta
	src   *rand.PCG
}

// newRun starts a fresh run from the flags.
func newRun(f trainFlags) (*run, error) {
	words, err := readWords(f.input)
	if err != nil {
		return nil, err
	}
	vocab := data.NewVocab(words.Words)
	cfg := model.Config{Vocab: vocab.Size(), Block: f.blk, Embd: f.embd, Hidden: f.hidden}
	if err := cfg.Validate(); err != nil {
		return nil, usagef("%s: %v", words.Name, err)
	}
	m := model.New(cfg)
	m.Init(data.NewRand(f.seed, data.StreamInit))
	return &run{
		words: words,
		vocab: vocab,
		m:     m,
		src:   rand.NewPCG(f.seed, data.StreamBatch),
		meta: model.Meta{
			Vocab:       vocab.String(),
			MaxWordLen:  data.MaxLen(words.Words),
			WordsSHA256: words.SHA256,
			Seed:        f.seed,
			MaxSteps:    f.steps,
			BatchSize:   f.batch,
			LR:          f.lr,
			LRDecayStep: f.decayStep,
			LRDecay:     f.decay,
		},
	}, nil
}

// resumeRun continues the run saved in the work dir.
func resumeRun(f trainFlags, stepsSet bool) (*run, error) {
	m, meta, vocab, err := loadModel(f.workDir)
	if err != nil {
		return nil, err
	}
	words, err := readWords(f.input)
	if err != nil {
		return nil, err
	}
	if err := checkWords(words, meta, vocab); err != nil {
		return nil, err
	}
	state, err := hex.DecodeString(meta.RNGState)
	src := &rand.PCG{}
	if err == nil {
		err = src.UnmarshalBinary(state)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: no resumable generator state; the file is damaged or was not written by makemore train", checkpointPath(f.workDir))
	}
	if stepsSet {
		meta.MaxSteps = f.steps
	}
	if meta.Step > meta.MaxSteps {
		return nil, usagef("--max-steps %d is below the %d steps the checkpoint has already taken", meta.MaxSteps, meta.Step)
	}
	return &run{words: words, vocab: vocab, m: m, meta: meta, src: src}, nil
}

func runTrain(ctx context.Context, f trainFlags, stepsSet bool) error {
	if err := f.validate(); err != nil {
		return err
	}
	pool, err := newPool(f.threads)
	if err != nil {
		return err
	}
	defer pool.Close()
	var r *run
	if f.resume {
		r, err = resumeRun(f, stepsSet)
	} else {
		r, err = newRun(f)
	}
	if err != nil {
		return err
	}
	m, meta := r.m, r.meta
	sp, err := buildSplits(r.words, r.vocab, m.Block, meta.Seed)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.workDir, 0o755); err != nil {
		return fmt.Errorf("%s: cannot create the work dir: %v", f.workDir, err)
	}
	sched := train.Schedule{LR: meta.LR, DecayStep: meta.LRDecayStep, DecayFactor: meta.LRDecay}
	tr := train.New(m, pool, sp.train, meta.BatchSize, r.src, sched)
	tr.Step = meta.Step
	logf("makemore: %d words (%d train, %d val, %d test), vocabulary of %d, %d parameters, kernel %s, %d threads",
		len(r.words.Words), len(sp.words.Train), len(sp.words.Val), len(sp.words.Test), m.Vocab, m.NumParams(), kernels.Kernel(), pool.Threads())
	if f.resume {
		logf("makemore: resuming at step %d of %d", tr.Step, meta.MaxSteps)
	}

	ev := model.NewEvaluator(m, pool)
	path := checkpointPath(f.workDir)
	// save calibrates batchnorm first, so every checkpoint is ready for eval and
	// sampling; the statistics are not trained, so resuming is unaffected.
	save := func() error {
		ev.Calibrate(sp.train.X)
		if !m.Finite() {
			// The last update overflowed: the forward pass of the next step would
			// have reported it, but there is none before this save.
			return &train.DivergedError{Step: tr.Step, Loss: float32(math.NaN()), LR: sched.At(tr.Step)}
		}
		meta.Step = tr.Step
		meta.RNGState = hex.EncodeToString(tr.RNGState())
		return m.Save(path, meta)
	}

	log, err := openLossLog(filepath.Join(f.workDir, "loss.csv"), tr.Step)
	if err != nil {
		return err
	}
	defer log.f.Close()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	probe := train.NewValProbe(m, pool, sp.train, sp.val)
	start, startStep := time.Now(), tr.Step
	prog := newProgress(tr.Step, meta.MaxSteps)
	for tr.Step < meta.MaxSteps && ctx.Err() == nil {
		step := tr.Step
		loss, lr, err := tr.StepOnce()
		if err != nil {
			// The last checkpoint is left as it was: it holds the last good weights.
			log.flush()
			return err
		}
		val := math.NaN()
		if f.evalEvery > 0 && tr.Step%f.evalEvery == 0 {
			val = probe.Loss()
		}
		log.add(step, loss, lr, val)
		prog.update(tr.Step, loss)
		if f.checkpointEvery > 0 && tr.Step%f.checkpointEvery == 0 && tr.Step < meta.MaxSteps {
			if err := log.flush(); err != nil {
				return err
			}
			if err := save(); err != nil {
				return err
			}
		}
	}
	interrupted := ctx.Err() != nil
	stop() // from here a second Ctrl-C ends the process at once; the save below is atomic
	prog.finish()
	if n := tr.Step - startStep; n > 0 {
		el := time.Since(start)
		logf("makemore: %d steps in %.1fs (%.1f µs/step)", n, el.Seconds(), float64(el.Microseconds())/float64(n))
	}
	if err := log.flush(); err != nil {
		return err
	}
	if err := save(); err != nil {
		return err
	}
	logf("makemore: saved %s", path)
	if tr.Step > 0 { // a plot needs a step to draw
		if err := writePlot(f.workDir); err != nil {
			return fmt.Errorf("%v (the model is saved)", err)
		}
	}
	if interrupted {
		// Printed even with --quiet: like an error, it explains the exit code.
		fmt.Fprintf(os.Stderr, "makemore: interrupted at step %d of %d; continue with: makemore train --resume -o %s%s\n", tr.Step, meta.MaxSteps, f.workDir, inputArg(f.input))
		return errInterrupted
	}
	res := struct {
		Train      float64 `json:"train"`
		Val        float64 `json:"val"`
		Steps      int     `json:"steps"`
		Seconds    float64 `json:"seconds"`
		Checkpoint string  `json:"checkpoint"`
	}{ev.Loss(sp.train.X, sp.train.Y), ev.Loss(sp.val.X, sp.val.Y), tr.Step, time.Since(start).Seconds(), path}
	if f.asJSON {
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	fmt.Printf("train %.4f\nval %.4f\n", res.Train, res.Val)
	return nil
}

func inputArg(input string) string {
	if input == "" {
		return ""
	}
	return " -i " + input
}

// lossLog is loss.csv: one line per step, flushed at each checkpoint, so that
// after an interruption it holds exactly the steps the checkpoint has taken.
type lossLog struct {
	path string
	f    *os.File
	w    *bufio.Writer
	buf  []byte
}

const lossHeader = lossplot.Header + "\n"

// openLossLog opens the log for a run at step from: the lines of earlier steps
// are kept (a resumed run continues the log), any later ones dropped.
func openLossLog(path string, from int) (*lossLog, error) {
	var kept []byte
	if from > 0 {
		old, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: cannot read the loss log: %v", path, fileio.Cause(err))
		}
		for _, line := range bytes.SplitAfter(old, []byte("\n")) {
			comma := bytes.IndexByte(line, ',')
			step, err := strconv.Atoi(string(line[:max(comma, 0)]))
			if err == nil && step < from && bytes.HasSuffix(line, []byte("\n")) {
				kept = append(kept, line...)
			}
		}
	}
	// The kept lines are rewritten atomically and only then appended to, so a
	// crash early in a resumed run cannot lose the history.
	if err := fileio.WriteAtomic(path, append([]byte(lossHeader), kept...)); err != nil {
		return nil, fmt.Errorf("%s: cannot write the loss log: %v", path, fileio.Cause(err))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot write the loss log: %v", path, fileio.Cause(err))
	}
	return &lossLog{path: path, f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
}

// add logs step's minibatch loss and learning rate, and the val loss probed
// after it unless val is NaN.
func (l *lossLog) add(step int, loss, lr float32, val float64) {
	b := strconv.AppendInt(l.buf[:0], int64(step), 10)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(loss), 'f', 6, 32)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(lr), 'g', -1, 32)
	b = append(b, ',')
	if !math.IsNaN(val) {
		b = strconv.AppendFloat(b, val, 'f', 6, 64)
	}
	l.buf = append(b, '\n')
	l.w.Write(l.buf)
}

func (l *lossLog) flush() error {
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("%s: cannot write the loss log: %v", l.path, fileio.Cause(err))
	}
	return nil
}

// progress shows a bar on a terminal, and a plain line every 10,000 steps
// otherwise, so logs of scripted runs stay readable.
type progress struct {
	bar         *progressbar.ProgressBar
	first, last int
	start       time.Time
}

func newProgress(first, last int) *progress {
	p := &progress{first: first, last: last, start: time.Now()}
	if !quiet && isTerminal(os.Stderr) && os.Getenv("NO_COLOR") == "" {
		p.bar = progressbar.NewOptions(last,
			progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription("training"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("steps"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		p.bar.Set(first)
	}
	return p
}

func (p *progress) update(step int, loss float32) {
	if p.bar != nil {
		if step%100 == 0 || step == p.last {
			p.bar.Describe(fmt.Sprintf("loss %.4f", loss))
			p.bar.Set(step)
		}
		return
	}
	if step%10000 == 0 || step == p.last {
		rate := float64(step-p.first) / time.Since(p.start).Seconds()
		logf("step %7d/%d  loss %.4f  %.0f steps/s  eta %.0fs", step, p.last, loss, rate, float64(p.last-step)/rate)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
