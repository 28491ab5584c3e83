package sample

import (
	"math"
	"slices"
	"testing"

	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

func newSampler(t *testing.T, maxLen int) (*Sampler, *model.Model) {
	t.Helper()
	v, err := data.ParseVocab("abc")
	if err != nil {
		t.Fatal(err)
	}
	m := model.New(model.Config{Vocab: v.Size(), Block: 3, Embd: 2, Hidden: 5})
	m.Init(data.NewRand(1, data.StreamInit))
	pool := kernels.NewPool(1)
	t.Cleanup(pool.Close)
	return New(m, pool, v, maxLen), m
}

var plain = Options{Temperature: 1}

func TestSamplingIsSeeded(t *testing.T) {
	s, _ := newSampler(t, 20)
	draw := func() []string {
		r := data.NewRand(5, data.StreamSample)
		var out []string
		for range 10 {
			out = append(out, s.vocab.Decode(s.Draw(r, plain).Tokens))
		}
		return out
	}
	a, b := draw(), draw()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("sample %d: %q then %q with the same seed", i, a[i], b[i])
		}
	}
}

// A model that never predicts the boundary must still stop at the length cap.
func TestSamplingIsBounded(t *testing.T) {
	s, m := newSampler(t, 7)
	m.Tensor("b2")[data.Boundary] = -1e30
	r := data.NewRand(1, data.StreamSample)
	for range 5 {
		w := s.Draw(r, plain)
		if len(w.Tokens) != 7 || !w.Truncated {
			t.Fatalf("word %v (truncated %v): want exactly the cap of 7 characters", w.Tokens, w.Truncated)
		}
	}
}

// A word is truncated only when the model would have gone on past the cap:
// words that end exactly at the cap are whole, and every whole word, at the cap
// or not, prefix or not, has the log-probability LogProb gives it.
func TestTruncatedOnlyWhenNotEnded(t *testing.T) {
	const maxLen = 3
	s, m := newSampler(t, maxLen)
	m.Tensor("b2")[data.Boundary] = 0.5 // the end about as likely as a character
	r := data.NewRand(6, data.StreamSample)
	counts := map[string]int{}
	for i := range 2000 {
		o := plain
		if i%2 == 1 {
			o.Prefix = []int{3, 1, 2, 3} // longer than the cap, which then grows to it
		}
		w := s.Draw(r, o)
		capLen := max(maxLen, len(o.Prefix))
		switch {
		case len(w.Tokens) > capLen, w.Truncated && len(w.Tokens) != capLen:
			t.Fatalf("word %v (truncated %v) with a cap of %d", w.Tokens, w.Truncated, capLen)
		case w.Truncated:
			counts["truncated"]++
			continue
		case len(w.Tokens) == capLen:
			counts["ended at the cap"]++
		}
		if lp, _ := s.LogProb(w.Tokens); lp != w.LogProb {
			t.Fatalf("word %v: drawn with log p %v, LogProb %v", w.Tokens, w.LogProb, lp)
		}
	}
	if counts["truncated"] < 100 || counts["ended at the cap"] < 100 {
		t.Fatalf("of 2000 words, %v: want both many words ended at the cap and many cut there", counts)
	}
}

func TestDrawFollowsProbabilities(t *testing.T) {
	r := data.NewRand(2, data.StreamSample)
	p := []float64{0.1, 0, 0.6, 0.3}
	counts := make([]int, len(p))
	const n = 100000
	for range n {
		counts[draw(r, p)]++
	}
	for i, c := range counts {
		if got := float64(c) / n; got < p[i]-0.01 || got > p[i]+0.01 {
			t.Errorf("index %d drawn %.3f of the time, want %.2f", i, got, p[i])
		}
	}
}

// A drawn word's log-probability is the one LogProb gives the same word, and
// both are the sum of the per-character log-softmax values.
func TestLogProbOfDrawnWords(t *testing.T) {
	s, m := newSampler(t, 20)
	m.Tensor("b2")[data.Boundary] = 1 // end words early enough to finish
	r := data.NewRand(3, data.StreamSample)
	for range 20 {
		w := s.Draw(r, plain)
		if w.Truncated {
			continue
		}
		lp, n := s.LogProb(w.Tokens)
		if n != len(w.Tokens)+1 || math.Abs(lp-w.LogProb) > 1e-12 || !(lp < 0) {
			t.Fatalf("word %v: drawn with log p %v, LogProb %v over %d predictions", w.Tokens, w.LogProb, lp, n)
		}
	}
	// By hand for a two-character word: context ..., ..a, .ab.
	tok := []int{1, 2}
	want := logSoftmax(s.ev.Logits([]int32{0, 0, 0}, 1), 1) +
		logSoftmax(s.ev.Logits([]int32{0, 0, 1}, 1), 2) +
		logSoftmax(s.ev.Logits([]int32{0, 1, 2}, 1), data.Boundary)
	if got, _ := s.LogProb(tok); math.Abs(got-want) > 1e-12 {
		t.Fatalf("LogProb %v, by hand %v", got, want)
	}
}

func TestPrefixTopKAndTemperature(t *testing.T) {
	s, _ := newSampler(t, 12)
	r := data.NewRand(4, data.StreamSample)
	for range 20 {
		w := s.Draw(r, Options{Temperature: 1.5, Prefix: []int{2, 3}})
		if len(w.Tokens) < 2 || w.Tokens[0] != 2 || w.Tokens[1] != 3 {
			t.Fatalf("word %v does not start with the prefix [2 3]", w.Tokens)
		}
	}
	// top-k 1 is greedy decoding: the same word whatever the seed.
	greedy := s.Draw(data.NewRand(1, data.StreamSample), Options{Temperature: 1, TopK: 1})
	for seed := uint64(2); seed < 6; seed++ {
		if w := s.Draw(data.NewRand(seed, data.StreamSample), Options{Temperature: 1, TopK: 1}); !slices.Equal(w.Tokens, greedy.Tokens) {
			t.Fatalf("top-k 1 gave %v and %v", greedy.Tokens, w.Tokens)
		}
	}
	// A tiny temperature is greedy too, down to the smallest float64s.
	for _, temp := range []float64{1e-6, 1e-30, 1e-310} {
		if w := s.Draw(data.NewRand(9, data.StreamSample), Options{Temperature: temp}); !slices.Equal(w.Tokens, greedy.Tokens) {
			t.Fatalf("temperature %g gave %v, greedy %v", temp, w.Tokens, greedy.Tokens)
		}
	}
	// top-k 2 never draws outside the two likeliest characters.
	logits := []float32{0.5, 2, -1, 1}
	p := s.distribution(logits, Options{Temperature: 1, TopK: 2})
	if p[0] != 0 || p[2] != 0 || math.Abs(p[1]+p[3]-1) > 1e-12 || !(p[1] > p[3]) {
		t.Fatalf("top-2 distribution %v", p)
	}
	for _, o := range []Options{{Temperature: 0}, {Temperature: math.Inf(1)}, {Temperature: 1, TopK: -1}, {Temperature: 1, Prefix: []int{0}}, {Temperature: 1, Prefix: []int{4}}} {
		if o.Validate(4) == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
}

// A transformer's words go through the decoder's cache: a drawn word's
// log-probability is the one LogProb gives it, which is the per-character
// loss the batch forward pass gives the same word; no word outgrows the
// block.
func TestTransformerSampling(t *testing.T) {
	v, err := data.ParseVocab("abcde")
	if err != nil {
		t.Fatal(err)
	}
	m := model.New(model.Config{Arch: model.ArchTransformer, Vocab: v.Size(), Block: 5, Embd: 8, Heads: 2, Layers: 2})
	m.Init(data.NewRand(1, data.StreamInit))
	pool := kernels.NewPool(1)
	defer pool.Close()
	s := New(m, pool, v, 100)
	r := data.NewRand(3, data.StreamSample)
	ended := 0
	for range 50 {
		w := s.Draw(r, plain)
		if len(w.Tokens) > m.Block-1 {
			t.Fatalf("word %v: longer than the block holds", w.Tokens)
		}
		if w.Truncated {
			continue
		}
		ended++
		lp, n := s.LogProb(w.Tokens)
		if n != len(w.Tokens)+1 || math.Abs(lp-w.LogProb) > 1e-12 {
			t.Fatalf("word %v: drawn with log p %v, LogProb %v over %d predictions", w.Tokens, w.LogProb, lp, n)
		}
		x, y := []int32{0}, []int32{}
		for _, c := range w.Tokens {
			x, y = append(x, int32(c)), append(y, int32(c))
		}
		y = append(y, data.Boundary)
		a := model.NewActivations(m.Net, 1)
		a.SetRows(len(y))
		copy(a.X, x)
		copy(a.Y, y)
		if loss := m.Forward(pool, a); math.Abs(float64(loss)*float64(len(y))+lp) > 1e-4 {
			t.Fatalf("word %v: log p %v, the batch's loss %v × %d predictions", w.Tokens, lp, loss, len(y))
		}
	}
	if ended == 0 {
		t.Fatal("no word ended: the test compared nothing")
	}
}
