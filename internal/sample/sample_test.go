package sample

import (
	"testing"
	"unicode/utf8"

	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

func newSampler(t *testing.T, maxLen int) (*Sampler, *model.Model) {
	t.Helper()
	v := data.NewVocab([]string{"abc"})
	m := model.New(model.Config{Vocab: v.Size(), Block: 3, Embd: 2, Hidden: 5})
	m.Init(data.NewRand(1, data.StreamInit))
	pool := kernels.NewPool(1)
	t.Cleanup(pool.Close)
	return New(m, model.NewEvaluator(m, pool), v, maxLen), m
}

func TestSamplingIsSeeded(t *testing.T) {
	s, _ := newSampler(t, 20)
	draw := func() []string {
		r := data.NewRand(5, data.StreamSample)
		var out []string
		for range 10 {
			out = append(out, s.Word(r))
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
	m.B2[data.Boundary] = -1e30
	r := data.NewRand(1, data.StreamSample)
	for range 5 {
		if w := s.Word(r); utf8.RuneCountInString(w) != 7 {
			t.Fatalf("word %q: want exactly the cap of 7 characters", w)
		}
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
