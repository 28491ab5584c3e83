// Command seedspread trains one of makemore.py's models (its Transformer
// unless -model names another) at makemore.py's exact settings
// (train.MakemorePy: AdamW at a constant 5e-4, weight decay 0.01, batch 32)
// on the split of one seed, with the initial weights and minibatches of
// another, and prints the val loss every 5,000 steps: our side of the
// seed-to-seed spread that docs/transformer.md compares with makemore.py's
// (bench/transformer_torch.py, bench/recurrent_torch.py).
// makemore train --seed sets all three at once.
//
//	go run ./bench/seedspread [-model transformer] [-split 42] [-steps 10000] SEED...
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"

	makemore "github.com/makemore/makemore"
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/train"
)

func main() {
	arch := flag.String("model", model.ArchTransformer, "one of makemore.py's models (train.MakemorePy)")
	split := flag.Uint64("split", 42, "seed of the 80/10/10 split")
	steps := flag.Int("steps", 10000, "steps of each run")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: seedspread [-model transformer] [-split 42] [-steps 10000] SEED...")
		os.Exit(2)
	}
	f, err := data.Parse("names.txt", makemore.Names)
	if err != nil {
		fmt.Fprintln(os.Stderr, "seedspread:", err)
		os.Exit(1)
	}
	v := f.Vocab()
	sp, err := data.BuildSplits(f, v, 1, *split, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "seedspread:", err)
		os.Exit(1)
	}
	p, ok := train.MakemorePy[*arch]
	if !ok {
		fmt.Fprintf(os.Stderr, "seedspread: -model %s is not one of makemore.py's\n", *arch)
		os.Exit(2)
	}
	cfg := p.Model
	cfg.Vocab, cfg.Block = v.Size(), f.MaxLen()+1
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(os.Stderr, "seedspread: -model %s: %v\n", *arch, err)
		os.Exit(2)
	}
	pool := kernels.NewPool(1)
	defer pool.Close()
	for _, arg := range flag.Args() {
		seed, err := strconv.ParseUint(arg, 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "seedspread: seed %q is not a whole number\n", arg)
			os.Exit(2)
		}
		m := model.New(cfg)
		m.Init(data.NewRand(seed, data.StreamInit))
		tr := train.New(m, pool, sp.Train, p.BatchSize, rand.NewPCG(seed, data.StreamBatch), p.Schedule, p.Optimizer)
		ev := model.NewEvaluator(m, pool)
		for tr.Step < *steps {
			if _, _, err := tr.StepOnce(); err != nil {
				fmt.Fprintln(os.Stderr, "seedspread:", err)
				os.Exit(1)
			}
			if tr.Step%5000 == 0 || tr.Step == *steps {
				fmt.Printf("seed %d step %d val %.6f\n", seed, tr.Step, ev.Loss(sp.Val, nil))
			}
		}
	}
}
