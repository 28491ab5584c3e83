package data

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"hash"
	"io"
)

// chunkBytes is how much of a words file is read, parsed and hashed at a
// time: small enough to stay in a core's cache from one goroutine to the
// next, and more than MaxLineBytes, so that a chunk holds at least one whole
// line unless that line is too long.
const chunkBytes = 1 << 20

// chunks is how many chunks go round between the goroutines: one being read,
// one parsed, one hashed, and one to spare.
const chunks = 4

// chunk is a piece of a words file: whole lines, up to the last line end in
// what was read, or the rest of the file at its end.
type chunk struct {
	buf   []byte // [reader.bufBytes], made when first filled
	n     int    // the chunk is buf[:n]; buf[n:end] starts the next one
	end   int
	off   int64 // the offset in the file of buf[0]
	final bool  // the chunk ends the file

	// dirty says the chunk's words, each followed by a newline as the
	// words' digest takes them, are not its bytes; words holds them then.
	dirty bool
	words []byte
}

// markDirty notes that the chunk's words differ from its bytes from offset
// at on, the words before it being the bytes before it.
func (c *chunk) markDirty(at int) {
	if !c.dirty {
		c.words = append(c.words[:0], c.buf[:at]...)
		c.dirty = true
	}
}

// reader reads a words file into chunks on a goroutine of its own, hashing
// the bytes and looking for a NUL as it goes.
type reader struct {
	src      io.Reader
	bufBytes int         // the size of a chunk's buffer: chunkBytes, or less for a small file
	free     chan *chunk // chunks to fill
	full     chan *chunk // chunks read, in file order; closed at the end

	// Set by the goroutine, to read once full is closed:
	raw hash.Hash
	n   int64 // bytes read
	nul int64 // the offset of the first NUL byte, -1 if none
	err error // a read error other than the end of the file
}

// startReading reads src, of size bytes if that is known (not 0).
func startReading(src io.Reader, size int64) *reader {
	rd := &reader{src: src, bufBytes: chunkBytes, free: make(chan *chunk, chunks), full: make(chan *chunk), raw: sha256.New(), nul: -1}
	if size > 0 {
		// A file that grew since its size was taken still has its lines
		// up to MaxLineBytes and a CRLF end fit a chunk.
		rd.bufBytes = int(min(chunkBytes, max(size+1, MaxLineBytes+2)))
	}
	for range chunks {
		rd.free <- &chunk{}
	}
	go rd.run()
	return rd
}

func (rd *reader) run() {
	defer close(rd.full)
	var prev *chunk
	for {
		c := <-rd.free
		if c.buf == nil {
			c.buf = make([]byte, rd.bufBytes)
		}
		// The start of a line that prev cut goes first (prev may be c).
		carry := 0
		if prev != nil {
			carry = copy(c.buf, prev.buf[prev.n:prev.end])
		}
		m, err := io.ReadFull(rd.src, c.buf[carry:])
		fresh := c.buf[carry : carry+m]
		rd.raw.Write(fresh)
		if i := bytes.IndexByte(fresh, 0); i >= 0 {
			rd.nul = rd.n + int64(i)
			return
		}
		c.off = rd.n - int64(carry)
		rd.n += int64(m)
		c.final = errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !c.final {
			rd.err = err
			return
		}
		c.end, c.n = carry+m, carry+m
		if !c.final {
			c.n = lineCut(c.buf[:c.end])
		}
		if c.n == 0 {
			// No line end in a full chunk: the line is too long, which the
			// parser says; the chunk goes whole.
			c.n = c.end
		}
		if c.end > 0 {
			rd.full <- c
		}
		if c.final {
			return
		}
		prev = c
	}
}

// lineCut is where the whole lines of b end, b not being the end of the
// file: after its last line end, but not after a CR last in b, which may
// begin a CRLF. It is 0 if b has no line end.
func lineCut(b []byte) int {
	lf := bytes.LastIndexByte(b, '\n')
	if lf == len(b)-1 {
		return len(b)
	}
	if cr := bytes.LastIndexByte(b[lf+1:len(b)-1], '\r'); cr >= 0 {
		return lf + 1 + cr + 1
	}
	return lf + 1
}

// hasher hashes the words of the chunks it is given on a goroutine of its
// own, and frees them.
type hasher struct {
	in   chan *chunk
	done chan []byte
}

func startHashing(free chan<- *chunk) *hasher {
	h := &hasher{in: make(chan *chunk), done: make(chan []byte)}
	go func() {
		sum := sha256.New()
		for c := range h.in {
			if c.dirty {
				sum.Write(c.words)
			} else {
				sum.Write(c.buf[:c.n])
			}
			free <- c
		}
		h.done <- sum.Sum(nil)
	}()
	return h
}

// sum is the digest of the words of every chunk given.
func (h *hasher) sum() []byte {
	close(h.in)
	return <-h.done
}
