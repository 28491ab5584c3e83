package data

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// RNG streams: one generator per purpose, so that e.g. changing the batch size
// does not change the split or the initial weights for the same seed.
const (
	StreamSplit  = 1
	StreamInit   = 2
	StreamBatch  = 3
	StreamSample = 4
)

// NewRand returns the seeded generator of one stream.
func NewRand(seed uint64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// Split holds the words of each part of the data.
type Split struct {
	Train, Val, Test []string
}

// MinWords is the fewest words SplitWords accepts: each part needs at least one.
const MinWords = 3

// SplitWords shuffles words with seed and splits them 80/10/10 by words, as the
// lecture does, so no word is shared between train and val/test by position.
func SplitWords(name string, words []string, seed uint64) (Split, error) {
	if len(words) < MinWords {
		return Split{}, fmt.Errorf("%s: only %d words; need at least %d to split into train/val/test", name, len(words), MinWords)
	}
	w := slices.Clone(words)
	r := NewRand(seed, StreamSplit)
	r.Shuffle(len(w), func(i, j int) { w[i], w[j] = w[j], w[i] })
	n := len(w)
	n1 := min(max(1, int(0.8*float64(n))), n-2)
	n2 := min(max(n1+1, int(0.9*float64(n))), n-1)
	return Split{Train: w[:n1], Val: w[n1:n2], Test: w[n2:]}, nil
}

// Splits are the words of each part of the data and their examples.
type Splits struct {
	Words            Split
	Train, Val, Test *Dataset
}

// BuildSplits splits f's words with seed and builds the examples of each part.
// Every character must be in v.
func BuildSplits(f *File, v *Vocab, block int, seed uint64) (*Splits, error) {
	ws, err := SplitWords(f.Name, f.Words, seed)
	if err != nil {
		return nil, err
	}
	return &Splits{
		Words: ws,
		Train: Build(ws.Train, v, block),
		Val:   Build(ws.Val, v, block),
		Test:  Build(ws.Test, v, block),
	}, nil
}
