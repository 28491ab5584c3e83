package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/makemore/makemore/internal/backprop"
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/plural"
	"github.com/spf13/cobra"
)

// makemore.py's models' gradcheck defaults: words in the batch, and finite
// differences per tensor.
const (
	sequenceCheckWords   = 4
	sequenceCheckSamples = 20
)

func newGradcheckCmd() *cobra.Command {
	var (
		input     string
		mf        modelFlags
		seed      uint64
		threads   int
		fdSamples int
	)
	cmd := &cobra.Command{
		Use:   "gradcheck",
		Short: "Check the hand-written backward pass on one minibatch",
		Long: `Gradcheck draws a freshly initialised model and one minibatch, then prints the
lecture's comparison table: the fused backward pass against the step-by-step one
(max |diff| ≤ 1e-6 on every tensor), and every parameter's gradient against central
finite differences in float64 (relative error ≤ 1e-3). It exits 1 if any row fails.`,
		Example: `  makemore gradcheck
  makemore gradcheck --n-hidden 64 --batch-size 8
  makemore gradcheck --preset gru`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, _, err := mf.applyPreset(cmd); err != nil {
				return err
			}
			if (model.Config{Arch: mf.arch}).Sequence() {
				// A word is some eight rows, and a transformer's float64
				// reference passes cost some hundred times an MLP's: a
				// smaller batch and sample keep the check to seconds, and it
				// still covers every tensor and words of several lengths.
				setUnchanged(cmd, map[string]func(){
					"batch-size": func() { mf.batch = sequenceCheckWords },
					"fd-samples": func() { fdSamples = sequenceCheckSamples },
				})
			}
			if err := mf.validate(); err != nil {
				return err
			}
			pool, err := newPool(threads)
			if err != nil {
				return err
			}
			defer pool.Close()
			log := newLogger(cmd)
			defer log.display.Close() // an error leaves a phase unfinished
			words, err := readWords(input, cmd.InOrStdin(), log.display.Phase)
			if err != nil {
				return err
			}
			vocab := words.Vocab()
			cfg, err := mf.config(words, vocab)
			if err != nil {
				return err
			}
			ds := data.NewDataset(words, vocab, cfg.Context())
			m := model.New(cfg)
			m.Init(data.NewRand(seed, data.StreamInit))
			x, y := make([]int32, mf.batch*cfg.RowsPer()*cfg.Context()), make([]int32, mf.batch*cfg.RowsPer())
			if cfg.Sequence() {
				// --batch-size words, each as many rows as it has positions
				n := ds.WordBatch(data.NewRand(seed, data.StreamBatch), mf.batch, x, y)
				x, y = x[:n], y[:n]
			} else {
				ds.Batch(data.NewRand(seed, data.StreamBatch), x, y)
			}

			fused := backprop.CheckFused(pool, m, x, y)
			numeric := backprop.CheckFiniteDiff(pool, m, x, y, fdSamples)
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 1, ' ', 0)
			failed := 0
			print := func(title string, rows []backprop.Row) {
				fmt.Fprintf(tw, "%s\n", title)
				for _, r := range rows {
					fmt.Fprintf(tw, "%s\t| exact: %v\t| approximate: %v\t| maxdiff: %.3g\t| relerr: %.3g", r.Name, r.Exact, r.Approx, r.MaxDiff, r.RelErr)
					if r.Checked+r.Skipped < r.Total {
						fmt.Fprintf(tw, "\t| %d of %s", r.Checked+r.Skipped, plural.Count(r.Total, "element"))
					}
					if r.Skipped > 0 {
						fmt.Fprintf(tw, "\t| %d across a ReLU kink, not compared", r.Skipped)
					}
					fmt.Fprintln(tw)
					if !r.Approx {
						failed++
					}
				}
			}
			print(fmt.Sprintf("fused vs step-by-step (float64), max |diff| ≤ %g:", backprop.MaxFusedDiff), fused)
			print(fmt.Sprintf("fused vs central finite differences (float64), relerr ≤ %g:", backprop.MaxRelErr), numeric)
			if err := tw.Flush(); err != nil {
				return err
			}
			if failed > 0 {
				return fmt.Errorf("gradcheck: %s out of tolerance", plural.Count(failed, "row"))
			}
			// exact: false is the rule, not a fault (float32 against float64):
			// one line says whether the check passed.
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "gradcheck: all %d rows within tolerance\n", len(fused)+len(numeric))
			return err
		},
	}
	addInputFlag(cmd, &input, "words file to draw the minibatch from")
	addModelFlags(cmd, &mf)
	cmd.Flags().Uint64Var(&seed, "seed", 42, "seed of the weights and the minibatch")
	cmd.Flags().IntVar(&fdSamples, "fd-samples", 200, fmt.Sprintf("finite differences on at most this many elements of each parameter, spread evenly (0: all; each costs two float64 passes); makemore.py's models' default is %d, and their --batch-size %d words", sequenceCheckSamples, sequenceCheckWords))
	addThreadsFlag(cmd, &threads)
	return cmd
}
