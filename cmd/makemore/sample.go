package main

import (
	"bufio"
	"fmt"
	"os"

	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/sample"
	"github.com/spf13/cobra"
)

func newSampleCmd() *cobra.Command {
	var (
		workDir string
		n       int
		seed    uint64
	)
	cmd := &cobra.Command{
		Use:   "sample",
		Short: "Make up new words with a trained model, one per line on stdout",
		Long: `Sample draws words one character at a time from the model's predicted
distribution, until the model predicts the end of the word or the word reaches the
length of the longest training word.`,
		Example: `  makemore sample -n 5
  makemore sample -o runs/words -n 100 --seed 7`,
		RunE: func(*cobra.Command, []string) error {
			if n < 0 {
				return usagef("--num-samples must be 0 or more, got %d", n)
			}
			m, meta, err := loadModel(workDir)
			if err != nil {
				return err
			}
			vocab, err := data.ParseVocab(meta.Vocab)
			if err != nil {
				return fmt.Errorf("%s: %v; the file is damaged", checkpointPath(workDir), err)
			}
			pool, err := newPool(1) // one row at a time: nothing to split
			if err != nil {
				return err
			}
			defer pool.Close()
			s := sample.New(m, model.NewEvaluator(m, pool), vocab, meta.MaxWordLen)
			r := data.NewRand(seed, data.StreamSample)
			out := bufio.NewWriter(os.Stdout)
			for range n {
				fmt.Fprintln(out, s.Word(r))
			}
			return out.Flush()
		},
	}
	cmd.Flags().StringVarP(&workDir, "work-dir", "o", "out", "directory holding model.safetensors")
	cmd.Flags().IntVarP(&n, "num-samples", "n", 20, "how many words to make up")
	cmd.Flags().Uint64Var(&seed, "seed", 42, "seed of the sampling generator")
	return cmd
}
