package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/makemore/makemore/internal/kernels"
)

// wordRows are a sequence model's rows held whole, as WordRows: a word
// starts at the row that reads the boundary.
type wordRows struct{ rows }

func (r wordRows) WordStart(i int) int {
	for r.x[i] != 0 {
		i--
	}
	return i
}

// wantSE is the standard error SampleLoss documents, from each cluster's
// loss sum and size, of a sample of rows of `of` examples.
func wantSE(sums []float64, sizes []int, of int) float64 {
	var total float64
	rows := 0
	for i, s := range sums {
		total, rows = total+s, rows+sizes[i]
	}
	mean := total / float64(rows)
	var ss float64
	for i, s := range sums {
		d := s - mean*float64(sizes[i])
		ss += d * d
	}
	k := float64(len(sums))
	return math.Sqrt(k/(k-1)*ss) / float64(rows) * math.Sqrt(1-float64(rows)/float64(of))
}

// An MLP's sample is of single examples: the standard error of its mean is
// their losses' standard deviation over √n, without replacement. Rows that
// are every example have none.
func TestSampleLossOfExamples(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	cfg := Config{Vocab: 7, Block: 2, Embd: 5, Hidden: 6}
	m := testModel(cfg)
	r := rand.New(rand.NewPCG(7, 8))
	n := 3*evalChunk + 17
	x, y := randomBatch(r, cfg, n)
	sums, sizes := make([]float64, n), make([]int, n)
	for i := range n {
		sums[i], sizes[i] = float64Loss(m, x[i*cfg.Block:(i+1)*cfg.Block], y[i:i+1]), 1
	}
	ev := NewEvaluator(m, pool)
	mean, se := ev.SampleLoss(rows{cfg.Block, x, y}, 10*n, nil)
	if want := wantSE(sums, sizes, 10*n); math.Abs(se-want) > 1e-4*want {
		t.Errorf("standard error %.9f, from each example's loss %.9f", se, want)
	}
	if all := ev.Loss(rows{cfg.Block, x, y}, nil); mean != all {
		t.Errorf("mean loss %.9f, Loss %.9f", mean, all)
	}
	if _, se := ev.SampleLoss(rows{cfg.Block, x, y}, n, nil); se != 0 {
		t.Errorf("standard error %v over every example, want 0", se)
	}
}

// A sequence model's sample is of words: the error is over the words' loss
// sums, words cut by the chunks included.
func TestSampleLossOfWords(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	r := rand.New(rand.NewPCG(9, 10))
	lengths := make([]int, 700) // about 2,400 rows: words on chunk boundaries
	for i := range lengths {
		lengths[i] = r.IntN(5)
	}
	for _, cfg := range sequenceConfigs[:2] {
		m, x, y := testSequence(t, cfg, lengths...)
		ev := NewEvaluator(m, pool)
		var sums []float64
		var sizes []int
		for first := 0; first < len(y); {
			end := first + 1
			for end < len(y) && x[end] != 0 {
				end++
			}
			word := wordRows{rows{1, x[first:end], y[first:end]}}
			sums, sizes = append(sums, ev.Loss(word, nil)*float64(end-first)), append(sizes, end-first)
			first = end
		}
		_, se := ev.SampleLoss(wordRows{rows{1, x, y}}, 4*len(y), nil)
		if want := wantSE(sums, sizes, 4*len(y)); math.Abs(se-want) > 1e-4*want {
			t.Errorf("%s: standard error %.9f, from each word's loss %.9f", cfg.Arch, se, want)
		}
	}
}
