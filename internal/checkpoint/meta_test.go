package checkpoint

import (
	"slices"
	"testing"
)

func TestMetaReaderNamesEveryBadKey(t *testing.T) {
	r := NewMetaReader(map[string]string{"n": "12", "neg": "-1", "u": "18446744073709551615", "f": "0.5", "zero": "0", "inf": "+Inf", "x": "abc"})
	if r.Int("n") != 12 || r.Uint64("u") != 1<<64-1 || r.Positive("f") != 0.5 || len(r.Bad) != 0 {
		t.Fatalf("good values misread, bad keys %v", r.Bad)
	}
	r.Int("neg")
	r.Int("missing")
	r.Uint64("x")
	r.Positive("zero")
	r.Positive("inf")
	if want := []string{"neg", "missing", "x", "zero", "inf"}; !slices.Equal(r.Bad, want) {
		t.Fatalf("bad keys %v, want %v", r.Bad, want)
	}
}
