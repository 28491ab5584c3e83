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

// rows are examples held whole, as Rows for an Evaluator.
type rows struct {
	block int
	x, y  []int32
}

func (r rows) Len() int { return len(r.y) }

func (r rows) Gather(start int, x, y []int32) {
	copy(x, r.x[start*r.block:])
	copy(y, r.y[start:])
}

func TestNumParamsOfLectureDefaults(t *testing.T) {
	if n := New(Config{Vocab: 27, Block: 3, Embd: 10, Hidden: 200}).Net.NumParams(); n != 12297 {
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
	if s := std(m.Tensor("W1")); math.Abs(s-wantW1) > 0.03*wantW1 {
		t.Errorf("std(W1) = %.4f, want %.4f", s, wantW1)
	}
	if s := std(m.Tensor("W2")); math.Abs(s-0.1) > 0.005 {
		t.Errorf("std(W2) = %.4f, want 0.1", s)
	}
	gain, bias, b1, b2 := m.Tensor("bngain"), m.Tensor("bnbias"), m.Tensor("b1"), m.Tensor("b2")
	if gain[0] != 1.1 || bias[0] != 0 || b1[0] == 0 || b2[0] == 0 {
		t.Errorf("gain %v bias %v b1 %v b2 %v", gain[0], bias[0], b1[0], b2[0])
	}
	if m.Tensor("bnmean")[0] != 0 || m.Tensor("bnvar")[0] != 1 {
		t.Errorf("statistics start at mean %v, var %v", m.Tensor("bnmean")[0], m.Tensor("bnvar")[0])
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
	a := NewActivations(m.Net, 9)
	copy(a.X, x)
	copy(a.Y, y)
	train := m.Forward(pool, a)
	ev := NewEvaluator(m, pool)
	ev.Calibrate(rows{cfg.Block, x, y}, nil)
	var batchMean []float32
	for _, c := range a.Caches {
		if bn, ok := c.(*BatchNormCache); ok {
			batchMean = bn.Mean
		}
	}
	for j, v := range m.Tensor("bnmean") {
		if d := math.Abs(float64(v - batchMean[j])); d > 1e-5 {
			t.Fatalf("bnmean[%d] = %v, batch mean %v", j, v, batchMean[j])
		}
	}
	if got := ev.Loss(rows{cfg.Block, x, y}, nil); math.Abs(got-float64(train)) > 1e-5 {
		t.Fatalf("eval loss %.6f, train-mode loss %.6f", got, train)
	}
}

// The chunked, parallel eval must agree with a plain float64 computation of
// the lecture's eval-mode forward pass, over more rows than one group of
// chunks, and report its progress up to all the rows.
func TestEvalLossAgainstFloat64(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	cfg := Config{Vocab: 7, Block: 2, Embd: 5, Hidden: 6}
	m := testModel(cfg)
	r := rand.New(rand.NewPCG(7, 8))
	for _, name := range []string{"bnmean", "bnvar"} { // statistics unlike a fresh model's
		for j := range m.Tensor(name) {
			m.Tensor(name)[j] = float32(0.5 + r.Float64())
		}
	}
	n := (groupChunks+2)*evalChunk + 17
	x, y := randomBatch(r, cfg, n)
	want := float64Loss(m, x, y)
	var reports []int64
	got := NewEvaluator(m, pool).Loss(rows{cfg.Block, x, y}, func(done, total int64) {
		if total != int64(n) {
			t.Fatalf("reported a total of %d rows, want %d", total, n)
		}
		reports = append(reports, done)
	})
	if math.Abs(got-want) > 1e-5 {
		t.Fatalf("eval loss %.9f, float64 computation %.9f", got, want)
	}
	if want := []int64{groupChunks * evalChunk, int64(n)}; !slices.Equal(reports, want) {
		t.Fatalf("reported %v rows done, want %v", reports, want)
	}
}

// float64Loss is the mean eval-mode cross-entropy of the lecture's MLP,
// written out with the tensors by name.
func float64Loss(m *Model, x, y []int32) float64 {
	f := func(name string) []float64 {
		var out []float64
		for _, v := range m.Tensor(name) {
			out = append(out, float64(v))
		}
		return out
	}
	C, W1, b1, W2, b2 := f("C"), f("W1"), f("b1"), f("W2"), f("b2")
	gain, bias, mean, vr := f("bngain"), f("bnbias"), f("bnmean"), f("bnvar")
	in, H, V := m.In(), m.Hidden, m.Vocab
	var total float64
	for i, target := range y {
		emb := make([]float64, 0, in)
		for _, tok := range x[i*m.Block : (i+1)*m.Block] {
			emb = append(emb, C[int(tok)*m.Embd:(int(tok)+1)*m.Embd]...)
		}
		h := make([]float64, H)
		for j := range H {
			pre := b1[j]
			for p, e := range emb {
				pre += e * W1[p*H+j]
			}
			h[j] = math.Tanh(gain[j]*(pre-mean[j])/math.Sqrt(vr[j]+Eps) + bias[j])
		}
		logits := make([]float64, V)
		sum := 0.0
		for k := range V {
			logits[k] = b2[k]
			for j, v := range h {
				logits[k] += v * W2[j*V+k]
			}
			sum += math.Exp(logits[k])
		}
		total += math.Log(sum) - logits[target]
	}
	return total / float64(len(y))
}

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, cfg := range []Config{
		{Vocab: 5, Block: 2, Embd: 3, Hidden: 4},
		{Vocab: 5, Block: 4, Embd: 3, Hidden: 4, Arch: ArchWaveNet, Activation: ActGELU},
		{Vocab: 5, Block: 2, Embd: 3, Hidden: 4, Layers: 3, Activation: ActReLU, NoBias: true, OutputBN: true},
	} {
		m := testModel(cfg)
		for i := range m.Stats {
			m.Stats[i] = float32(i) + 0.5
		}
		meta := Meta{Vocab: "abcd", MaxWordLen: 9, WordsSHA256: strings.Repeat("ab", 32), Seed: 1 << 40}
		path := filepath.Join(t.TempDir(), "m.safetensors")
		if err := m.Save(path, meta, map[string]string{"step": "123"}); err != nil {
			t.Fatal(err)
		}
		got, gotMeta, kv, _, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if got.Config != cfg.Canonical() || gotMeta != meta || kv["step"] != "123" || kv["n_hidden"] != "4" {
			t.Fatalf("loaded %+v %+v %v, want %+v %+v", got.Config, gotMeta, kv, cfg.Canonical(), meta)
		}
		if err := m.Save(path, meta, map[string]string{"seed": "1"}); err == nil || !strings.Contains(err.Error(), `"seed"`) {
			t.Fatalf("saving with the model's own key as extra: err %v", err)
		}
		for i, tn := range m.Tensors() {
			if gt := got.Tensors()[i]; gt.Name != tn.Name || !slices.Equal(tn.Data, gt.Data) {
				t.Errorf("%+v: tensor %s differs after the round trip", cfg, tn.Name)
			}
		}
	}
}

// A checkpoint of format version 1, written by makemore before the
// architecture was recorded (commit 13baa90: train --max-steps 300
// --n-hidden 16 --n-embd 5), loads as lecture 4's MLP.
func TestLoadVersion1(t *testing.T) {
	m, meta, kv, _, err := Load("testdata/v1.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Vocab: 27, Block: 3, Embd: 5, Hidden: 16}.Canonical()
	if kv["format_version"] != "1" || m.Config != want || meta.Seed != 42 || len(meta.Vocab) != 26 {
		t.Fatalf("loaded %+v, meta %+v, version %s", m.Config, meta, kv["format_version"])
	}
}

// Calibration and eval loss must be the same bits for every thread count.
func TestEvalSameForEveryThreadCount(t *testing.T) {
	cfg := Config{Vocab: 7, Block: 2, Embd: 5, Hidden: 6}
	n := (groupChunks+1)*evalChunk + 3 // more than a group of chunks
	x, y := randomBatch(rand.New(rand.NewPCG(9, 9)), cfg, n)
	var refStats []float32
	var refLoss float64
	for threads := 1; threads <= 3; threads++ {
		pool := kernels.NewPool(threads)
		m := testModel(cfg)
		ev := NewEvaluator(m, pool)
		ev.Calibrate(rows{cfg.Block, x, y}, nil)
		loss := ev.Loss(rows{cfg.Block, x, y}, nil)
		pool.Close()
		if threads == 1 {
			refStats, refLoss = m.Stats, loss
			continue
		}
		if !slices.Equal(m.Stats, refStats) || loss != refLoss {
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
		m.Tensor("W2")[3] = bad
		if m.Finite() {
			t.Fatalf("a model with %v reports finite", bad)
		}
		path := filepath.Join(t.TempDir(), "m.safetensors")
		if err := m.Save(path, meta, nil); err != nil {
			t.Fatal(err)
		}
		if _, _, _, _, err := Load(path); err == nil || !strings.Contains(err.Error(), "not finite") {
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

// The builder refuses a layer that cannot take its input, a name used twice,
// and logits that are not one row of the vocabulary per example.
func TestNetworkInconsistencies(t *testing.T) {
	for _, c := range []struct {
		want  string
		build func(n *Network)
	}{
		{"input has 6 columns", func(n *Network) {
			n.add("x", &Flatten{N: 2})
			n.add("y", n.linear("W", "", 5, 4, Init{Std: 1}))
		}},
		{"do not divide into groups of 3", func(n *Network) { n.add("x", &Flatten{N: 3}) }},
		{"batchnorm of width 5: input has 3 columns", func(n *Network) { n.add("x", n.batchNorm("", 5, 1)) }},
		{`the name "x" is used twice`, func(n *Network) {
			n.add("x", &Flatten{N: 4})
			n.add("x", &Tanh{})
		}},
		{`the name "W" is used twice`, func(n *Network) {
			n.linear("W", "", 1, 1, Init{})
			n.linear("W", "", 1, 1, Init{})
		}},
	} {
		n := &Network{Block: 4, names: map[string]bool{}}
		n.Embed = &Embedding{Embd: 3}
		c.build(n)
		if n.err == nil || !strings.Contains(n.err.Error(), c.want) {
			t.Errorf("error %v, want %q", n.err, c.want)
		}
	}
	if _, err := (Config{Vocab: 27, Block: 3, Embd: 10, Hidden: 200}).Network(); err != nil {
		t.Errorf("the lecture's network: %v", err)
	}
}

// The lectures' parameter counts, with the 27 characters of names.txt.
func TestNumParamsOfLectureModels(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want int
	}{
		{Config{Vocab: 27, Block: 3, Embd: 10, Hidden: 200}, 12297},
		{Config{Vocab: 27, Block: 3, Embd: 10, Hidden: 100, Layers: 5, NoBias: true, OutputBN: true}, 47024},
		{Config{Vocab: 27, Block: 8, Embd: 24, Hidden: 128, Arch: ArchWaveNet}, 76579},
		// makemore.py's other families at its defaults (n_embd 64, n_embd2
		// 64, block 16), counted by hand from its modules: wte 27·64, the
		// start state 64, a gate (64+64)·64 + 64, lm_head 64·27 + 27.
		{Config{Vocab: 27, Block: 16, Embd: 64, Hidden: 64, Arch: ArchRNN}, 1728 + 64 + 8256 + 1755},
		{Config{Vocab: 27, Block: 16, Embd: 64, Hidden: 64, Arch: ArchGRU}, 1728 + 64 + 3*8256 + 1755},
		{Config{Vocab: 27, Block: 16, Embd: 64, Hidden: 64, Arch: ArchLSTM}, 1728 + 2*64 + 4*8256 + 1755},
		{Config{Vocab: 27, Block: 16, Embd: 64, Hidden: 64, Arch: ArchBoW}, 1728 + 16*64 + 2*(64*64+64) + 1755},
		{Config{Vocab: 27, Block: 16, Arch: ArchBigram}, 27 * 27},
	} {
		if err := c.cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		if n := New(c.cfg).Net.NumParams(); n != c.want {
			t.Errorf("%+v: %d parameters, want %d", c.cfg, n, c.want)
		}
	}
}

func TestArchitectureLimits(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Vocab: 27, Block: 6, Embd: 4, Hidden: 8, Arch: ArchWaveNet}, "power of two"},
		{Config{Vocab: 27, Block: 8, Embd: 4, Hidden: 8, Arch: ArchWaveNet, Layers: 2}, "has 3 levels, not 2"},
		{Config{Vocab: 27, Block: 8, Embd: 4, Hidden: 8, Arch: ArchWaveNet, OutputBN: true}, "lecture 3's MLP"},
		{Config{Vocab: 27, Block: 3, Embd: 4, Hidden: 8, Arch: "cnn"}, "model must be one of mlp, wavenet"},
		{Config{Vocab: 27, Block: 3, Embd: 4, Hidden: 8, Arch: ArchGRU, Layers: 2}, "a gru has one layer, not 2"},
		{Config{Vocab: 27, Block: 3, Embd: 4, Hidden: 8, Arch: ArchRNN, Dropout: 0.1}, "dropout is the transformer's"},
		{Config{Vocab: 27, Block: 3, Embd: 4, Hidden: 8, Activation: "swish"}, "activation must be one of tanh, relu, gelu"},
		{Config{Vocab: 27, Block: 3, Embd: 4, Hidden: 8, Layers: MaxLayers + 1}, "n-layer must be between"},
		{Config{Vocab: 27, Block: 3, Embd: 4, Hidden: 8, Gain: math.NaN()}, "initial gain"},
	} {
		if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.cfg, err, c.want)
		}
	}
}
