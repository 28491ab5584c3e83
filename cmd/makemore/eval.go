package main

import (
	"encoding/json"
	"fmt"

	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/model"
	"github.com/spf13/cobra"
)

func newEvalCmd() *cobra.Command {
	var (
		input, workDir string
		asJSON, best   bool
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			pool, err := newPool(threads)
			if err != nil {
				return err
			}
			defer pool.Close()
			ck, err := loadCheckpoint(workDir, best)
			if err != nil {
				return err
			}
			log := newLogger(cmd)
			defer log.display.Close() // an error leaves a phase unfinished
			words, err := readWords(input, cmd.InOrStdin(), log.display.Phase)
			if err != nil {
				return err
			}
			if err := ck.CheckWords(words); err != nil {
				return err
			}
			sp, err := data.BuildSplits(words, ck.Vocab, ck.Model.Context(), ck.Meta.Seed, log.display.Phase("splitting the words"))
			if err != nil {
				return err
			}
			ev := model.NewEvaluator(ck.Model, pool)
			res := struct {
				Train float64 `json:"train"`
				Val   float64 `json:"val"`
				Test  float64 `json:"test"`
			}{
				ev.Loss(sp.Train, log.display.Phase("evaluating the train split")),
				ev.Loss(sp.Val, log.display.Phase("evaluating the val split")),
				ev.Loss(sp.Test, log.display.Phase("evaluating the test split")),
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(res)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "train %.4f\nval %.4f\ntest %.4f\n", res.Train, res.Val, res.Test)
			return err
		},
	}
	addInputFlag(cmd, &input, "the words file the model was trained on")
	addWorkDirFlag(cmd, &workDir, "directory holding model.safetensors")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print one JSON object {"train","val","test"} instead of text`)
	addBestFlag(cmd, &best)
	addThreadsFlag(cmd, &threads)
	return cmd
}
