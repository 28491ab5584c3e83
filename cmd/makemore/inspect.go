package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/diagplot"
	"github.com/makemore/makemore/internal/inspect"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/plural"
	"github.com/makemore/makemore/internal/workdir"
	"github.com/spf13/cobra"
)

type inspectOptions struct {
	input, workDir, outDir, words string
	init                          bool
	model                         modelFlags
	seed                          uint64
	seedSet                       bool // --seed was given: a checkpoint's own seed is not used
	threads                       int
	asJSON                        bool
	pictures                      bool // draw them: the tables' default, with --json only when --out says where

	in  io.Reader // the words file of --input-file -
	out io.Writer
	log logger
}

// initOnly are the flags that describe a fresh model: a checkpoint has its own.
var initOnly = []string{"preset", "model", "activation", "n-layer", "n-embd", "n-hidden", "block-size", "gain", "batchnorm"}

func newInspectCmd() *cobra.Command {
	var o inspectOptions
	cmd := &cobra.Command{
		Use:   "inspect",
		Short: "Show the activations and gradients of one training-mode pass (lecture 3's diagnostics)",
		Long: `Inspect runs the model of the work dir's checkpoint, or with --init a freshly
initialised one, forward and backward in training mode (batchnorm on the batch's
statistics, as a training step) over one batch, and prints lecture 3's diagnostics:
per hidden activation layer the mean and std of its output, the share of saturated
units, and the mean and std of its gradient; per 2-D weight the mean and std of its
gradient and grad:data = grad.std()/weight.std(). Every std is the n−1 one.

Saturated means: tanh |t| > 0.97 (the lecture's rule); ReLU an output of exactly 0;
GELU an input below −atanh(0.97) ≈ −2.09, the inputs at which tanh saturates, on
GELU's one flat side. saturation.png maps the same with the lecture's 0.99
(tanh |t| > 0.99, GELU input below −2.65).

The batch is every (context, next) example of the words of --words FILE, in file
order; without it, --batch-size examples of the training split drawn uniformly with
replacement by the minibatch generator of --seed: the first minibatch that
'makemore train --seed S' draws (a checkpoint's split and, by default, its seed).

It writes activations.png, gradients.png and weights.png (density histograms over
100 bins, one curve per layer or weight) and saturation.png (batch rows × hidden
units, white where saturated, one panel per layer) in --out, default the work dir;
with --json, for scripts, only when --out is given. The report is printed first, so a
picture that cannot be written costs nothing of it. --json prints one object: {"loss", "layers": [{"name", "act_mean", "act_std",
"saturation_pct", "grad_mean", "grad_std"}], "params": [{"name", "shape",
"grad_mean", "grad_std", "data_std", "grad_data_ratio"}]}.`,
		Example: `  makemore inspect                        # the trained model in out/
  makemore inspect --init --out docs      # the default model at initialisation
  makemore inspect --init --gain 1        # without tanh's 5/3 gain
  makemore inspect --init --preset part3 --json
  makemore inspect -o runs/words --words some-words.txt`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !o.init {
				for _, name := range initOnly {
					if cmd.Flags().Changed(name) {
						return usagef("--%s describes a fresh model: use it with --init (a checkpoint has its own)", name)
					}
				}
			} else if _, _, err := o.model.applyPreset(cmd); err != nil {
				return err
			}
			if o.words != "" && cmd.Flags().Changed("batch-size") {
				return usagef("--batch-size draws a batch, --words takes every example of a file: give one of them")
			}
			o.seedSet = cmd.Flags().Changed("seed")
			o.pictures = !o.asJSON || cmd.Flags().Changed("out")
			if o.outDir == "" {
				o.outDir = o.workDir
			}
			o.in, o.out, o.log = cmd.InOrStdin(), cmd.OutOrStdout(), newLogger(cmd)
			return runInspect(&o)
		},
	}
	addInputFlag(cmd, &o.input, "words file of the training split (with a checkpoint: the one it was trained on)")
	addWorkDirFlag(cmd, &o.workDir, "directory holding model.safetensors, and where the pictures go")
	addModelFlags(cmd, &o.model)
	fl := cmd.Flags()
	fl.BoolVar(&o.init, "init", false, "a freshly initialised model of the model flags or --preset instead of the checkpoint")
	fl.StringVar(&o.words, "words", "", "the batch: every example of this file's words, in file order")
	fl.StringVar(&o.outDir, "out", "", "directory for the pictures (default: the work dir)")
	fl.Uint64Var(&o.seed, "seed", 42, "seed of the batch's draw (with --init also of the split and the weights; with a checkpoint default its seed)")
	fl.BoolVar(&o.asJSON, "json", false, "print one JSON object (see above) instead of tables")
	addThreadsFlag(cmd, &o.threads)
	return cmd
}

func runInspect(o *inspectOptions) error {
	if err := o.model.validate(); err != nil {
		return err
	}
	pool, err := newPool(o.threads)
	if err != nil {
		return err
	}
	defer pool.Close()
	m, vocab, train, err := o.load()
	if err != nil {
		return err
	}
	if m.Sequence() {
		// Its tables are lecture 3's, of batchnorm, tanh saturation and the
		// 2-D weights of a chain of Linears.
		return fmt.Errorf("inspect reports the MLP models' layers; a %s's are not reported yet (gradcheck checks its gradients, and train --eval-every follows its val loss)", m.Arch)
	}
	x, y, err := o.batch(m, vocab, train)
	if err != nil {
		return err
	}
	rep, err := inspect.Run(pool, m, x, y)
	if err != nil {
		return err
	}
	if o.asJSON {
		err = json.NewEncoder(o.out).Encode(rep)
	} else {
		err = printReport(o.out, rep, !m.NoBN)
	}
	if err != nil || !o.pictures {
		return err
	}
	if err := writePictures(o.outDir, rep); err != nil {
		return err
	}
	o.log.printf("makemore: wrote activations.png, gradients.png, weights.png and saturation.png in %s", o.outDir)
	return nil
}

// load returns the model to inspect, its vocabulary, and the training split
// a batch is drawn from (nil with --words, which needs none).
func (o *inspectOptions) load() (*model.Model, *data.Vocab, *data.Dataset, error) {
	needSplit := o.words == ""
	if o.init {
		words, err := readWords(o.input, o.in, o.log.display.Phase)
		if err != nil {
			return nil, nil, nil, err
		}
		vocab := words.Vocab()
		cfg, err := o.model.config(words, vocab)
		if err != nil {
			return nil, nil, nil, err
		}
		m := model.New(cfg)
		m.Init(data.NewRand(o.seed, data.StreamInit))
		if !needSplit {
			return m, vocab, nil, nil
		}
		sp, err := data.BuildSplits(words, vocab, cfg.Block, o.seed, o.log.display.Phase("splitting the words"))
		if err != nil {
			return nil, nil, nil, err
		}
		return m, vocab, sp.Train, nil
	}
	ck, err := workdir.Load(o.workDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, fmt.Errorf("%v; the pictures' directory is --out, and --init inspects a fresh model", err)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if !o.seedSet {
		o.seed = ck.Meta.Seed
	}
	if !needSplit {
		return ck.Model, ck.Vocab, nil, nil
	}
	words, err := readWords(o.input, o.in, o.log.display.Phase)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := ck.CheckWords(words); err != nil {
		return nil, nil, nil, err
	}
	sp, err := data.BuildSplits(words, ck.Vocab, ck.Model.Context(), ck.Meta.Seed, o.log.display.Phase("splitting the words"))
	if err != nil {
		return nil, nil, nil, err
	}
	return ck.Model, ck.Vocab, sp.Train, nil
}

// batch is the examples to pass: every one of --words, or a draw from train.
func (o *inspectOptions) batch(m *model.Model, vocab *data.Vocab, train *data.Dataset) (x, y []int32, err error) {
	if train != nil {
		if err := m.Net.CheckBatch(o.model.batch); err != nil {
			return nil, nil, usagef("--batch-size: %v", err)
		}
		x, y = make([]int32, o.model.batch*m.Block), make([]int32, o.model.batch)
		train.Batch(data.NewRand(o.seed, data.StreamBatch), x, y)
		return x, y, nil
	}
	f, err := data.ReadFile(o.words, "--words", o.log.display.Phase("reading "+o.words))
	if err != nil {
		return nil, nil, err
	}
	if miss := vocab.Missing(f); len(miss) > 0 {
		return nil, nil, fmt.Errorf("%s: characters %q are not in the model's vocabulary %q; use words the model can spell", f.Name, string(miss), vocab.String())
	}
	ds := data.NewDataset(f, vocab, m.Block)
	if err := m.Net.CheckBatch(ds.Len()); err != nil {
		return nil, nil, fmt.Errorf("%s: its %s make %s: %v; use fewer or more words", f.Name, plural.Count(f.Len(), "word"), plural.Count(ds.Len(), "example"), err)
	}
	x, y = make([]int32, ds.Len()*m.Block), make([]int32, ds.Len())
	ds.Gather(0, x, y)
	return x, y, nil
}

// writePictures draws the report's four pictures into dir.
func writePictures(dir string, rep *inspect.Report) error {
	for _, p := range []struct {
		name string
		draw func(*inspect.Report) ([]byte, error)
	}{
		{"activations.png", diagplot.Activations},
		{"gradients.png", diagplot.Gradients},
		{"weights.png", diagplot.Weights},
		{"saturation.png", diagplot.Saturation},
	} {
		if err := writePicture(filepath.Join(dir, p.name), func() ([]byte, error) { return p.draw(rep) }); err != nil {
			return err
		}
	}
	return nil
}

// printReport prints the report as two tables, the layers' and the weights';
// batchnorm says whether training mode means the batch's statistics.
func printReport(w io.Writer, rep *inspect.Report, batchnorm bool) error {
	mode := "training mode"
	if batchnorm {
		mode += " (batch statistics)"
	}
	fmt.Fprintf(w, "loss %.4f on %s, %s\n\n", rep.Loss, plural.Count(rep.Batch, "example"), mode)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "layer\tact mean\tact std\tsaturated\tgrad mean\tgrad std")
	for _, l := range rep.Layers {
		fmt.Fprintf(tw, "%s (%s)\t%+.4f\t%.4f\t%.2f%%\t%+.3e\t%.3e\n", l.Name, l.Kind, l.ActMean, l.ActStd, l.SaturationPct, l.GradMean, l.GradStd)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(tw, "weight\tshape\tgrad mean\tgrad std\tdata std\tgrad:data")
	for _, p := range rep.Params {
		fmt.Fprintf(tw, "%s\t%s\t%+.3e\t%.3e\t%.4f\t%.3e\n", p.Name, shapeString(p.Shape), p.GradMean, p.GradStd, p.DataStd, p.GradDataRatio)
	}
	return tw.Flush()
}

func shapeString(shape []int) string {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = fmt.Sprint(d)
	}
	return strings.Join(s, "×")
}
