package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/matmul"
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
}

func newTrainCmd() *cobra.Command {
	var f trainFlags
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train the model and save it in the work dir",
		Long: `Train runs minibatch SGD with the hand-written backward pass, calibrates the
batchnorm statistics over the whole training split, saves the model to
WORK-DIR/model.safetensors and the minibatch losses to WORK-DIR/loss.csv, and prints
the train and val loss on stdout.`,
		Example: `  makemore train                      # bundled names.txt, lecture defaults
  makemore train -i words.txt -o runs/words --max-steps 50000`,
		RunE: func(cmd *cobra.Command, _ []string) error { return runTrain(cmd.Context(), f) },
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.input, "input-file", "i", "", "words file, one per line (default: the bundled names.txt)")
	fl.StringVarP(&f.workDir, "work-dir", "o", "out", "directory for the checkpoint and the loss log")
	fl.IntVar(&f.steps, "max-steps", 200000, "SGD steps")
	fl.IntVarP(&f.batch, "batch-size", "b", 32, "examples per minibatch (at least 2: batchnorm needs a variance)")
	fl.Float64VarP(&f.lr, "learning-rate", "l", 0.1, "initial learning rate")
	fl.IntVar(&f.decayStep, "lr-decay-step", 100000, "step from which the learning rate is multiplied by --lr-decay")
	fl.Float64Var(&f.decay, "lr-decay", 0.1, "learning-rate factor from --lr-decay-step on")
	fl.Uint64Var(&f.seed, "seed", 42, "seed of the split, the initial weights and the minibatches")
	fl.IntVar(&f.embd, "n-embd", 10, "embedding width per character")
	fl.IntVar(&f.hidden, "n-hidden", 200, "hidden units")
	fl.IntVar(&f.blk, "block-size", 3, "context length in characters")
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
	}
	for _, s := range []struct {
		flag string
		v    int
	}{{"--n-embd", f.embd}, {"--n-hidden", f.hidden}, {"--block-size", f.blk}} {
		if s.v < 1 {
			return usagef("%s must be at least 1, got %d", s.flag, s.v)
		}
	}
	return nil
}

func runTrain(ctx context.Context, f trainFlags) error {
	if err := f.validate(); err != nil {
		return err
	}
	pool, err := newPool(f.threads)
	if err != nil {
		return err
	}
	defer pool.Close()
	words, err := readWords(f.input)
	if err != nil {
		return err
	}
	vocab := data.NewVocab(words.Words)
	sp, err := buildSplits(words, vocab, f.blk, f.seed)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.workDir, 0o755); err != nil {
		return fmt.Errorf("%s: cannot create the work dir: %v", f.workDir, err)
	}

	cfg := model.Config{Vocab: vocab.Size(), Block: f.blk, Embd: f.embd, Hidden: f.hidden}
	m := model.New(cfg)
	m.Init(data.NewRand(f.seed, data.StreamInit))
	sched := train.Schedule{LR: f.lr, DecayStep: f.decayStep, DecayFactor: f.decay}
	tr := train.New(m, pool, sp.train, f.batch, data.NewRand(f.seed, data.StreamBatch), sched)
	logf("makemore: %d words (%d train, %d val, %d test), vocabulary of %d, %d parameters, kernel %s, %d threads",
		len(words.Words), len(sp.words.Train), len(sp.words.Val), len(sp.words.Test), cfg.Vocab, cfg.NumParams(), matmul.Kernel(), pool.Threads())

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	csvPath := filepath.Join(f.workDir, "loss.csv")
	start := time.Now()
	interrupted, err := trainLoop(ctx, tr, f.steps, csvPath)
	if err != nil {
		return err
	}
	stop() // a second Ctrl-C during saving kills the process the usual way
	elapsed := time.Since(start)
	if tr.Step > 0 {
		logf("makemore: %d steps in %.1fs (%.1f µs/step)", tr.Step, elapsed.Seconds(), float64(elapsed.Microseconds())/float64(tr.Step))
	}

	ev := model.NewEvaluator(m, pool)
	ev.Calibrate(sp.train.X)
	meta := model.Meta{
		Vocab:       vocab.String(),
		MaxWordLen:  data.MaxLen(words.Words),
		WordsSHA256: words.SHA256,
		Seed:        f.seed,
		Step:        tr.Step,
		BatchSize:   f.batch,
		Schedule:    fmt.Sprintf("lr %g, ×%g from step %d, %d steps", f.lr, f.decay, f.decayStep, f.steps),
	}
	path := checkpointPath(f.workDir)
	if err := m.Save(path, meta); err != nil {
		return err
	}
	logf("makemore: saved %s", path)
	if interrupted {
		logf("makemore: interrupted at step %d of %d", tr.Step, f.steps)
		return errInterrupted
	}
	fmt.Printf("train %.4f\n", ev.Loss(sp.train.X, sp.train.Y))
	fmt.Printf("val %.4f\n", ev.Loss(sp.val.X, sp.val.Y))
	return nil
}

// trainLoop takes steps until tr.Step reaches steps or ctx is cancelled,
// logging each minibatch loss to csvPath. It reports whether it was interrupted.
func trainLoop(ctx context.Context, tr *train.Trainer, steps int, csvPath string) (bool, error) {
	tmp := csvPath + ".partial"
	fcsv, err := os.Create(tmp)
	if err != nil {
		return false, fmt.Errorf("%s: cannot write the loss log: %v", tmp, err)
	}
	defer os.Remove(tmp) // a no-op once renamed
	w := bufio.NewWriter(fcsv)
	fmt.Fprintln(w, "step,loss,learning_rate")

	prog := newProgress(steps)
	interrupted := false
	var buf []byte
	for tr.Step < steps {
		if ctx.Err() != nil {
			interrupted = true
			break
		}
		step := tr.Step
		loss, lr, err := tr.StepOnce()
		if err != nil {
			fcsv.Close()
			return false, err
		}
		buf = strconv.AppendInt(buf[:0], int64(step), 10)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, float64(loss), 'f', 6, 32)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, float64(lr), 'g', -1, 32)
		buf = append(buf, '\n')
		w.Write(buf)
		prog.update(step+1, loss)
	}
	prog.finish()
	if err := w.Flush(); err != nil {
		fcsv.Close()
		return false, fmt.Errorf("%s: cannot write the loss log: %v", tmp, err)
	}
	if err := fcsv.Close(); err != nil {
		return false, fmt.Errorf("%s: cannot write the loss log: %v", tmp, err)
	}
	if err := os.Rename(tmp, csvPath); err != nil {
		return false, fmt.Errorf("%s: cannot write the loss log: %v", csvPath, err)
	}
	return interrupted, nil
}

// progress shows a bar on a terminal, and a plain line every 10,000 steps
// otherwise, so logs of scripted runs stay readable.
type progress struct {
	bar   *progressbar.ProgressBar
	total int
	start time.Time
}

func newProgress(total int) *progress {
	p := &progress{total: total, start: time.Now()}
	if isTerminal(os.Stderr) && os.Getenv("NO_COLOR") == "" {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription("training"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("steps"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

func (p *progress) update(step int, loss float32) {
	if p.bar != nil {
		if step%100 == 0 || step == p.total {
			p.bar.Describe(fmt.Sprintf("loss %.4f", loss))
			p.bar.Set(step)
		}
		return
	}
	if step%10000 == 0 || step == p.total {
		el := time.Since(p.start).Seconds()
		rate := float64(step) / el
		logf("step %7d/%d  loss %.4f  %.0f steps/s  eta %.0fs", step, p.total, loss, rate, float64(p.total-step)/rate)
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
