package data

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// referenceParse is how words files were parsed before reading went a chunk
// at a time: a bufio.Scanner a line at a time. Parse must find the same
// words and digests, and the same errors, in any file without lines near
// MaxLineBytes (the scanner's buffer refused some lines a byte or two
// shorter than the limit).
func referenceParse(name string, b []byte) (words []string, sum, rawSum string, err error) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return nil, "", "", fmt.Errorf("%s: contains a NUL byte at offset %d: this looks like a binary file, not a words file (one word per line)", name, i)
	}
	h := sha256.New()
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), MaxLineBytes)
	sc.Split(referenceScanLines)
	for line := 1; sc.Scan(); line++ {
		l := sc.Bytes()
		if line == 1 {
			l = bytes.TrimPrefix(l, bom)
		}
		w := bytes.TrimSpace(l)
		if len(w) == 0 {
			continue
		}
		if !utf8.Valid(w) {
			return nil, "", "", fmt.Errorf("%s:%d: invalid UTF-8; save the file as UTF-8 text", name, line)
		}
		s := Normalize(string(w))
		words = append(words, s)
		h.Write([]byte(s + "\n"))
	}
	switch {
	case errors.Is(sc.Err(), bufio.ErrTooLong):
		return nil, "", "", errors.New("line too long")
	case len(b) == 0:
		return nil, "", "", fmt.Errorf("%s: file is empty; pass a words file with one word per line", name)
	case len(words) == 0:
		return nil, "", "", fmt.Errorf("%s: no words found (only blank lines); pass a words file with one word per line", name)
	}
	raw := sha256.Sum256(b)
	return words, hex.EncodeToString(h.Sum(nil)), hex.EncodeToString(raw[:]), nil
}

// referenceScanLines is bufio.ScanLines that also ends a line at a carriage
// return alone, CRLF being one end.
func referenceScanLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	i := bytes.IndexAny(data, "\r\n")
	switch {
	case i < 0 && atEOF && len(data) > 0:
		return len(data), data, nil
	case i < 0:
		return 0, nil, nil
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
	return 0, nil, nil
}

// sameAsReference fails t unless Parse reads b as referenceParse does.
func sameAsReference(t *testing.T, b []byte) {
	t.Helper()
	words, sum, rawSum, refErr := referenceParse("w", b)
	f, err := Parse("w", b)
	switch {
	case refErr != nil && refErr.Error() == "line too long":
		if err == nil || !strings.Contains(err.Error(), "line longer than") {
			t.Fatalf("%q: %v, want a line too long", b, err)
		}
		return
	case refErr != nil || err != nil:
		if fmt.Sprint(err) != fmt.Sprint(refErr) {
			t.Fatalf("%q: error %v, want %v", b, err, refErr)
		}
		return
	}
	if got := wordsOf(f); !slices.Equal(got, words) {
		t.Fatalf("%q: words %q, want %q", b, got, words)
	}
	longest := 0
	for _, w := range words {
		longest = max(longest, utf8.RuneCountInString(w))
	}
	if f.SHA256 != sum || f.RawSHA256 != rawSum || f.MaxLen() != longest {
		t.Fatalf("%q: digests %s %s, longest %d; want %s %s, %d", b, f.SHA256, f.RawSHA256, f.MaxLen(), sum, rawSum, longest)
	}
}

// Files of a few chunks, of lines plain and not, read as they were: the
// lines that end, start or straddle a chunk take each way through.
func TestParseIsTheReferences(t *testing.T) {
	r := NewRand(9, 0)
	pieces := []string{"anna", "bob", "zoë", "zoe\u0301", " pad ", "tab\t", "mary ann", "\r", "\n", "\r\n", "\n\n", "\uFEFF", "\u00a0x", "é", "X", "~"}
	for _, plain := range []float64{1, 0.99, 0.5} {
		var b []byte
		for len(b) < 3*chunkBytes {
			if r.Float64() < plain {
				b = append(b, "emma\nolivia\n"[r.IntN(6):]...)
				continue
			}
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		for _, n := range []int{len(b), chunkBytes, chunkBytes + 1, chunkBytes - 1, 2*chunkBytes + 5} {
			sameAsReference(t, b[:n])
		}
		// A bad line in the third chunk is named by its number.
		sameAsReference(t, slices.Concat(b[:2*chunkBytes+5], []byte("\xff\n"), b[2*chunkBytes+5:]))
	}
	for _, in := range []string{"", "a", "a\r", "\r\r", "\uFEFF\n", "\uFEFFa", "a\x00", "\xff\n\x00", "  \n\t\n", "a\n\n", "é\r\n"} {
		sameAsReference(t, []byte(in))
	}
}

func FuzzParseIsTheReferences(f *testing.F) {
	f.Add([]byte("emma\nolivia\r\n\n ava \n"))
	f.Add([]byte("zoë\r\xff\n"))
	f.Add([]byte("\uFEFFa\x00b"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < MaxLineBytes-2 {
			sameAsReference(t, b)
		}
	})
}
