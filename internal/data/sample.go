package data

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Sample is examples of a Dataset drawn uniformly at random without
// replacement, as rows for calibration and eval (model.Rows): single
// examples, or for a sequence model whole words, whose examples need the ones
// before them in their word. It is drawn in clusters — an example, or a word
// — and holds them in random order; a sample is small, so the random reads
// cost little.
type Sample struct {
	d     *Dataset
	first []uint32 // each cluster's first example in d
	at    []uint32 // each cluster's first row in the sample, and then Len
}

// SampleExamples draws n of d's examples with r, n at most d.Len().
func (d *Dataset) SampleExamples(r *rand.Rand, n int) *Sample {
	first := distinct(r, n, d.n)
	r.Shuffle(len(first), func(i, j int) { first[i], first[j] = first[j], first[i] })
	at := make([]uint32, n+1)
	for i := range at {
		at[i] = uint32(i)
	}
	return &Sample{d: d, first: first, at: at}
}

// SampleWords draws whole words of d, laid out at block 1, with r: as many
// as hold n examples on average, and at least two (a standard error needs
// two clusters) unless d has fewer.
func (d *Dataset) SampleWords(r *rand.Rand, n int) *Sample {
	starts := d.wordStarts()
	words := len(starts) - 1
	k := min(words, max(2, int(math.Round(float64(n)*float64(words)/float64(d.n)))))
	chosen := distinct(r, k, words)
	r.Shuffle(k, func(i, j int) { chosen[i], chosen[j] = chosen[j], chosen[i] })
	s := &Sample{d: d, first: make([]uint32, k), at: make([]uint32, k+1)}
	for i, w := range chosen {
		s.first[i] = starts[w]
		s.at[i+1] = s.at[i] + starts[w+1] - starts[w]
	}
	return s
}

// distinct is k different numbers of [0, n) in increasing order, every set
// of k as likely as any other: they are drawn uniformly, and the draws that
// repeat one are drawn again. Above n/2 it draws the n−k numbers left out
// instead, so that repeats stay few.
func distinct(r *rand.Rand, k, n int) []uint32 {
	if k > n/2 {
		out := distinct(r, n-k, n)
		in := make([]uint32, 0, k)
		for i := range uint32(n) {
			if len(out) > 0 && out[0] == i {
				out = out[1:]
				continue
			}
			in = append(in, i)
		}
		return in
	}
	s := make([]uint32, 0, k)
	for len(s) < k {
		for range k - len(s) {
			s = append(s, uint32(r.IntN(n)))
		}
		slices.Sort(s)
		s = slices.Compact(s)
	}
	return s
}

// Len is the number of examples in the sample.
func (s *Sample) Len() int { return int(s.at[len(s.at)-1]) }

// cluster is the index of the cluster that holds row i.
func (s *Sample) cluster(i int) int {
	k, found := slices.BinarySearch(s.at, uint32(i))
	if !found {
		k--
	}
	return k
}

// Gather fills x [len(y) × Block] and y with rows start, start+1, … of the
// sample.
func (s *Sample) Gather(start int, x, y []int32) {
	b := s.d.Block
	for k, done := s.cluster(start), 0; done < len(y); k++ {
		from := start + done - int(s.at[k]) // the row's place in its cluster
		n := min(int(s.at[k+1])-start-done, len(y)-done)
		s.d.Gather(int(s.first[k])+from, x[done*b:(done+n)*b], y[done:done+n])
		done += n
	}
}

// WordStart is the first row of the cluster, a word for a sample of words,
// that row i is in.
func (s *Sample) WordStart(i int) int { return int(s.at[s.cluster(i)]) }
