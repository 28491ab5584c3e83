package model

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/makemore/makemore/internal/kernels"
)

func testModel(cfg Config) *Model {
	m := New(cfg)
	m.Init(rand.New(rand.NewPCG(3, 4)))
	return m
}

func randomBatch(r *rand.Rand, cfg Config, b int) (x, y []int32) {
	x, y = make([]int32, b*cfg.Block), make([]int32, b)
	for i := range x {
		x[i] = int32(r.IntN(cfg.Vocab))
	}
	for i := range y {
		y[i] = int32(r.IntN(cfg.Vocab))
	}
	return x, y
}

func TestNumParamsOfLectureDefaults(t *testing.T) {
	if n := (Config{Vocab: 27, Block: 3, Embd: 10, Hidden: 200}).NumParams(); n != 12297 {
		t.Fatalf("%d parameters, want 12297", n)
	}
}

func TestInitMatchesLecture(t *testing.T) {
	cfg := Config{Vocab: 27, Block: 3, Embd: 10, Hidden: 200}
	m := testModel(cfg)
	std := func(x []float32) float64 {
		var s, sq float64
		for _, v := range x {
			s += float64(v)
			sq += float64(v) * float64(v)
		}
		n := float64(len(x))
		return math.Sqrt(sq/n - (s/n)*(s/n))
	}
	wantW1 := (5.0 / 3) / math.Sqrt(30)
	if s := std(m.W1); math.Abs(s-wantW1) > 0.03*wantW1 {
		t.Errorf("std(W1) = %.4f, want %.4f", s, wantW1)
	}
	if s := std(m.W2); math.Abs(s-0.1) > 0.005 {
		t.Errorf("std(W2) = %.4f, want 0.1", s)
	}
	if m.BNGain[0] != 1.1 || m.BNBias[0] != 0 || m.B1[0] == 0 || m.B2[0] == 0 {
		t.Errorf("gain %v bias %v b1 %v b2 %v", m.BNGain[0], m.BNBias[0], m.B1[0], m.B2[0])
	}
}

// Calibrating on exactly the rows of one batch must make the eval-mode pass
// reproduce the train-mode loss: both use the Bessel-corrected variance.
func TestEvalWithBatchStatsMatchesTrainForward(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	cfg := Config{Vocab: 11, Block: 4, Embd: 3, Hidden: 17}
	m := testModel(cfg)
	x, y := randomBatch(rand.New(rand.NewPCG(5, 6)), cfg, 9)
	a := NewActivations(cfg, 9)
	copy(a.X, x)
	copy(a.Y, y)
	train := m.Forward(pool, a)
	ev := NewEvaluator(m, pool)
	ev.Calibrate(x)
	for j := range m.BNMean {
		if d := math.Abs(float64(m.BNMean[j] - a.Mean[j])); d > 1e-5 {
			t.Fatalf("bnmean[%d] = %v, batch mean %v", j, m.BNMean[j], a.Mean[j])
		}
	}
	if got := ev.Loss(x, y); math.Abs(got-float64(train)) > 1e-5 {
		t.Fatalf("eval loss %.6f, train-mode loss %.6f", got, train)
	}
}

// The chunked eval must not depend on where the chunk boundaries fall.
func TestEvalLossAcrossChunks(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	cfg := Config{Vocab: 7, Block: 2, Embd: 5, Hidden: 6}
	m := testModel(cfg)
	n := 2*evalChunk + 17
	x, y := randomBatch(rand.New(rand.NewPCG(7, 8)), cfg, n)
	ev := NewEvaluator(m, pool)
	ev.Calibrate(x)
	var want float64
	for i := range n {
		l := ev.Logits(x[i*cfg.Block:], 1)
		want += softmaxNLL(l, l, y[i:i+1], cfg.Vocab)
	}
	want /= float64(n)
	if got := ev.Loss(x, y); math.Abs(got-want) > 1e-9 {
		t.Fatalf("chunked loss %.9f, row by row %.9f", got, want)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	cfg := Config{Vocab: 5, Block: 2, Embd: 3, Hidden: 4}
	m := testModel(cfg)
	for i := range m.BNMean {
		m.BNMean[i], m.BNVar[i] = float32(i)+0.5, float32(i)+1.5
	}
	meta := Meta{Vocab: "abcd", MaxWordLen: 9, WordsSHA256: strings.Repeat("ab", 32), Seed: 1 << 40}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(path, meta, map[string]string{"step": "123"}); err != nil {
		t.Fatal(err)
	}
	got, gotMeta, kv, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Config != cfg || gotMeta != meta || kv["step"] != "123" || kv["n_hidden"] != "4" {
		t.Fatalf("loaded %+v %+v %v, want %+v %+v", got.Config, gotMeta, kv, cfg, meta)
	}
	if err := m.Save(path, meta, map[string]string{"seed": "1"}); err == nil || !strings.Contains(err.Error(), `"seed"`) {
		t.Fatalf("saving with the model's own key as extra: err %v", err)
	}
	for i, tn := range m.Tensors() {
		if !slices.Equal(tn.Data, got.Tensors()[i].Data) {
			t.Errorf("tensor %s differs after the round trip", tn.Name)
		}
	}
}

// Calibration and eval loss must be the same bits for every thread count.
func TestEvalSameForEveryThreadCount(t *testing.T) {
	cfg := Config{Vocab: 7, Block: 2, Embd: 5, Hidden: 6}
	n := 5*evalChunk + 3
	x, y := randomBatch(rand.New(rand.NewPCG(9, 9)), cfg, n)
	var refMean, refVar []float32
	var refLoss float64
	for threads := 1; threads <= 3; threads++ {
		pool := kernels.NewPool(threads)
		m := testModel(cfg)
		ev := NewEvaluator(m, pool)
		ev.Calibrate(x)
		loss := ev.Loss(x, y)
		pool.Close()
		if threads == 1 {
			refMean, refVar, refLoss = m.BNMean, m.BNVar, loss
			continue
		}
		if !slices.Equal(m.BNMean, refMean) || !slices.Equal(m.BNVar, refVar) || loss != refLoss {
			t.Fatalf("threads=%d: calibration or loss differs from threads=1 (loss %v vs %v)", threads, loss, refLoss)
		}
	}
}

// A checkpoint of a diverged run is refused on load, naming the cause.
func TestLoadRefusesNonFiniteWeights(t *testing.T) {
	cfg := Config{Vocab: 5, Block: 2, Embd: 3, Hidden: 4}
	meta := Meta{Vocab: "abcd", MaxWordLen: 9, WordsSHA256: strings.Repeat("ab", 32)}
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(-1))} {
		m := testModel(cfg)
		if !m.Finite() {
			t.Fatal("a fresh model is not finite")
		}
		m.W2[3] = bad
		if m.Finite() {
			t.Fatalf("a model with %v reports finite", bad)
		}
		path := filepath.Join(t.TempDir(), "m.safetensors")
		if err := m.Save(path, meta, nil); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := Load(path); err == nil || !strings.Contains(err.Error(), "not finite") {
			t.Fatalf("loading weights with %v: err %v", bad, err)
		}
	}
}

func TestConfigLimits(t *testing.T) {
	for _, c := range []Config{
		{Vocab: 27, Block: 3, Embd: 10, Hidden: 0},
		{Vocab: 27, Block: MaxBlock + 1, Embd: 10, Hidden: 200},
		{Vocab: 27, Block: 3, Embd: MaxDim + 1, Hidden: 200},
		{Vocab: 27, Block: 1024, Embd: 65536, Hidden: 65536}, // each in range, far too many parameters
	} {
		if c.Validate() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if err := (Config{Vocab: 27, Block: 3, Embd: 10, Hidden: 200}).Validate(); err != nil {
		t.Errorf("lecture defaults refused: %v", err)
	}
}
