package train

import (
	"math"
	"testing"

	makemore "github.com/makemore/makemore"
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/workdir"
)

// On names.txt, whose splits are affordable whole, a run bounded to 20,000
// examples calibrates and measures its losses over samples, and reports them
// as such; its model's loss over each sample lies within 3 standard errors
// of its loss over the whole split. For an MLP, and for a sequence model,
// whose sample is of words. The samples are drawn from the seed, so the test
// gives the same numbers every time.
func TestSampledLossNearFull(t *testing.T) {
	const bound, seed = 20_000, 42
	words, err := data.Parse("names.txt", makemore.Names)
	if err != nil {
		t.Fatal(err)
	}
	pool := kernels.NewPool(2)
	defer pool.Close()
	rnn := MakemorePy[model.ArchRNN]
	for _, c := range []struct {
		cfg model.Config
		opt Optimizer
		lr  float64
	}{
		{model.Config{Block: 3, Embd: 10, Hidden: 64}, Optimizer{}, 0.1},
		{model.Config{Arch: model.ArchRNN, Block: words.MaxLen() + 1, Embd: 16, Hidden: 32}, rnn.Optimizer, rnn.Schedule.LR},
	} {
		dir := t.TempDir()
		res := runOK(t, Options{WorkDir: dir, Words: words, Pool: pool, MaxSteps: 500, Model: c.cfg, Seed: seed, BatchSize: 32,
			Schedule: Schedule{LR: c.lr, DecayStep: 500, DecayFactor: 1}, Optimizer: c.opt, EvalExamples: bound}, &recorder{})
		ck, err := workdir.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		sp, err := data.BuildSplits(words, ck.Vocab, ck.Model.Context(), seed, nil)
		if err != nil {
			t.Fatal(err)
		}
		ev := model.NewEvaluator(ck.Model, pool)
		for _, s := range []struct {
			name   string
			ds     *data.Dataset
			stream uint64
			run    *SplitLoss // the run's, which must be the same sample's
		}{
			{"train", sp.Train, data.StreamEvalTrain, &res.Train},
			{"val", sp.Val, data.StreamEvalVal, &res.Val},
			{"test", sp.Test, data.StreamEvalTest, nil},
		} {
			sampled := NewEvalSet(s.ds, ck.Model, seed, s.stream, bound).Loss(ev, nil)
			full := ev.Loss(s.ds, nil)
			if !sampled.Sampled() || sampled.Of != s.ds.Len() || math.Abs(float64(sampled.Examples-bound)) > 0.05*bound || !(sampled.SE > 0) {
				t.Fatalf("%s %s: %+v, want a sample of about %d of %d examples", c.cfg.Arch, s.name, sampled, bound, s.ds.Len())
			}
			if s.run != nil && *s.run != sampled {
				t.Errorf("%s %s: the run measured %+v, eval %+v", c.cfg.Arch, s.name, *s.run, sampled)
			}
			if d := math.Abs(sampled.Mean - full); d > 3*sampled.SE {
				t.Errorf("%s %s: %.4f over %d examples, %.4f over all %d: %.1f standard errors (%.4f) apart",
					c.cfg.Arch, s.name, sampled.Mean, sampled.Examples, full, s.ds.Len(), d/sampled.SE, sampled.SE)
			}
			t.Logf("%s %s: sample %.4f ± %.4f (%d of %d), all %.4f", c.cfg.Arch, s.name, sampled.Mean, sampled.SE, sampled.Examples, sampled.Of, full)
		}
	}
}

// The bound takes every example of a split that has no more, and 0 takes
// every example of any split: names.txt's results are those of the whole
// splits under the default bound.
func TestEvalSetBound(t *testing.T) {
	words, err := data.Parse("names.txt", makemore.Names)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := data.BuildSplits(words, words.Vocab(), 3, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := model.New(model.Config{Vocab: words.Vocab().Size(), Block: 3, Embd: 2, Hidden: 4})
	for _, bound := range []int{0, sp.Train.Len(), DefaultEvalExamples} {
		if s := NewEvalSet(sp.Train, m, 1, data.StreamEvalTrain, bound); s.Rows != model.Rows(sp.Train) || s.Of != sp.Train.Len() {
			t.Errorf("bound %d: %d of %d examples, want the whole split", bound, s.Rows.Len(), s.Of)
		}
	}
	if s := NewEvalSet(sp.Train, m, 1, data.StreamEvalTrain, 1); s.Rows.Len() != 2 {
		t.Errorf("bound 1: %d examples, want the 2 a standard error needs", s.Rows.Len())
	}
}
