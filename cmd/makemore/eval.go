package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/model"
	"github.com/spf13/cobra"
)

func newEvalCmd() *cobra.Command {
	var (
		input, workDir string
		asJSON         bool
		threads        int
	)
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Print the loss of a trained model on the train, val and test splits",
		Long: `Eval rebuilds the train/val/test split from the words file and the seed stored in the
checkpoint, and prints the mean cross-entropy of each split with the calibrated
batchnorm statistics. The words file must be the one the model was trained on.`,
		Example: `  makemore eval
  makemore eval -o runs/words -i words.txt --json`,
		RunE: func(*cobra.Command, []string) error {
			pool, err := newPool(threads)
			if err != nil {
				return err
			}
			defer pool.Close()
			m, meta, vocab, err := loadModel(workDir)
			if err != nil {
				return err
			}
			words, err := readWords(input)
			if err != nil {
				return err
			}
			if err := checkWords(words, meta, vocab); err != nil {
				return err
			}
			sp, err := buildSplits(words, vocab, m.Block, meta.Seed)
			if err != nil {
				return err
			}
			ev := model.NewEvaluator(m, pool)
			res := struct {
				Train float64 `json:"train"`
				Val   float64 `json:"val"`
				Test  float64 `json:"test"`
			}{ev.Loss(sp.train.X, sp.train.Y), ev.Loss(sp.val.X, sp.val.Y), ev.Loss(sp.test.X, sp.test.Y)}
			if asJSON {
				return json.NewEncoder(os.Stdout).Encode(res)
			}
			fmt.Printf("train %.4f\nval %.4f\ntest %.4f\n", res.Train, res.Val, res.Test)
			return nil
		},
	}
	cmd.Flags().StringVarP(&input, "input-file", "i", "", "the words file the model was trained on (default: the bundled names.txt)")
	cmd.Flags().StringVarP(&workDir, "work-dir", "o", "out", "directory holding model.safetensors")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print one JSON object {"train","val","test"} instead of text`)
	addThreadsFlag(cmd, &threads)
	return cmd
}

// checkWords makes sure words is the file the checkpoint (meta, with its
// vocabulary) was trained on, so that the rebuilt split is the same.
func checkWords(words *data.File, meta model.Meta, vocab *data.Vocab) error {
	// The character set first: when it differs, it says more than the hash.
	if miss := vocab.Missing(words.Words); len(miss) > 0 {
		return fmt.Errorf("%s: characters %q are not in the model's vocabulary %q; pass the words file the model was trained on with -i", words.Name, string(miss), vocab.String())
	}
	if words.SHA256 != meta.WordsSHA256 {
		return fmt.Errorf("%s: not the words file this model was trained on (sha256 %.12s…, checkpoint has %.12s…); pass the training file with -i", words.Name, words.SHA256, meta.WordsSHA256)
	}
	return nil
}
