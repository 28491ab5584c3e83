package data

import (
	"math/rand/v2"
	"sync"
)

// Dataset holds the examples of some words, one per character of each word
// plus its final boundary, without materialising their contexts: it lays the
// words' tokens out one after the other, each followed by the boundary, after
// Block boundaries of padding. Example i predicts the token at Block+i from
// the Block tokens before it, where the previous word's boundary and what
// comes before it read as padding: a word's context is its own characters.
//
// At block 1 the examples are a sequence model's rows: example i reads the
// token before it and predicts its own, and a word's examples, its
// characters and then its end, follow each other from the one that reads
// the boundary.
type Dataset struct {
	Block int
	n     int    // examples
	toks  tokens // [Block + n]

	startsOnce sync.Once
	starts     []uint32 // at block 1, each word's first example, and then n (see wordStarts)
}

// NewDataset lays out the examples of every word of f, in file order. Every
// character must be in v.
func NewDataset(f *File, v *Vocab, block int) *Dataset {
	d := allocDataset(v, block, f.examples())
	newRecoding(f, v).copy(&d.toks, block, &f.toks, 0, f.examples())
	return d
}

// allocDataset makes a dataset of n examples, all padding and boundaries
// until the words' tokens are copied in.
func allocDataset(v *Vocab, block, n int) *Dataset {
	d := &Dataset{Block: block, n: n, toks: newTokens(uint32(v.Size()-1), block+n)}
	d.toks.b = d.toks.b[:cap(d.toks.b)] // zeros: the padding and the boundaries
	populate(d.toks.b)
	return d
}

// newDataset lays out the examples of f's words in the given order, calling
// report (if not nil) with the words laid out so far now and then.
func newDataset(f *File, words []int32, v *Vocab, block int, report func(words int)) *Dataset {
	n := 0
	for _, w := range words {
		start, end := f.bounds(int(w))
		n += end - start + 1
	}
	d := allocDataset(v, block, n)
	rec := newRecoding(f, v)
	p := block
	for k, w := range words {
		start, end := f.bounds(int(w))
		rec.copy(&d.toks, p, &f.toks, start, end)
		p += end - start + 1
		if report != nil && k%(1<<16) == 0 {
			report(k)
		}
	}
	return d
}

// recoding copies a file's tokens into a vocabulary's, which are usually
// the same ones.
type recoding struct {
	same bool     // the tokens are the same, and as wide
	to   []uint32 // the vocabulary's token of each of the file's
	// narrow is to as a table, when both are a byte a token.
	narrow *[1 << 8]byte
}

func newRecoding(f *File, v *Vocab) recoding {
	r := recoding{to: make([]uint32, len(f.chars)+1)} // to[0]: the boundary stays
	r.same = widthFor(uint32(v.Size()-1)) == f.toks.width
	for i, c := range f.chars {
		t, _ := v.Token(c)
		r.to[i+1] = uint32(t)
		r.same = r.same && t == i+1
	}
	if !r.same && f.toks.width == 1 && widthFor(uint32(v.Size()-1)) == 1 {
		r.narrow = new([1 << 8]byte)
		for t, u := range r.to {
			r.narrow[t] = byte(u)
		}
	}
	return r
}

// copy writes tokens [from, to) of src to dst from at.
func (r recoding) copy(dst *tokens, at int, src *tokens, from, to int) {
	switch {
	case r.same:
		copy(dst.span(at, at+to-from), src.span(from, to))
	case r.narrow != nil:
		out := dst.span(at, at+to-from)
		for i, t := range src.span(from, to) {
			out[i] = r.narrow[t]
		}
	default:
		for j := from; j < to; j++ {
			dst.set(at+j-from, r.to[src.at(j)])
		}
	}
}

// Len is the number of examples.
func (d *Dataset) Len() int { return d.n }

// Head is the first n examples of d (all of them if it has fewer).
func (d *Dataset) Head(n int) *Dataset {
	return &Dataset{Block: d.Block, n: min(n, d.n), toks: d.toks}
}

// WordStart is the first example of the word that example i is in, at block 1.
func (d *Dataset) WordStart(i int) int {
	for d.toks.at(i) != Boundary { // the token example i reads; toks[0] is padding
		i--
	}
	return i
}

// WordBatch fills x and y with the examples of words words drawn uniformly
// with replacement, one word after the other, as a sequence model trains
// (makemore.py's sampler), and returns how many examples that is. It needs
// block 1, and room in x and y for the longest words.
func (d *Dataset) WordBatch(r *rand.Rand, words int, x, y []int32) int {
	starts := d.wordStarts()
	rows := 0
	for range words {
		k := r.IntN(len(starts) - 1)
		first, end := int(starts[k]), int(starts[k+1])
		d.Gather(first, x[rows:rows+end-first], y[rows:rows+end-first])
		rows += end - first
	}
	return rows
}

// wordStarts is each word's first example, and then Len, at block 1; found
// once, when first asked for.
func (d *Dataset) wordStarts() []uint32 {
	d.startsOnce.Do(func() {
		for i := range d.n {
			if d.toks.at(i) == Boundary {
				d.starts = append(d.starts, uint32(i))
			}
		}
		d.starts = append(d.starts, uint32(d.n))
	})
	return d.starts
}

// example writes the context of example i to ctx [Block] and returns the
// token it predicts.
func (d *Dataset) example(i int, ctx []int32) int32 {
	p := d.Block + i
	k := d.Block - 1
	for ; k >= 0; k-- {
		t := d.toks.at(p - d.Block + k)
		if t == Boundary {
			break
		}
		ctx[k] = int32(t)
	}
	clear(ctx[:k+1])
	return int32(d.toks.at(p))
}

// Gather fills x [len(y) × Block] and y with examples start, start+1, ….
func (d *Dataset) Gather(start int, x, y []int32) {
	for i := range y {
		y[i] = d.example(start+i, x[i*d.Block:(i+1)*d.Block])
	}
}

// Batch fills x [B × Block] and y [B] with examples drawn uniformly with replacement.
func (d *Dataset) Batch(r *rand.Rand, x, y []int32) {
	for i := range y {
		y[i] = d.example(r.IntN(d.n), x[i*d.Block:(i+1)*d.Block])
	}
}
