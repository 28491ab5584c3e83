// Package data turns a words file into the (context, next character) examples the
// model trains on: reading and validating the file, the vocabulary, the seeded
// train/val/test split and minibatch sampling.
package data

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/makemore/makemore/internal/fileio"
	"github.com/makemore/makemore/internal/progress"
	"golang.org/x/text/unicode/norm"
)

// MaxFileBytes bounds a words file: 1 GiB is a hundred million names, far
// more than a model this size learns from.
const MaxFileBytes = 1 << 30

// MaxLineBytes bounds one line of a words file: a longer line means the file is
// not a list of words, and reading it whole could exhaust memory.
const MaxLineBytes = 1 << 16

// File is the words of a words file. They are held as tokens of the file's
// own characters, one byte each while there are fewer than 256 of them, and
// the ends of the words: about one byte per character and four per word,
// instead of a string each.
type File struct {
	Name string // path as given, or a label for embedded data; used in messages
	// SHA256 is the hex digest of the words as parsed, each followed by a
	// newline, to recognise the file again at eval time: a copy with CRLF
	// line ends, a byte-order mark or blank lines is the same file.
	SHA256 string
	// RawSHA256 is the hex digest of the file's bytes, which checkpoints
	// written before SHA256 was taken over the words recorded instead.
	RawSHA256 string

	chars  []rune   // the distinct characters, sorted: token t is chars[t-1]
	toks   tokens   // every word's characters as tokens, in file order
	ends   []uint32 // word i is toks[ends[i-1]:ends[i]] (from 0 for the first)
	maxLen int
}

// Len is the number of words.
func (f *File) Len() int { return len(f.ends) }

// bounds are where word i is in f.toks.
func (f *File) bounds(i int) (start, end int) {
	if i > 0 {
		start = int(f.ends[i-1])
	}
	return start, int(f.ends[i])
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

func parse(name string, r io.Reader, size int64, report progress.Func) (*File, error) {
	src := &rawReader{r: r, sum: sha256.New(), nul: -1}
	words := sha256.New()
	// The file's characters get tokens as they are first seen, from the
	// table for ASCII or the map for the rest; sorted at the end.
	var ascii [utf8.RuneSelf]uint32
	other := map[rune]uint32{}
	var chars []rune
	code := func(r rune) uint32 {
		if r < utf8.RuneSelf {
			if ascii[r] == 0 {
				chars = append(chars, r)
				ascii[r] = uint32(len(chars))
			}
			return ascii[r]
		}
		t, ok := other[r]
		if !ok {
			chars = append(chars, r)
			t = uint32(len(chars))
			other[r] = t
		}
		return t
	}
	f := &File{Name: name, toks: newTokens(0, int(size))}
	var parsed []byte // the words as hashed, written a block at a time
	sc := bufio.NewScanner(src)
	sc.Buffer(make([]byte, 0, 4096), MaxLineBytes)
	sc.Split(scanLines)
	next := int64(reportEvery)
	var lineErr error
	line := 1
	for ; sc.Scan(); line++ {
		if src.nul >= 0 {
			break
		}
		if src.n >= next {
			report.Report(src.n, size)
			next = src.n + reportEvery
		}
		b := sc.Bytes()
		if line == 1 {
			b = bytes.TrimPrefix(b, bom)
		}
		w := bytes.TrimSpace(b)
		if len(w) == 0 {
			continue
		}
		if !utf8.Valid(w) {
			lineErr = fmt.Errorf("%s:%d: invalid UTF-8; save the file as UTF-8 text", name, line)
			break
		}
		if !norm.NFC.IsNormal(w) {
			w = []byte(Normalize(string(w)))
		}
		n := 0
		for _, r := range string(w) {
			if r < utf8.RuneSelf && ascii[r] != 0 {
				f.toks.push(ascii[r])
			} else {
				f.toks.push(code(r))
			}
			n++
		}
		f.ends = append(f.ends, uint32(f.toks.Len()))
		f.maxLen = max(f.maxLen, n)
		parsed = append(append(parsed, w...), '\n')
		if len(parsed) >= 1<<16 {
			words.Write(parsed)
			parsed = parsed[:0]
		}
	}
	readErr := sc.Err()
	if lineErr != nil || readErr != nil {
		// A NUL anywhere says more than a bad line: look for one in the rest.
		io.Copy(io.Discard, src)
	}
	switch {
	case src.nul >= 0:
		return nil, fmt.Errorf("%s: contains a NUL byte at offset %d: this looks like a binary file, not a words file (one word per line)", name, src.nul)
	case lineErr != nil:
		return nil, lineErr
	case errors.Is(readErr, bufio.ErrTooLong):
		return nil, fmt.Errorf("%s:%d: line longer than %d bytes; a words file has one word per line", name, line, MaxLineBytes)
	case readErr != nil:
		return nil, fmt.Errorf("%s: cannot read: %v; check the path and its permissions", name, fileio.Cause(readErr))
	case src.n == 0:
		return nil, fmt.Errorf("%s: file is empty; pass a words file with one word per line", name)
	case f.Len() == 0:
		return nil, fmt.Errorf("%s: no words found (only blank lines); pass a words file with one word per line", name)
	}
	words.Write(parsed)
	f.SHA256, f.RawSHA256 = hex.EncodeToString(words.Sum(nil)), hex.EncodeToString(src.sum.Sum(nil))
	f.sortChars(chars)
	report.Report(size, size)
	return f, nil
}

// scanLines is bufio.ScanLines that also ends a line at a carriage return
// alone: a file saved with old Mac line ends (CR only) is one word per
// line, not one long word. CRLF is one end, as before.
func scanLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	i := bytes.IndexAny(data, "\r\n")
	switch {
	case i < 0 && atEOF && len(data) > 0:
		return len(data), data, nil
	case i < 0:
		return 0, nil, nil // more data, or the end
	case data[i] == '\n':
		return i + 1, data[:i], nil
	case i+1 < len(data):
		if data[i+1] == '\n' {
			return i + 2, data[:i], nil
		}
		return i + 1, data[:i], nil
	case atEOF:
		return i + 1, data[:i], nil
	}
	return 0, nil, nil // a CR last in the buffer: an LF may follow
}

// sortChars renumbers the tokens of f, given as first seen in chars, in the
// order of the characters, as a Vocab numbers them.
func (f *File) sortChars(chars []rune) {
	f.chars = slices.Sorted(slices.Values(chars))
	rank := make([]uint32, len(chars)+1)
	for i, r := range chars {
		j, _ := slices.BinarySearch(f.chars, r)
		rank[i+1] = uint32(j + 1)
	}
	if f.toks.width == 1 { // the usual case, a byte at a time
		for i, t := range f.toks.b {
			f.toks.b[i] = byte(rank[t])
		}
		return
	}
	for i := range f.toks.Len() {
		f.toks.set(i, rank[f.toks.at(i)])
	}
}

// rawReader passes a file's bytes through, hashing them, counting them and
// noting where the first NUL byte is.
type rawReader struct {
	r   io.Reader
	sum hash.Hash
	n   int64 // bytes read
	nul int64 // offset of the first NUL, -1 if none yet
}

func (s *rawReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.sum.Write(p[:n])
	if i := bytes.IndexByte(p[:n], 0); i >= 0 && s.nul < 0 {
		s.nul = s.n + int64(i)
	}
	s.n += int64(n)
	return n, err
}
