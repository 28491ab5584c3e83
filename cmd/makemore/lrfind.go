package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"

	"github.com/makemore/makemore/internal/lossplot"
	"github.com/makemore/makemore/internal/plural"
	"github.com/makemore/makemore/internal/train"
	"github.com/spf13/cobra"
)

type lrFindOptions struct {
	input, workDir string
	model          modelFlags
	steps          int
	minLR, maxLR   float64
	seed           uint64
	threads        int
	asJSON         bool
	optimizer      train.Optimizer // the model's own: a transformer sweeps AdamW's rate

	in  io.Reader // the words file of --input-file -
	out io.Writer
	log logger
}

// An AdamW sweep's default range, around makemore.py's 5e-4.
const (
	adamWMinLR = 1e-5
	adamWMaxLR = 1e-1
)

// maxSweepSteps bounds --steps: a sweep is a quick look, not a training run.
const maxSweepSteps = 1_000_000

func newLRFindCmd() *cobra.Command {
	var o lrFindOptions
	cmd := &cobra.Command{
		Use:   "lr-find",
		Short: "Sweep the learning rate on a fresh model and suggest one (lecture 2)",
		Long: `Lr-find trains a freshly initialised model (the model flags, or --preset) for --steps
minibatch steps whose learning rates rise evenly in log10 from --min-lr to --max-lr —
by default the lecture's lre = torch.linspace(-3, 0, 1000), lr = 10**lre — and draws each step's
minibatch loss against log10 of its rate in WORK-DIR/lr.png. Nothing is saved.

It prints a suggested learning rate and how it was chosen: the loss, averaged over a
twentieth of the sweep, falls from its start to its lowest point; the suggestion is the
first rate at which it has made 95% of that fall — where the valley's floor starts, as
the lecture reads its plot to settle on 0.1 — rounded to 1, 2 or 5 × a power of ten.
A step whose loss is no longer a finite number (the rate has grown too large) ends the
sweep; the steps before it are read the same way.`,
		Example: `  makemore lr-find
  makemore lr-find --preset part5 -o runs/part5 --json`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, _, err := o.model.applyPreset(cmd)
			if err != nil {
				return err
			}
			o.optimizer = p.Optimizer
			if o.optimizer.IsAdamW() {
				// AdamW's steps are about lr in every weight: its rates lie
				// some 100× below SGD's (makemore.py's 5e-4).
				setUnchanged(cmd, map[string]func(){
					"min-lr": func() { o.minLR = adamWMinLR },
					"max-lr": func() { o.maxLR = adamWMaxLR },
				})
			}
			o.in, o.out, o.log = cmd.InOrStdin(), cmd.OutOrStdout(), newLogger(cmd)
			return runLRFind(&o)
		},
	}
	addInputFlag(cmd, &o.input, "words file, one per line")
	addWorkDirFlag(cmd, &o.workDir, "directory for lr.png")
	addModelFlags(cmd, &o.model)
	fl := cmd.Flags()
	fl.IntVar(&o.steps, "steps", 1000, "steps of the sweep, one learning rate each")
	fl.Float64Var(&o.minLR, "min-lr", 1e-3, fmt.Sprintf("learning rate of the first step (a transformer, trained with AdamW: %g)", adamWMinLR))
	fl.Float64Var(&o.maxLR, "max-lr", 1, fmt.Sprintf("learning rate of the last step (a transformer: %g)", adamWMaxLR))
	fl.Uint64Var(&o.seed, "seed", 42, "seed of the split, the initial weights and the minibatches")
	fl.BoolVar(&o.asJSON, "json", false, "print one JSON object (docs/commands.md has its fields) instead of text")
	addThreadsFlag(cmd, &o.threads)
	return cmd
}

func runLRFind(o *lrFindOptions) error {
	if err := o.model.validate(); err != nil {
		return err
	}
	switch {
	case o.steps < 2 || o.steps > maxSweepSteps:
		return usagef("--steps must be between 2 and %d, got %d", maxSweepSteps, o.steps)
	case !(o.minLR > 0) || !(o.maxLR > o.minLR) || o.maxLR > math.MaxFloat32:
		return usagef("--min-lr and --max-lr must be rates with 0 < min < max ≤ %.3g (float32), got %v and %v", math.MaxFloat32, o.minLR, o.maxLR)
	}
	pool, err := newPool(o.threads)
	if err != nil {
		return err
	}
	defer pool.Close()
	words, err := readWords(o.input, o.in, o.log.display.Phase)
	if err != nil {
		return err
	}
	cfg, err := o.model.config(words, words.Vocab())
	if err != nil {
		return err
	}
	sweep := train.Sweep{From: math.Log10(o.minLR), To: math.Log10(o.maxLR), Steps: o.steps}
	o.log.printf("makemore: lr-find: %s, learning rate %g to %g", plural.Count(o.steps, "step"), o.minLR, o.maxLR)
	losses, diverged, err := train.FindLR(train.Options{Words: words, Pool: pool, Model: cfg, Seed: o.seed, BatchSize: o.model.batch, Optimizer: o.optimizer, Progress: o.log.display.Phase}, sweep)
	if err != nil {
		return err
	}
	if len(losses) == 0 {
		return fmt.Errorf("%s: the loss was not finite at the first step, before any learning rate could matter; check the model flags", words.Name)
	}
	g := sweep.Suggest(losses)
	path := filepath.Join(o.workDir, "lr.png")
	err = writePicture(path, func() ([]byte, error) {
		s := lossplot.Sweep{Window: g.Window, Smoothed: g.Smoothed, Suggested: g.LR, Stopped: diverged != nil}
		for i, l := range losses {
			s.Exponent, s.Loss = append(s.Exponent, sweep.Exponent(i)), append(s.Loss, float64(l))
		}
		return lossplot.RenderSweep(s)
	})
	if err != nil {
		return err
	}
	o.log.printf("makemore: wrote %s", path)

	res := lrFindResult{
		SuggestedLR: g.LR, FloorLR: math.Pow(10, g.Exponent), FloorStep: g.Floor,
		LowestLR: float64(sweep.At(g.Low)), LowestStep: g.Low, LowestLoss: g.Smoothed[g.Low], StartLoss: g.Smoothed[0],
		Window: g.Window, Steps: len(losses), LowAtEnd: g.Low >= o.steps-g.Window, Plot: path, Losses: losses,
	}
	if diverged != nil {
		res.StoppedAt, res.StoppedLR = &diverged.Step, float64(diverged.LR)
	}
	if o.asJSON {
		return json.NewEncoder(o.out).Encode(res)
	}
	w := o.out
	fmt.Fprintf(w, "suggested learning rate %g\n", res.SuggestedLR)
	if diverged != nil {
		fmt.Fprintf(w, "the loss was not finite at step %d (learning rate %.3g): the sweep stopped there and reads the %s before it\n", diverged.Step, diverged.LR, plural.Count(len(losses), "step"))
	}
	fmt.Fprintf(w, "the loss, averaged over %s, fell from %.4f to its lowest, %.4f, at learning rate %.3g (step %d);\n", plural.Count(res.Window, "step"), res.StartLoss, res.LowestLoss, res.LowestLR, res.LowestStep)
	fmt.Fprintf(w, "it had first made %g%% of that fall at learning rate %.3g (step %d), where the valley's floor starts; rounded, %g\n", 100-train.FloorFraction*100, res.FloorLR, res.FloorStep, res.SuggestedLR)
	if res.LowAtEnd {
		fmt.Fprintf(w, "the loss was lowest in the sweep's last %s: its valley may lie beyond %g, where the sweep does not look\n", plural.Count(res.Window, "step"), o.maxLR)
	}
	return nil
}

// lrFindResult is lr-find's --json object.
type lrFindResult struct {
	SuggestedLR float64   `json:"suggested_lr"`
	FloorLR     float64   `json:"floor_lr"`
	FloorStep   int       `json:"floor_step"`
	LowestLR    float64   `json:"lowest_lr"`
	LowestStep  int       `json:"lowest_step"`
	LowestLoss  float64   `json:"lowest_loss"`
	StartLoss   float64   `json:"start_loss"`
	Window      int       `json:"window"`
	Steps       int       `json:"steps"`
	LowAtEnd    bool      `json:"low_at_end"`
	StoppedAt   *int      `json:"stopped_at"`
	StoppedLR   float64   `json:"stopped_lr,omitempty"`
	Plot        string    `json:"plot"`
	Losses      []float32 `json:"losses"`
}
