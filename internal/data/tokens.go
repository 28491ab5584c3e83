package data

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
