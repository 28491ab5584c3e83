package data

import (
	"crypto/sha256"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// manyWords is a words file of n words of 1 to 12 letters.
func manyWords(t testing.TB, n int) *File {
	r := NewRand(11, 0)
	var b strings.Builder
	for range n {
		for range 1 + r.IntN(12) {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
		b.WriteByte('\n')
	}
	f, err := Parse("many.txt", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A keyed split cuts the words in key order 80/10/10, as the lecture cuts
// its shuffle: each part's keys are above the last part's. Each part starts
// with its smallest keys in key order, then has the rest in file order.
func TestKeyedSplitCutsTheKeyOrder(t *testing.T) {
	f := manyWords(t, 5000)
	for _, head := range []int{1, 40, 600, 10000} {
		s := keyedSplitOf(f, 3, head, 300)
		ws := s.words()
		parts := [][]int32{ws.Train, ws.Val, ws.Test}
		if len(ws.Train) != 4000 || len(ws.Val) != 500 || len(ws.Test) != 500 {
			t.Fatalf("head %d: split %d/%d/%d, want 4000/500/500", head, len(ws.Train), len(ws.Val), len(ws.Test))
		}
		var all []int32
		below := uint64(0) // the keys of the parts before
		for p, part := range parts {
			all = append(all, part...)
			h := min(head, len(part))
			keys := make([]uint64, len(part))
			for j, w := range part {
				keys[j] = s.key(int(w))
			}
			if p > 0 && slices.Min(keys) <= below {
				t.Fatalf("head %d, part %d: keys below the part before's", head, p)
			}
			below = slices.Max(keys)
			if !slices.IsSorted(keys[:h]) || (h < len(part) && keys[h-1] >= slices.Min(keys[h:])) {
				t.Fatalf("head %d, part %d: the head is not the part's smallest keys in order", head, p)
			}
			if !slices.IsSorted(part[h:]) {
				t.Fatalf("head %d, part %d: the body is not in file order", head, p)
			}
		}
		slices.Sort(all)
		for i, w := range all {
			if int(w) != i {
				t.Fatalf("head %d: the parts are not a partition of the words", head)
			}
		}
	}
}

// The words read, the split and its examples depend on the seed and the
// file alone: not on the number of threads, nor on the size of the pieces
// they take.
func TestKeyedSplitIsTheSameOnAnyThreads(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var want string
	for _, c := range []struct{ threads, piece int }{{1, 1 << 20}, {1, 333}, {2, 1000}, {4, 77}} {
		runtime.GOMAXPROCS(c.threads)
		f := manyWords(t, 300000) // a few chunks and pieces
		v := f.Vocab()
		s := keyedSplitOf(f, 9, 100, c.piece)
		ws, sp := s.words(), s.layOut(v, 5, nil)
		h := sha256.New()
		for _, b := range [][]byte{f.toks.b, sp.Train.toks.b, sp.Val.toks.b, sp.Test.toks.b} {
			h.Write(b)
		}
		fmt.Fprint(h, f.SHA256, ws.Train, ws.Val, ws.Test, sp.Words)
		got := fmt.Sprintf("%x", h.Sum(nil))
		if want == "" {
			want = got
		} else if got != want {
			t.Fatalf("%d threads, pieces of %d: another split", c.threads, c.piece)
		}
	}
	f := manyWords(t, 20000)
	if other := keyedSplitOf(f, 10, 100, 1000).words(); fmt.Sprint(other.Train) == fmt.Sprint(keyedSplitOf(f, 9, 100, 1000).words().Train) {
		t.Error("another seed gave the same split")
	}
}

// Above ShuffledSplitExamples the split is keyed; names.txt's is the shuffle.
func TestBigFilesSplitKeyed(t *testing.T) {
	f := manyWords(t, 160000)
	if f.examples() <= ShuffledSplitExamples {
		t.Fatalf("%d examples: not a big file", f.examples())
	}
	ws, err := SplitWords(f, 4)
	if err != nil {
		t.Fatal(err)
	}
	keyed := newKeyedSplit(f, 4).words()
	if !slices.Equal(ws.Train, keyed.Train) || !slices.Equal(ws.Test, keyed.Test) {
		t.Error("SplitWords of a big file is not its keyed split")
	}
	sp, err := BuildSplits(f, f.Vocab(), 3, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkLecturesExamples(t, "big", 3, ws, sp, wordsOf(f), f.Vocab())
}

// wordEnds finds every Boundary token, of one-byte tokens eight at a time,
// in batches of any size, whatever surrounds them (a token 1 after a boundary is what a borrow
// across bytes would take for one).
func TestWordEnds(t *testing.T) {
	r := NewRand(5, 0)
	for _, width := range []int{1, 2} {
		for range 200 {
			s := tokens{width: width}
			var want []int
			n := r.IntN(40)
			for i := range n {
				tok := uint32(1 + r.IntN(3))
				if r.IntN(4) == 0 {
					tok = Boundary
					want = append(want, i)
				}
				s.push(tok)
			}
			from := r.IntN(n + 1)
			to := from + r.IntN(n-from+1)
			var got []int
			w := newWordEnds(&s, from, to)
			for ends := make([]int, 1+r.IntN(5)); ; {
				n := w.fill(ends)
				if n == 0 {
					break
				}
				got = append(got, ends[:n]...)
			}
			var inRange []int
			for _, i := range want {
				if i >= from && i < to {
					inRange = append(inRange, i)
				}
			}
			if !slices.Equal(got, inRange) {
				t.Fatalf("width %d, tokens %v [%d, %d): ends %v, want %v", width, s.b, from, to, got, inRange)
			}
		}
	}
}
