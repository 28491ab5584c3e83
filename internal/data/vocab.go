package data

import (
	"fmt"
	"slices"
	"strings"
)

// Boundary is the token that pads contexts and ends a word; it prints as '.'.
const Boundary = 0

// Vocab maps characters to tokens: 0 is the word boundary, then the distinct
// characters of the training words in sorted order.
type Vocab struct {
	chars []rune // chars[i-1] is token i
	index map[rune]int
}

// ParseVocab rebuilds a vocabulary from its String form (as stored in a checkpoint).
func ParseVocab(s string) (*Vocab, error) {
	chars := []rune(s)
	if len(chars) == 0 || !slices.IsSorted(chars) || len(slices.Compact(slices.Clone(chars))) != len(chars) {
		return nil, fmt.Errorf("vocabulary %q is not a sorted set of distinct characters", s)
	}
	return vocabOf(chars), nil
}

func vocabOf(chars []rune) *Vocab {
	v := &Vocab{chars: chars, index: make(map[rune]int, len(chars))}
	for i, r := range chars {
		v.index[r] = i + 1
	}
	return v
}

// Size is the number of tokens, the boundary included.
func (v *Vocab) Size() int { return len(v.chars) + 1 }

// String lists the characters in token order, without the boundary.
func (v *Vocab) String() string { return string(v.chars) }

// Token returns the token of r, and false if r is not in the vocabulary.
func (v *Vocab) Token(r rune) (int, bool) {
	t, ok := v.index[r]
	return t, ok
}

// Char returns the character of token t; the boundary prints as '.'.
func (v *Vocab) Char(t int) rune {
	if t == Boundary {
		return '.'
	}
	return v.chars[t-1]
}

// Decode spells a sequence of non-boundary tokens.
func (v *Vocab) Decode(tokens []int) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteRune(v.Char(t))
	}
	return b.String()
}

// Missing returns the characters of f that v lacks, in sorted order.
func (v *Vocab) Missing(f *File) []rune {
	var out []rune
	for _, r := range f.chars {
		if _, ok := v.index[r]; !ok {
			out = append(out, r)
		}
	}
	return out
}
