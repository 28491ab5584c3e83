package model

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/makemore/makemore/internal/kernels"
)

// foldCases are every kind of Linear → BatchNorm pair the networks have:
// with a bias (lecture 4), without (lecture 3's hidden blocks and its
// batchnorm on the logits), and over batch × positions (lecture 5).
var foldCases = []struct {
	name  string
	cfg   Config
	folds int
}{
	{"part4", Config{Vocab: 11, Block: 3, Embd: 4, Hidden: 9}, 1},
	{"part3", Config{Vocab: 11, Block: 3, Embd: 4, Hidden: 9, Layers: 3, NoBias: true, OutputBN: true, Gain: 1}, 4},
	{"part5", Config{Vocab: 11, Block: 8, Embd: 5, Hidden: 7, Arch: ArchWaveNet, Gain: 1}, 3},
	{"relu", Config{Vocab: 11, Block: 4, Embd: 3, Hidden: 6, Layers: 2, Activation: ActReLU}, 2},
}

// trainedLike is a model of cfg whose batchnorm gains and biases are far
// from their start and whose statistics are calibrated, as after training.
func trainedLike(cfg Config, pool *kernels.Pool) *Model {
	m := testModel(cfg)
	r := rand.New(rand.NewPCG(7, 8))
	for _, nd := range m.Net.Nodes {
		if bn, ok := nd.Layer.(*BatchNorm); ok {
			for _, t := range []*Tensor{bn.Gain, bn.Bias} {
				for i := range t.Of(m.Weights) {
					t.Of(m.Weights)[i] = float32(0.5 + r.Float64())
				}
			}
		}
	}
	x, y := randomBatch(r, cfg, 3000)
	NewEvaluator(m, pool).Calibrate(rows{cfg.Block, x, y}, nil)
	return m
}

// The folded model computes what the original does in eval mode, to float32
// rounding: the same loss within 1e-5 and logits within 1e-4 of their size.
func TestFoldBatchNormKeepsTheEvalFunction(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	for _, c := range foldCases {
		m := trainedLike(c.cfg, pool)
		f, folds, err := m.FoldBatchNorm()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(folds) != c.folds || len(f.Stats) != 0 || !f.NoBN {
			t.Fatalf("%s: %d folds %+v, %d statistics; want %d folds and none", c.name, len(folds), folds, len(f.Stats), c.folds)
		}
		for _, nd := range f.Net.Nodes {
			if _, ok := nd.Layer.(*BatchNorm); ok {
				t.Fatalf("%s: the folded network still has batchnorm %s", c.name, nd.Name)
			}
		}
		x, y := randomBatch(rand.New(rand.NewPCG(9, 10)), c.cfg, 2500)
		me, fe := NewEvaluator(m, pool), NewEvaluator(f, pool)
		if a, b := me.Loss(rows{c.cfg.Block, x, y}, nil), fe.Loss(rows{c.cfg.Block, x, y}, nil); math.Abs(a-b) > 1e-5 {
			t.Errorf("%s: loss %.8f folded, %.8f before", c.name, b, a)
		}
		want := append([]float32(nil), me.Logits(x, LogitsRows)...)
		got := fe.Logits(x, LogitsRows)
		var scale, diff float64
		for i := range want {
			scale = max(scale, math.Abs(float64(want[i])))
			diff = max(diff, math.Abs(float64(got[i]-want[i])))
		}
		if diff > 1e-4*scale {
			t.Errorf("%s: logits differ by up to %g (largest %g)", c.name, diff, scale)
		}
	}
}

// A Linear without bias gains one; the parameters are the original's less
// the batchnorms' gains and biases, plus the new biases.
func TestFoldBatchNormTensors(t *testing.T) {
	pool := kernels.NewPool(1)
	defer pool.Close()
	m := trainedLike(foldCases[1].cfg, pool) // part3: no bias anywhere before a batchnorm
	f, folds, err := m.FoldBatchNorm()
	if err != nil {
		t.Fatal(err)
	}
	var bnParams, newBias int
	for _, fd := range folds {
		if !fd.NewBias {
			t.Errorf("%+v: part3's Linears have no bias", fd)
		}
		newBias += len(f.Tensor(fd.Bias))
	}
	for _, nd := range m.Net.Nodes {
		if bn, ok := nd.Layer.(*BatchNorm); ok {
			bnParams += 2 * bn.Width
		}
	}
	if got, want := f.Net.NumParams(), m.Net.NumParams()-bnParams+newBias; got != want {
		t.Fatalf("%d parameters folded, want %d", got, want)
	}
	if last := folds[len(folds)-1]; last.BatchNorm != "logits" || last.Weight != "W4" || last.Bias != "b4" {
		t.Fatalf("the logits' batchnorm folded as %+v", last)
	}
	// The embedding is copied, not shared.
	f.Tensor("C")[0]++
	if f.Tensor("C")[0] == m.Tensor("C")[0] {
		t.Fatal("the folded model shares the embedding with the original")
	}
	if _, _, err := f.FoldBatchNorm(); err == nil {
		t.Fatal("folding a folded model: no error")
	}
}

// A folded model is saved as format version 3 with batchnorm = false and
// loads as the same model; one with batchnorm stays version 2.
func TestFoldedModelSavesAndLoads(t *testing.T) {
	pool := kernels.NewPool(1)
	defer pool.Close()
	dir := t.TempDir()
	for _, c := range foldCases {
		m := trainedLike(c.cfg, pool)
		f, _, err := m.FoldBatchNorm()
		if err != nil {
			t.Fatal(err)
		}
		meta := Meta{Vocab: "abcdefghij", MaxWordLen: 7, WordsSHA256: "x", Seed: 1}
		path := filepath.Join(dir, c.name+".safetensors")
		if err := f.Save(path, meta, nil); err != nil {
			t.Fatal(err)
		}
		want := f.Config
		want.Gain = 0 // an init setting, not saved
		g, _, kv, _, err := Load(path)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if kv["format_version"] != "3" || kv["batchnorm"] != "false" || g.Config != want || !slices.Equal(g.Weights, f.Weights) {
			t.Fatalf("%s: loaded %+v (version %s, batchnorm %q), saved %+v", c.name, g.Config, kv["format_version"], kv["batchnorm"], f.Config)
		}
		if err := m.Save(path, meta, nil); err != nil {
			t.Fatal(err)
		}
		if _, _, kv, _, err := Load(path); err != nil || kv["format_version"] != "2" || kv["batchnorm"] != "" {
			t.Fatalf("%s: a model with batchnorm saved as version %s, batchnorm %q (%v)", c.name, kv["format_version"], kv["batchnorm"], err)
		}
	}
}
