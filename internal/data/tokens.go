package data

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// tokens is a sequence of token ids in the narrowest width that holds them:
// one byte each while they are below 256, two or four when not. They are
// stored big-endian, so that comparing the bytes of two runs of tokens
// compares the runs token by token.
type tokens struct {
	width int // bytes per token: 1, 2 or 4
	b     []byte
}

// newTokens returns an empty sequence wide enough for tokens up to max, with
// room for n of them.
func newTokens(max uint32, n int) tokens {
	w := widthFor(max)
	return tokens{width: w, b: make([]byte, 0, n*w)}
}

func widthFor(max uint32) int {
	switch {
	case max < 1<<8:
		return 1
	case max < 1<<16:
		return 2
	}
	return 4
}

// Len is the number of tokens.
func (s *tokens) Len() int { return len(s.b) / s.width }

func (s *tokens) at(i int) uint32 {
	switch s.width {
	case 1:
		return uint32(s.b[i])
	case 2:
		return uint32(s.b[2*i])<<8 | uint32(s.b[2*i+1])
	}
	b := s.b[4*i : 4*i+4]
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func (s *tokens) set(i int, t uint32) {
	switch s.width {
	case 1:
		s.b[i] = byte(t)
	case 2:
		s.b[2*i], s.b[2*i+1] = byte(t>>8), byte(t)
	default:
		s.b[4*i], s.b[4*i+1], s.b[4*i+2], s.b[4*i+3] = byte(t>>24), byte(t>>16), byte(t>>8), byte(t)
	}
}

// push appends t, first widening the sequence if t needs more bytes.
func (s *tokens) push(t uint32) {
	if s.width == 1 && t < 1<<8 {
		s.b = append(s.b, byte(t))
		return
	}
	if w := widthFor(t); w > s.width {
		s.widen(w)
	}
	s.b = append(s.b, make([]byte, s.width)...)
	s.set(s.Len()-1, t)
}

func (s *tokens) widen(w int) {
	old := *s
	*s = tokens{width: w, b: make([]byte, len(old.b)/old.width*w, cap(old.b)/old.width*w)}
	for i := range old.Len() {
		s.set(i, old.at(i))
	}
}

// span is the bytes of tokens [i, j).
func (s *tokens) span(i, j int) []byte { return s.b[i*s.width : j*s.width] }

// nextBoundary is the first Boundary token at or after i, or Len if none.
func (s *tokens) nextBoundary(i int) int {
	if s.width == 1 {
		if j := bytes.IndexByte(s.b[i:], Boundary); j >= 0 {
			return i + j
		}
		return len(s.b)
	}
	for ; i < s.Len() && s.at(i) != Boundary; i++ {
	}
	return i
}

// renumber replaces every token t by to[t], which has the same width.
func (s *tokens) renumber(to []uint32) {
	if s.width > 1 {
		for i := range s.Len() {
			s.set(i, to[s.at(i)])
		}
		return
	}
	var table [1 << 8]byte
	identity := true
	for t, u := range to {
		table[t] = byte(u)
		identity = identity && u == uint32(t)
	}
	if identity {
		return
	}
	inPieces(len(s.b), func(lo, hi int) {
		b := s.b[lo:hi]
		for i, t := range b {
			b[i] = table[t]
		}
	})
}

// boundaries is the number of Boundary tokens in [from, to).
func (s *tokens) boundaries(from, to int) int {
	if s.width == 1 {
		return bytes.Count(s.b[from:to], []byte{Boundary})
	}
	n := 0
	for i := from; i < to; i++ {
		if s.at(i) == Boundary {
			n++
		}
	}
	return n
}

// wordEnds finds the Boundary tokens in tokens [from, to) in order, eight
// at a time when a token is a byte: the ends of the words there. They come
// a batch at a time (see fill), so that the loops over them are tight.
type wordEnds struct {
	s    *tokens
	to   int
	at   int    // where the eight bytes of mask start; the next token to look at if wider
	mask uint64 // the top bit of each zero byte at s.b[at:at+8] not yet returned
}

func newWordEnds(s *tokens, from, to int) wordEnds {
	if s.width == 1 {
		return wordEnds{s: s, to: to, at: from - 8}
	}
	return wordEnds{s: s, to: to, at: from}
}

// fill writes the next Boundary tokens to ends, as many as there are and
// fit, and returns how many; 0 when none are left.
func (w *wordEnds) fill(ends []int) int {
	if w.s.width > 1 {
		n := 0
		for ; w.at < w.to && n < len(ends); w.at++ {
			if w.s.at(w.at) == Boundary {
				ends[n] = w.at
				n++
			}
		}
		return n
	}
	b, at, mask, n := w.s.b[:w.to], w.at, w.mask, 0
	for n < len(ends) {
		if mask != 0 {
			ends[n] = at + bits.TrailingZeros64(mask)/8
			mask &= mask - 1
			n++
			continue
		}
		if at += 8; at >= len(b) {
			break
		}
		mask = zeroBytes(b[at:])
	}
	w.at, w.mask = at, mask
	return n
}

// zeroBytes has the top bit set of each byte of b's first eight that is 0
// (b shorter than eight reads as padded with non-zero bytes).
func zeroBytes(b []byte) uint64 {
	var x uint64
	if len(b) >= 8 {
		x = binary.LittleEndian.Uint64(b)
	} else {
		pad := [8]byte{1, 1, 1, 1, 1, 1, 1, 1}
		copy(pad[:], b)
		x = binary.LittleEndian.Uint64(pad[:])
	}
	const low7 = 0x7F7F7F7F7F7F7F7F
	// A byte's top bit is set in y when its low seven bits or its top bit are.
	y := (x&low7 + low7) | x
	return ^(y | low7)
}
