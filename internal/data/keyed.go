package data

import (
	"cmp"
	"slices"
	"sync"

	"github.com/makemore/makemore/internal/progress"
)

// keyedSplit is the split of a words file of more than
// ShuffledSplitExamples examples. Each word has a key, which depends on the
// seed and on the word's place in the file alone: in the order of their
// keys the words are shuffled, and the split cuts that order as the lecture
// cuts its shuffle, the words of the smallest 80 % of keys being train, the
// next 10 % val and the rest test. Each part is laid out in the file's
// order, though, which copies the words in a few passes over memory rather
// than with a random read each, and on every core, each taking pieces of
// the file. Only the first headWords words of each part, those of its
// smallest keys, come first, in key order.
//
// Nothing depends on the pieces or on which core takes which: the split is
// the same for a seed and a file on any machine.
type keyedSplit struct {
	f     *File
	base  uint64   // where the seed starts the keys
	sizes [3]int   // the words of train, val and test
	head  int      // the most words of a part's head
	piece int      // the tokens, or words, a goroutine takes at a time
	cuts  []uint64 // the keys at which each class after the first starts (see class)
}

// headWords is how many words, at most, start each part of a keyedSplit in
// key order: a uniform sample of the part in random order, whatever the
// file's order, so that the first examples of a part are a fair sample of
// it. Training's val probe takes the first 2,048, a few hundred words.
const headWords = 1 << 16

func newKeyedSplit(f *File, seed uint64) *keyedSplit {
	return keyedSplitOf(f, seed, headWords, pieceTokens)
}

// keyedSplitOf is the keyedSplit of f and seed with heads of up to head
// words, computed in pieces of the given size: what tests make small.
func keyedSplitOf(f *File, seed uint64, head, piece int) *keyedSplit {
	n := f.Len()
	n1, n2 := partEnds(n)
	s := &keyedSplit{f: f, base: NewRand(seed, StreamSplit).Uint64(), sizes: [3]int{n1, n2 - n1, n - n2}, head: head, piece: piece}
	// Each class ends at a rank in key order; the last, test's body, at n.
	// Test's head ends there too when test has no more than head words.
	ranks := []int{min(head, n1), n1, n1 + min(head, n2-n1), n2}
	if end := n2 + head; end < n {
		ranks = append(ranks, end)
	}
	s.cuts = s.keysOfRanks(ranks)
	return s
}

// key is word i's key: splitmix64's output for the seed, which mixes its
// counter with a bijection, so no two words have the same key.
func (s *keyedSplit) key(i int) uint64 {
	z := s.base + uint64(i)*0x9E3779B97F4A7C15
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// class is word i's class, the number of cuts at or below its key: 2p for
// the head of part p (0 train, 1 val, 2 test), 2p+1 for its body.
func (s *keyedSplit) class(i int) int {
	k, c := s.key(i), 0
	for _, cut := range s.cuts {
		if k >= cut {
			c++
		}
	}
	return c
}

// inWordPieces calls do(lo, hi) for pieces [lo, hi) of the file's word
// indices, as inParallel does.
func (s *keyedSplit) inWordPieces(do func(lo, hi int)) {
	n := s.f.Len()
	inParallel((n+s.piece-1)/s.piece, func(k int) {
		do(k*s.piece, min((k+1)*s.piece, n))
	})
}

// binShift keeps a key's top 16 bits: the bin it is counted in.
const binShift = 64 - 16

// keysOfRanks finds, for each rank r, the key with exactly r keys below it:
// it counts the keys in bins by their top bits, then sorts only the keys in
// the bins of the ranks.
func (s *keyedSplit) keysOfRanks(ranks []int) []uint64 {
	var mu sync.Mutex
	count := make([]int, 1<<(64-binShift))
	s.inWordPieces(func(lo, hi int) {
		local := make([]uint32, len(count))
		for i := lo; i < hi; i++ {
			local[s.key(i)>>binShift]++
		}
		mu.Lock()
		for b, c := range local {
			count[b] += int(c)
		}
		mu.Unlock()
	})
	bins, below := make([]int, len(ranks)), make([]int, len(ranks))
	wanted := make([]bool, len(count))
	for j, r := range ranks {
		for bins[j] = 0; below[j]+count[bins[j]] <= r; bins[j]++ {
			below[j] += count[bins[j]]
		}
		wanted[bins[j]] = true
	}
	var found []uint64
	s.inWordPieces(func(lo, hi int) {
		var local []uint64
		for i := lo; i < hi; i++ {
			if k := s.key(i); wanted[k>>binShift] {
				local = append(local, k)
			}
		}
		mu.Lock()
		found = append(found, local...)
		mu.Unlock()
	})
	slices.Sort(found)
	keys := make([]uint64, len(ranks))
	for j, r := range ranks {
		first, _ := slices.BinarySearch(found, uint64(bins[j])<<binShift)
		keys[j] = found[first+r-below[j]]
	}
	return keys
}

// headWord is a word of a part's head, and where its tokens and boundary
// are in the file when known.
type headWord struct {
	word     int
	from, to int
}

// headsInKeyOrder sorts each part's head words by key.
func (s *keyedSplit) headsInKeyOrder(heads *[3][]headWord) {
	for _, h := range heads {
		slices.SortFunc(h, func(a, b headWord) int { return cmp.Compare(s.key(a.word), s.key(b.word)) })
	}
}

// words lists the words of each part in their layout's order.
func (s *keyedSplit) words() Split {
	var heads [3][]headWord
	for i := range s.f.Len() {
		if c := s.class(i); c%2 == 0 {
			heads[c/2] = append(heads[c/2], headWord{word: i})
		}
	}
	s.headsInKeyOrder(&heads)
	var parts [3][]int32
	for p, h := range heads {
		parts[p] = make([]int32, 0, s.sizes[p])
		for _, w := range h {
			parts[p] = append(parts[p], int32(w.word))
		}
	}
	for i := range s.f.Len() {
		if c := s.class(i); c%2 == 1 {
			parts[c/2] = append(parts[c/2], int32(i))
		}
	}
	return Split{File: s.f, Train: parts[0], Val: parts[1], Test: parts[2]}
}

// piece is tokens [start, end) of a file, whole words from word on.
type piece struct{ start, end, word int }

// pieces cuts the file's tokens into pieces of about s.piece.
func (s *keyedSplit) pieces() []piece {
	toks := &s.f.toks
	var ps []piece
	for start := 0; start < toks.Len(); {
		end := toks.nextBoundary(min(start+s.piece, toks.Len())-1) + 1
		ps = append(ps, piece{start: start, end: end})
		start = end
	}
	words := make([]int, len(ps))
	inParallel(len(ps), func(k int) { words[k] = toks.boundaries(ps[k].start, ps[k].end) })
	for k := 1; k < len(ps); k++ {
		ps[k].word = ps[k-1].word + words[k-1]
	}
	return ps
}

// eachWord calls do with batches of the ends (Boundary tokens) of the
// words of pc, in order.
func (s *keyedSplit) eachWord(pc piece, do func(ends []int)) {
	var ends [256]int
	for w := newWordEnds(&s.f.toks, pc.start, pc.end); ; {
		n := w.fill(ends[:])
		if n == 0 {
			return
		}
		do(ends[:n])
	}
}

// tally counts each part's body tokens in pc, and lists its head words.
func (s *keyedSplit) tally(pc piece) (body [3]int, heads [3][]headWord) {
	i, from := pc.word, pc.start
	s.eachWord(pc, func(ends []int) {
		for _, end := range ends {
			if c := s.class(i); c%2 == 1 {
				body[c/2] += end + 1 - from
			} else {
				heads[c/2] = append(heads[c/2], headWord{i, from, end + 1})
			}
			i, from = i+1, end+1
		}
	})
	return body, heads
}

// copyBodies copies the body words of pc to parts, each part's from at,
// a run of consecutive words of the same part's body at a time.
func (s *keyedSplit) copyBodies(pc piece, parts *[3]*Dataset, at [3]int, rec recoding) {
	run, runFrom := -1, pc.start // the class of the run, and its first token
	flush := func(to int) {
		if p := run / 2; run%2 == 1 {
			rec.copy(&parts[p].toks, at[p], &s.f.toks, runFrom, to)
			at[p] += to - runFrom
		}
	}
	i, from := pc.word, pc.start
	s.eachWord(pc, func(ends []int) {
		for _, end := range ends {
			if c := s.class(i); c != run || c%2 == 0 {
				flush(from)
				run, runFrom = c, from
			}
			i, from = i+1, end+1
		}
	})
	flush(from)
}

// layOut lays out each part's examples: its head words in key order, then
// its other words in file order, a piece of the file at a time on every
// core, reporting the words laid out so far to report.
func (s *keyedSplit) layOut(v *Vocab, block int, report progress.Func) *Splits {
	pieces := s.pieces()
	// First each piece's tokens in each part's body, and the head words.
	body := make([][3]int, len(pieces))
	var heads [3][]headWord
	var mu sync.Mutex
	inParallel(len(pieces), func(k int) {
		var local [3][]headWord
		body[k], local = s.tally(pieces[k])
		mu.Lock()
		for p := range heads {
			heads[p] = append(heads[p], local[p]...)
		}
		mu.Unlock()
	})
	s.headsInKeyOrder(&heads)

	// Then the heads, and where each piece's body words go in each part.
	rec := newRecoding(s.f, v)
	var parts [3]*Dataset
	at := make([][3]int, len(pieces))
	for p := range parts {
		n := 0
		for _, w := range heads[p] {
			n += w.to - w.from
		}
		for k := range pieces {
			at[k][p] = block + n
			n += body[k][p]
		}
		parts[p] = allocDataset(v, block, n)
		pos := block
		for _, w := range heads[p] {
			rec.copy(&parts[p].toks, pos, &s.f.toks, w.from, w.to)
			pos += w.to - w.from
		}
	}

	// Then the bodies.
	total, done := int64(s.f.Len()), int64(0)
	inParallel(len(pieces), func(k int) {
		s.copyBodies(pieces[k], &parts, at[k], rec)
		mu.Lock()
		done += int64(s.wordsIn(pieces, k))
		report.Report(done, total)
		mu.Unlock()
	})
	return &Splits{Train: parts[0], Val: parts[1], Test: parts[2], Words: s.sizes}
}

// wordsIn is the number of words of pieces[k].
func (s *keyedSplit) wordsIn(pieces []piece, k int) int {
	if k+1 < len(pieces) {
		return pieces[k+1].word - pieces[k].word
	}
	return s.f.Len() - pieces[k].word
}
