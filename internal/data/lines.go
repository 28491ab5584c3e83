package data

import (
	"bytes"
	"fmt"
	"slices"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// parser turns the lines of a words file into words, a chunk at a time.
// Most lines of most files are plain: ASCII characters without white space
// at either end, ended by a line feed. Those take a table look-up a byte and
// nothing else; any other line, or any line once the file has more
// characters than a byte numbers, goes the general way (see word).
type parser struct {
	name string
	f    *File
	// plain is the token of each byte that is a character by itself and
	// may end a word (ASCII but white space and NUL), once seen; 0 for any
	// other byte, which sends its line the general way.
	plain [256]byte
	ascii [utf8.RuneSelf]uint32 // the tokens of the ASCII characters seen
	other map[rune]uint32       // and of the others
	chars []rune                // the characters in the order first seen: token t is chars[t-1]
	line  int                   // lines parsed so far
	err   error                 // the first line's error

	// backed is how much of f.toks's room, of capacity backedCap, has been
	// populated.
	backed, backedCap int
}

// backWindow is how much room for tokens the parser has populated at a
// time, ahead of writing it.
const backWindow = 64 << 20

func newParser(name string, size int64) *parser {
	// A plain line's tokens and boundary take as many bytes as the line and
	// its end; a last line without an end takes one more.
	return &parser{name: name, f: &File{Name: name, toks: newTokens(0, int(size)+1)}, other: map[rune]uint32{}}
}

// chunk parses the lines of c, noting in c whether its words differ from
// its bytes.
func (p *parser) chunk(c *chunk) error {
	b := c.buf[:c.n]
	p.backAhead(len(b) + 1)
	c.dirty = false
	if p.plainChunk(b) {
		return nil
	}
	for at := 0; at < len(b); {
		at = p.plainLines(c, at)
		if at == len(b) {
			break
		}
		end, next := lineEnd(b, at)
		c.markDirty(at)
		w, err := p.word(b[at:end])
		if err != nil {
			return err
		}
		if len(w) > 0 {
			c.words = append(append(c.words, w...), '\n')
		}
		at = next
	}
	return nil
}

// backAhead populates the room for the next n bytes of tokens, if f.toks
// has it, a window at a time.
func (p *parser) backAhead(n int) {
	b := p.f.toks.b
	if cap(b) != p.backedCap { // a new array, copied up to len(b)
		p.backed, p.backedCap = len(b), cap(b)
	}
	if len(b)+n <= p.backed {
		return
	}
	end := min(cap(b), max(len(b)+n, p.backed+backWindow))
	populate(b[p.backed:end])
	p.backed = end
}

// plainChunk parses b if all its lines are plain and end in a line feed, as
// in most chunks of most files, and reports whether they were. It does so
// in two passes without a branch a byte: one turns each byte into its
// token, a line feed into the boundary, and one finds the boundaries eight
// at a time, for the words' count and lengths. Any byte that is not plain
// turns into a boundary too: the chunk's lines are plain when it has as
// many boundaries as line feeds.
func (p *parser) plainChunk(b []byte) bool {
	if p.f.toks.width != 1 || len(b) == 0 || b[0] == '\n' || b[len(b)-1] != '\n' ||
		bytes.Contains(b, []byte("\n\n")) || bytes.IndexByte(b, '\r') >= 0 {
		return false // not plain, and quick to tell
	}
	toks := slices.Grow(p.f.toks.b, len(b))
	p.f.toks.b = toks
	out := toks[len(toks) : len(toks)+len(b)]
	for i, c := range b {
		out[i] = p.plain[c]
	}
	words, longest, start := 0, p.f.maxLen, 0
	var ends [256]int
	for w := newWordEnds(&tokens{width: 1, b: out}, 0, len(out)); ; {
		n := w.fill(ends[:])
		if n == 0 {
			break
		}
		for _, end := range ends[:n] {
			longest = max(longest, end-start)
			start = end + 1
		}
		words += n
	}
	if words != bytes.Count(b, []byte{'\n'}) || longest > MaxLineBytes {
		return false
	}
	p.f.toks.b = toks[:len(toks)+len(b)]
	p.f.words += words
	p.f.maxLen = longest
	p.line += words
	return true
}

// plainLines parses the plain lines of c from offset at on, and returns
// where the first other line starts. A plain line ended by a CR or CRLF is
// the same word, but not the same bytes.
func (p *parser) plainLines(c *chunk, at int) int {
	if p.f.toks.width != 1 {
		return at
	}
	b := c.buf[:c.n]
	toks, words, longest, lines := p.f.toks.b, p.f.words, p.f.maxLen, p.line
	start, i := at, at
lines:
	for ; i < len(b); i++ {
		if t := p.plain[b[i]]; t != 0 {
			toks = append(toks, t)
			continue
		}
		n, next := i-start, i+1
		switch {
		case n == 0 || n > MaxLineBytes:
			break lines
		case b[i] == '\n':
		case b[i] == '\r':
			// The reader never ends a chunk between a CR and its LF.
			if next < len(b) && b[next] == '\n' {
				next++
			}
			c.markDirty(start)
		default:
			break lines
		}
		toks = append(toks, Boundary)
		words++
		longest = max(longest, n)
		lines++
		if c.dirty {
			c.words = append(append(c.words, b[start:i]...), '\n')
		}
		start, i = next, next-1
	}
	// The line not parsed leaves no tokens.
	p.f.toks.b = toks[:len(toks)-(i-start)]
	p.f.words, p.f.maxLen, p.line = words, longest, lines
	return start
}

// lineEnd finds the end of the line that starts at b[at]: where its
// characters end, and where the next line starts.
func lineEnd(b []byte, at int) (end, next int) {
	end = len(b)
	if i := bytes.IndexByte(b[at:], '\n'); i >= 0 {
		end = at + i
	}
	if i := bytes.IndexByte(b[at:end], '\r'); i >= 0 {
		end = at + i
	}
	next = min(end+1, len(b))
	if end+1 < len(b) && b[end] == '\r' && b[end+1] == '\n' {
		next++
	}
	return end, next
}

// word parses one line the general way: a byte-order mark at the start of
// the file and white space around the word trimmed, UTF-8 checked, put in
// normal form C. It returns the word as the words' digest takes it, empty
// for a blank line.
func (p *parser) word(line []byte) ([]byte, error) {
	p.line++
	if len(line) > MaxLineBytes {
		return nil, fmt.Errorf("%s:%d: line longer than %d bytes; a words file has one word per line", p.name, p.line, MaxLineBytes)
	}
	if p.line == 1 {
		line = bytes.TrimPrefix(line, bom)
	}
	w := bytes.TrimSpace(line)
	if len(w) == 0 {
		return nil, nil
	}
	if !utf8.Valid(w) {
		return nil, fmt.Errorf("%s:%d: invalid UTF-8; save the file as UTF-8 text", p.name, p.line)
	}
	if !norm.NFC.IsNormal(w) {
		w = []byte(Normalize(string(w)))
	}
	n := 0
	for _, r := range string(w) {
		p.f.toks.push(p.code(r))
		n++
	}
	p.f.toks.push(Boundary)
	p.f.words++
	p.f.maxLen = max(p.f.maxLen, n)
	return w, nil
}

// code is the token of r, a new one if r is new.
func (p *parser) code(r rune) uint32 {
	if r < utf8.RuneSelf && p.ascii[r] != 0 {
		return p.ascii[r]
	}
	if t, ok := p.other[r]; ok {
		return t
	}
	p.chars = append(p.chars, r)
	t := uint32(len(p.chars))
	if r >= utf8.RuneSelf {
		p.other[r] = t
		return t
	}
	p.ascii[r] = t
	if t < 1<<8 && r != 0 && !isASCIISpace(byte(r)) {
		p.plain[r] = byte(t)
	}
	return t
}

// isASCIISpace is bytes.TrimSpace's white space among the ASCII characters.
func isASCIISpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\v' || b == '\f' || b == '\r'
}

// finish numbers the characters in sorted order, as a Vocab numbers them,
// and returns the file.
func (p *parser) finish() *File {
	f := p.f
	f.chars = slices.Sorted(slices.Values(p.chars))
	rank := make([]uint32, len(p.chars)+1) // rank[0] keeps the boundary
	for i, r := range p.chars {
		j, _ := slices.BinarySearch(f.chars, r)
		rank[i+1] = uint32(j + 1)
	}
	f.toks.renumber(rank)
	return f
}
