package main

import (
	"encoding/json"
	"fmt"

	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/train"
	"github.com/spf13/cobra"
)

func newEvalCmd() *cobra.Command {
	var (
		input, workDir string
		asJSON, best   bool
		threads        int
		evalExamples   int
	)
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Print the loss of a trained model on the train, val and test splits",
		Long: `Eval rebuilds the train/val/test split from the words file and the seed stored in the
checkpoint, and prints the mean cross-entropy of each split with the calibrated
batchnorm statistics. The words file must be the one the model was trained on. A
split of more than --eval-examples examples is measured over a uniform random sample of
that many, drawn from the seed as train draws it, with its standard error.`,
		Example: `  makemore eval
  makemore eval -o runs/words -i words.txt --json`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkEvalExamples(evalExamples); err != nil {
				return err
			}
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
			loss := func(name string, ds *data.Dataset, stream uint64) train.SplitLoss {
				set := train.NewEvalSet(ds, ck.Model, ck.Meta.Seed, stream, evalExamples)
				return set.Loss(ev, log.display.Phase("evaluating the "+name+" split"))
			}
			tr, val, test := loss("train", sp.Train, data.StreamEvalTrain), loss("val", sp.Val, data.StreamEvalVal), loss("test", sp.Test, data.StreamEvalTest)
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(evalJSON{
					Train: tr.Mean, TrainSample: sampleOf(tr),
					Val: val.Mean, ValSample: sampleOf(val),
					Test: test.Mean, TestSample: sampleOf(test),
				})
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), lossLine("train", tr)+lossLine("val", val)+lossLine("test", test))
			return err
		},
	}
	addInputFlag(cmd, &input, "the words file the model was trained on")
	addWorkDirFlag(cmd, &workDir, "directory holding model.safetensors")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print one JSON object {"train","val","test"} (and "train_sample", "val_sample" and "test_sample" for a loss over a sample) instead of text`)
	addEvalExamplesFlag(cmd, &evalExamples)
	addBestFlag(cmd, &best)
	addThreadsFlag(cmd, &threads)
	return cmd
}

// evalJSON is eval's --json result.
type evalJSON struct {
	Train       float64     `json:"train"`
	TrainSample *sampleJSON `json:"train_sample,omitempty"`
	Val         float64     `json:"val"`
	ValSample   *sampleJSON `json:"val_sample,omitempty"`
	Test        float64     `json:"test"`
	TestSample  *sampleJSON `json:"test_sample,omitempty"`
}
