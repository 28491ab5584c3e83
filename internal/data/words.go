// Package data turns a words file into the (context, next character) examples the
// model trains on: reading and validating the file, the vocabulary, the seeded
// train/val/test split and minibatch sampling.
package data

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/makemore/makemore/internal/fileio"
	"github.com/makemore/makemore/internal/progress"
)

// MaxFileBytes bounds a words file: 1 GiB is a hundred million names, far
// more than a model this size learns from.
const MaxFileBytes = 1 << 30

// MaxLineBytes bounds one line of a words file: a longer line means the file is
// not a list of words, and reading it whole could exhaust memory.
const MaxLineBytes = 1 << 16

// File is the words of a words file. They are held as tokens of the file's
// own characters, one byte each while there are fewer than 256 of them, each
// word followed by the Boundary token, as a Dataset lays them out: about one
// byte per character and one per word, instead of a string each.
type File struct {
	Name string // path as given, or a label for embedded data; used in messages
	// SHA256 is the hex digest of the words as parsed, each followed by a
	// newline, to recognise the file again at eval time: a copy with CRLF
	// line ends, a byte-order mark or blank lines is the same file.
	SHA256 string
	// RawSHA256 is the hex digest of the file's bytes, which checkpoints
	// written before SHA256 was taken over the words recorded instead.
	RawSHA256 string

	chars  []rune // the distinct characters, sorted: token t is chars[t-1]
	toks   tokens // every word's characters as tokens and then the Boundary, in file order
	words  int
	maxLen int

	startsOnce sync.Once
	starts     []uint32 // where each word starts in toks, and then toks.Len() (see wordStarts)
}

// Len is the number of words.
func (f *File) Len() int { return f.words }

// examples is the number of examples of all the words: one per character of
// each word, and one for its end.
func (f *File) examples() int { return f.toks.Len() }

// bounds are where word i's characters are in f.toks.
func (f *File) bounds(i int) (start, end int) {
	s := f.wordStarts()
	return int(s[i]), int(s[i+1]) - 1
}

// wordStarts finds, when first asked, where each word starts in f.toks: four
// bytes a word, which reading and the split of a big file do without; only
// what reads words in another order than the file's needs them.
func (f *File) wordStarts() []uint32 {
	f.startsOnce.Do(func() {
		f.starts = make([]uint32, 1, f.words+1)
		for p := 0; p < f.toks.Len(); {
			p = f.toks.nextBoundary(p) + 1
			f.starts = append(f.starts, uint32(p))
		}
	})
	return f.starts
}

// Word is word i.
func (f *File) Word(i int) string {
	var b strings.Builder
	start, end := f.bounds(i)
	for j := start; j < end; j++ {
		b.WriteRune(f.chars[f.toks.at(j)-1])
	}
	return b.String()
}

// Vocab is the vocabulary of the file's characters.
func (f *File) Vocab() *Vocab { return vocabOf(slices.Clone(f.chars)) }

// MaxLen is the length in characters of the longest word.
func (f *File) MaxLen() int { return f.maxLen }

// Matches reports whether sha256 is the file's, over its words or, as older
// checkpoints recorded it, over its bytes.
func (f *File) Matches(sha256 string) bool {
	return sha256 == f.SHA256 || sha256 == f.RawSHA256
}

// ReadFile reads and validates the words file at path, reporting the bytes
// read so far to report; flag is the command-line flag that named the file,
// for the hints.
func ReadFile(path, flag string, report progress.Func) (*File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file; pass an existing words file with %s", path, flag)
		}
		return nil, fmt.Errorf("%s: cannot read: %v; check the path and its permissions", path, fileio.Cause(err))
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s: is a directory; pass a words file (one word per line) with %s", path, flag)
	}
	if fi.Size() > MaxFileBytes {
		return nil, fmt.Errorf("%s: %d bytes is more than a words file this tool reads (%d); pass a list of words, one per line", path, fi.Size(), MaxFileBytes)
	}
	r, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read: %v; check the path and its permissions", path, fileio.Cause(err))
	}
	defer r.Close()
	return parse(path, r, fi.Size(), report)
}

// Parse validates the bytes of a words file: one word per line, CRLF accepted,
// a leading byte-order mark and surrounding white space trimmed, empty lines
// dropped, UTF-8 text only, each word put in Unicode normal form C.
func Parse(name string, b []byte) (*File, error) {
	return parse(name, bytes.NewReader(b), int64(len(b)), nil)
}

// Read reads a words file from r, a stream of unknown length such as stdin,
// refusing one longer than MaxFileBytes as ReadFile does.
func Read(name string, r io.Reader, report progress.Func) (*File, error) {
	// One byte more than allowed tells a stream at the limit from a longer one.
	lr := &io.LimitedReader{R: r, N: MaxFileBytes + 1}
	f, err := parse(name, lr, 0, report)
	if lr.N == 0 {
		return nil, fmt.Errorf("%s: more than the %d bytes of a words file this tool reads; pass a list of words, one per line", name, MaxFileBytes)
	}
	return f, err
}

// bom is the UTF-8 byte-order mark some editors start a text file with.
var bom = []byte("\uFEFF")

// reportEvery is how many bytes are read between two progress reports.
const reportEvery = 1 << 20

// parse reads a words file of size bytes (0 if not known) from r. One
// goroutine reads the bytes, hashing them and looking for a NUL, while this
// one turns their lines into words and another hashes the words: so reading
// takes about as long as the slowest of the three, not their sum.
func parse(name string, r io.Reader, size int64, report progress.Func) (*File, error) {
	rd := startReading(r, size)
	words := startHashing(rd.free)
	p := newParser(name, size)
	next := int64(reportEvery)
	for c := range rd.full {
		if p.err == nil {
			p.err = p.chunk(c)
		}
		if p.err != nil {
			// The reader goes on: a NUL later in the file says more.
			rd.free <- c
			continue
		}
		words.in <- c
		if end := c.off + int64(c.n); end >= next {
			report.Report(end, size)
			next = end + reportEvery
		}
	}
	wordsSum := words.sum()
	switch {
	case rd.nul >= 0:
		return nil, fmt.Errorf("%s: contains a NUL byte at offset %d: this looks like a binary file, not a words file (one word per line)", name, rd.nul)
	case p.err != nil:
		return nil, p.err
	case rd.err != nil:
		return nil, fmt.Errorf("%s: cannot read: %v; check the path and its permissions", name, fileio.Cause(rd.err))
	case rd.n == 0:
		return nil, fmt.Errorf("%s: file is empty; pass a words file with one word per line", name)
	case p.f.Len() == 0:
		return nil, fmt.Errorf("%s: no words found (only blank lines); pass a words file with one word per line", name)
	}
	f := p.finish()
	f.SHA256, f.RawSHA256 = hex.EncodeToString(wordsSum), hex.EncodeToString(rd.raw.Sum(nil))
	report.Report(size, size)
	return f, nil
}
