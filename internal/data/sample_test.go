package data

import (
	"fmt"
	"slices"
	"testing"

	makemore "github.com/makemore/makemore"
)

// distinct draws k different numbers below n, each set of k as often as any
// other: its sets of 2 of 5, and of 4 of 5 (drawn as the one left out), come
// up evenly over many draws.
func TestDistinct(t *testing.T) {
	r := NewRand(1, 0)
	for _, c := range [][2]int{{0, 5}, {1, 1}, {3, 3}, {2, 10}, {9, 10}, {500, 1000}, {700, 1000}, {1000, 1 << 30}} {
		k, n := c[0], c[1]
		s := distinct(r, k, n)
		increasing := len(s) == k && (k == 0 || int(s[k-1]) < n)
		for i := 1; i < len(s); i++ {
			increasing = increasing && s[i] > s[i-1]
		}
		if !increasing {
			t.Fatalf("distinct(%d, %d) = %v: want %d increasing numbers below %d", k, n, s, k, n)
		}
	}
	const draws = 20000
	for _, k := range []int{2, 4} {
		counts := map[string]int{}
		for range draws {
			counts[fmt.Sprint(distinct(r, k, 5))]++
		}
		sets := 10 // 5 choose 2, and 5 choose 4 is 5
		if k == 4 {
			sets = 5
		}
		// Each count is binomial: 5 standard deviations either side of its mean.
		mean := float64(draws) / float64(sets)
		if len(counts) != sets {
			t.Fatalf("%d of 5: %d different sets, want %d", k, len(counts), sets)
		}
		for set, c := range counts {
			if d := float64(c) - mean; d*d > 25*mean {
				t.Errorf("%d of 5: %s drawn %d times of %d, want about %.0f", k, set, c, draws, mean)
			}
		}
	}
}

func namesSplit(t *testing.T, block int) *Splits {
	t.Helper()
	f, err := Parse("names.txt", makemore.Names)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := BuildSplits(f, f.Vocab(), block, 42, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// gatherIn gathers rows [0, n) of rows in chunks of the given size, as the
// evaluator does.
func gatherIn(g interface{ Gather(int, []int32, []int32) }, n, block, chunk int) (x, y []int32) {
	x, y = make([]int32, n*block), make([]int32, n)
	for s := 0; s < n; s += chunk {
		e := min(s+chunk, n)
		g.Gather(s, x[s*block:e*block], y[s:e])
	}
	return x, y
}

// A sample of examples holds distinct examples of the dataset, in random
// order, the same for the same seed, and gathers them in any chunks.
func TestSampleExamples(t *testing.T) {
	const block, n = 3, 5000
	d := namesSplit(t, block).Train
	s := d.SampleExamples(NewRand(7, StreamEvalTrain), n)
	if s.Len() != n {
		t.Fatalf("%d examples, want %d", s.Len(), n)
	}
	if slices.IsSorted(s.first) {
		t.Error("the sample is in the dataset's order, not a random one")
	}
	if sorted := slices.Sorted(slices.Values(s.first)); len(slices.Compact(sorted)) != n {
		t.Error("the sample repeats examples")
	}
	if again := d.SampleExamples(NewRand(7, StreamEvalTrain), n); !slices.Equal(again.first, s.first) {
		t.Error("the same seed drew another sample")
	}
	want, wantY := make([]int32, n*block), make([]int32, n)
	for i, e := range s.first {
		d.Gather(int(e), want[i*block:(i+1)*block], wantY[i:i+1])
	}
	for _, chunk := range []int{1, 37, 1024, n} {
		x, y := gatherIn(s, n, block, chunk)
		if !slices.Equal(x, want) || !slices.Equal(y, wantY) {
			t.Fatalf("gathered in chunks of %d: not the sampled examples", chunk)
		}
	}
}

// A sample of words holds whole words, each from the boundary it reads to the
// boundary it predicts, about as many examples as asked, and says where each
// row's word starts.
func TestSampleWords(t *testing.T) {
	d := namesSplit(t, 1).Val
	s := d.SampleWords(NewRand(7, StreamEvalVal), 2000)
	if n := s.Len(); n < 1500 || n > 2500 {
		t.Fatalf("%d examples, want about 2000", n)
	}
	x, y := gatherIn(s, s.Len(), 1, 100)
	for k := range s.first {
		first, end := int(s.at[k]), int(s.at[k+1])
		if x[first] != Boundary || y[end-1] != Boundary || slices.Contains(x[first+1:end], Boundary) {
			t.Fatalf("cluster %d (rows %d to %d) is not one whole word", k, first, end)
		}
		wx, wy := make([]int32, end-first), make([]int32, end-first)
		d.Gather(int(s.first[k]), wx, wy)
		if !slices.Equal(x[first:end], wx) || !slices.Equal(y[first:end], wy) {
			t.Fatalf("cluster %d: not the word of the dataset", k)
		}
		for i := first; i < end; i++ {
			if s.WordStart(i) != first {
				t.Fatalf("row %d: word start %d, want %d", i, s.WordStart(i), first)
			}
		}
	}
	// A standard error needs two clusters, however few examples are asked for.
	if n := len(d.SampleWords(NewRand(7, StreamEvalVal), 1).first); n != 2 {
		t.Errorf("a sample of 1 example has %d words, want 2", n)
	}
}
