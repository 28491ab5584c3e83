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
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/makemore/makemore/internal/fileio"
)

// MaxFileBytes bounds a words file, which is read whole: 1 GiB is a hundred
// million names, far more than a model this size learns from.
const MaxFileBytes = 1 << 30

// MaxLineBytes bounds one line of a words file: a longer line means the file is
// not a list of words, and reading it whole could exhaust memory.
const MaxLineBytes = 1 << 16

// File is a words file read into memory.
type File struct {
	Name   string   // path as given, or a label for embedded data; used in messages
	Words  []string // one per non-empty line, trimmed, in file order
	SHA256 string   // hex digest of the raw bytes, to recognise the file again at eval time
}

// ReadFile reads and validates the words file at path.
func ReadFile(path string) (*File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file; pass an existing words file with --input-file", path)
		}
		return nil, fmt.Errorf("%s: cannot read: %v; check the path and its permissions", path, fileio.Cause(err))
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s: is a directory; pass a words file (one word per line) with --input-file", path)
	}
	if fi.Size() > MaxFileBytes {
		return nil, fmt.Errorf("%s: %d bytes is more than a words file this tool reads (%d); pass a list of words, one per line", path, fi.Size(), MaxFileBytes)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read: %v; check the path and its permissions", path, fileio.Cause(err))
	}
	return Parse(path, b)
}

// Parse validates the bytes of a words file: one word per line, CRLF accepted,
// surrounding white space trimmed, empty lines dropped, UTF-8 text only.
func Parse(name string, b []byte) (*File, error) {
	sum := sha256.Sum256(b)
	f := &File{Name: name, SHA256: hex.EncodeToString(sum[:])}
	if len(b) == 0 {
		return nil, fmt.Errorf("%s: file is empty; pass a words file with one word per line", name)
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return nil, fmt.Errorf("%s: contains a NUL byte at offset %d: this looks like a binary file, not a words file (one word per line)", name, i)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), MaxLineBytes)
	for line := 1; sc.Scan(); line++ {
		w := strings.TrimSpace(sc.Text())
		if w == "" {
			continue
		}
		if !utf8.ValidString(w) {
			return nil, fmt.Errorf("%s:%d: invalid UTF-8; save the file as UTF-8 text", name, line)
		}
		f.Words = append(f.Words, w)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s: a line is longer than %d bytes; a words file has one word per line", name, MaxLineBytes)
		}
		if !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
	}
	if len(f.Words) == 0 {
		return nil, fmt.Errorf("%s: no words found (only blank lines); pass a words file with one word per line", name)
	}
	return f, nil
}

// MaxLen is the length in characters of the longest word.
func MaxLen(words []string) int {
	n := 0
	for _, w := range words {
		n = max(n, utf8.RuneCountInString(w))
	}
	return n
}
