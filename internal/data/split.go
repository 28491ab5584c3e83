package data

import (
	"fmt"
	"math/rand/v2"

	"github.com/makemore/makemore/internal/plural"
	"github.com/makemore/makemore/internal/progress"
)

// RNG streams: one generator per purpose, so that e.g. changing the batch size
// does not change the split or the initial weights for the same seed.
const (
	StreamSplit   = 1
	StreamInit    = 2
	StreamBatch   = 3
	StreamSample  = 4
	StreamPreview = 5 // the words train --sample-every draws as it trains
	// The uniform random samples that calibration and eval run over, one
	// generator per part of the split.
	StreamEvalTrain = 6
	StreamEvalVal   = 7
	StreamEvalTest  = 8
)

// NewRand returns the seeded generator of one stream.
func NewRand(seed uint64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// Split holds the words of each part of the data, as indices into File.
type Split struct {
	File             *File
	Train, Val, Test []int32
}

// MinWords is the fewest words SplitWords accepts: each part needs at least one.
const MinWords = 3

// SplitWords shuffles f's words with seed and splits them 80/10/10 by words,
// as the lecture does, so no word is shared between train and val/test by
// position.
func SplitWords(f *File, seed uint64) (Split, error) {
	n := f.Len()
	if n < MinWords {
		return Split{}, fmt.Errorf("%s: only %s; need at least %d to split into train/val/test", f.Name, plural.Count(n, "word"), MinWords)
	}
	w := make([]int32, n)
	for i := range w {
		w[i] = int32(i)
	}
	r := NewRand(seed, StreamSplit)
	r.Shuffle(n, func(i, j int) { w[i], w[j] = w[j], w[i] })
	n1 := min(max(1, int(0.8*float64(n))), n-2)
	n2 := min(max(n1+1, int(0.9*float64(n))), n-1)
	return Split{File: f, Train: w[:n1], Val: w[n1:n2], Test: w[n2:]}, nil
}

// Splits are the words of each part of the data and their examples.
type Splits struct {
	Words            Split
	Train, Val, Test *Dataset
}

// BuildSplits splits f's words with seed and lays out the examples of each
// part, reporting the words laid out so far to report. Every character
// must be in v.
func BuildSplits(f *File, v *Vocab, block int, seed uint64, report progress.Func) (*Splits, error) {
	ws, err := SplitWords(f, seed)
	if err != nil {
		return nil, err
	}
	total, done := int64(f.Len()), int64(0)
	part := func(words []int32) *Dataset {
		d := newDataset(f, words, v, block, func(n int) { report.Report(done+int64(n), total) })
		done += int64(len(words))
		return d
	}
	sp := &Splits{Words: ws, Train: part(ws.Train), Val: part(ws.Val), Test: part(ws.Test)}
	report.Report(total, total)
	return sp, nil
}
