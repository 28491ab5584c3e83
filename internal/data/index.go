package data

import (
	"bytes"
	"slices"

	"github.com/makemore/makemore/internal/progress"
)

// Index finds which part of a split a word is in, by binary search over each
// part's words in sorted order: four bytes a word, where a map of strings
// would take some forty.
type Index struct {
	f     *File
	parts [3][]int32 // train, val, test
}

// PartNames name the parts of a split, in the order Index.Part tries them.
var PartNames = [3]string{"train", "val", "test"}

// NewIndex sorts the words of each part of s, reporting the words sorted so
// far to report.
func NewIndex(s Split, report progress.Func) *Index {
	x := &Index{f: s.File}
	total, done := int64(s.File.Len()), int64(0)
	for i, part := range [3][]int32{s.Train, s.Val, s.Test} {
		// Token order is character order, and tokens are stored big-endian:
		// comparing the bytes compares the words.
		x.parts[i] = slices.SortedFunc(slices.Values(part), func(a, b int32) int {
			return bytes.Compare(x.word(a), x.word(b))
		})
		done += int64(len(part))
		report.Report(done, total)
	}
	return x
}

func (x *Index) word(i int32) []byte {
	start, end := x.f.bounds(int(i))
	return x.f.toks.span(start, end)
}

// Part is the name of the first part, of train, val and test, that holds w,
// or "" if none does.
func (x *Index) Part(w string) string {
	key := tokens{width: x.f.toks.width}
	for _, r := range Normalize(w) {
		t, ok := slices.BinarySearch(x.f.chars, r)
		if !ok {
			return ""
		}
		key.push(uint32(t + 1))
	}
	for i, part := range x.parts {
		if _, ok := slices.BinarySearchFunc(part, key.b, func(j int32, key []byte) int {
			return bytes.Compare(x.word(j), key)
		}); ok {
			return PartNames[i]
		}
	}
	return ""
}
