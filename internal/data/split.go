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

// ShuffledSplitExamples is the most examples (characters and word ends) a
// words file may have for its split to be the lecture's: the words shuffled
// one by one, each part laid out in that order. A bigger file's split keeps
// the file's order (see keyedSplit), since copying every word from a random
// place took minutes at a GiB. A million, far above the 229,804 of the bundled
// names.txt, whose split stays as it was. Calibration and eval sample the
// splits above the same size (train.DefaultEvalExamples).
const ShuffledSplitExamples = 1_000_000

// SplitWords splits f's words with seed 80/10/10, as the lecture does: the
// words are shuffled and then cut, so no word is shared between train and
// val/test by position. Each part lists its words in the order its examples
// are laid out: the shuffle's, or, for a file of more than
// ShuffledSplitExamples, a keyedSplit's.
func SplitWords(f *File, seed uint64) (Split, error) {
	if err := checkWords(f); err != nil {
		return Split{}, err
	}
	if f.examples() > ShuffledSplitExamples {
		return newKeyedSplit(f, seed).words(), nil
	}
	return shuffledSplit(f, seed), nil
}

func checkWords(f *File) error {
	if n := f.Len(); n < MinWords {
		return fmt.Errorf("%s: only %s; need at least %d to split into train/val/test", f.Name, plural.Count(n, "word"), MinWords)
	}
	return nil
}

// partEnds are where the lecture cuts n shuffled words: train is [0, n1),
// val [n1, n2) and test [n2, n), none of them empty.
func partEnds(n int) (n1, n2 int) {
	n1 = min(max(1, int(0.8*float64(n))), n-2)
	n2 = min(max(n1+1, int(0.9*float64(n))), n-1)
	return n1, n2
}

// shuffledSplit is the lecture's split.
func shuffledSplit(f *File, seed uint64) Split {
	n := f.Len()
	w := make([]int32, n)
	for i := range w {
		w[i] = int32(i)
	}
	r := NewRand(seed, StreamSplit)
	r.Shuffle(n, func(i, j int) { w[i], w[j] = w[j], w[i] })
	n1, n2 := partEnds(n)
	return Split{File: f, Train: w[:n1], Val: w[n1:n2], Test: w[n2:]}
}

// Splits are the examples of each part of the data.
type Splits struct {
	Train, Val, Test *Dataset
	Words            [3]int // how many words train, val and test have
}

// BuildSplits splits f's words with seed as SplitWords does and lays out
// the examples of each part in SplitWords' order, reporting the words laid
// out so far to report. Every character must be in v.
func BuildSplits(f *File, v *Vocab, block int, seed uint64, report progress.Func) (*Splits, error) {
	if err := checkWords(f); err != nil {
		return nil, err
	}
	var sp *Splits
	if f.examples() > ShuffledSplitExamples {
		sp = newKeyedSplit(f, seed).layOut(v, block, report)
	} else {
		sp = layOutShuffled(shuffledSplit(f, seed), v, block, report)
	}
	report.Report(int64(f.Len()), int64(f.Len()))
	return sp, nil
}

// layOutShuffled copies each word of the lecture's split to its place, one
// after the other.
func layOutShuffled(ws Split, v *Vocab, block int, report progress.Func) *Splits {
	total, done := int64(ws.File.Len()), int64(0)
	part := func(words []int32) *Dataset {
		d := newDataset(ws.File, words, v, block, func(n int) { report.Report(done+int64(n), total) })
		done += int64(len(words))
		return d
	}
	return &Splits{
		Train: part(ws.Train), Val: part(ws.Val), Test: part(ws.Test),
		Words: [3]int{len(ws.Train), len(ws.Val), len(ws.Test)},
	}
}
