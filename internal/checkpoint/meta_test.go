package checkpoint

import (
	"slices"
	"testing"
)

func TestMetaReaderNamesEveryBadKey(t *testing.T) {
	r := NewMetaReader(map[string]string{"n": "12", "neg": "-1", "u": "18446744073709551615", "f": "0.5", "zero": "0", "inf": "+Inf", "x": "abc", "t": "true", "F": "False", "s": "mlp"})
	if r.Int("n") != 12 || r.Uint64("u") != 1<<64-1 || r.Positive("f") != 0.5 || !r.Bool("t") || r.String("s") != "mlp" || len(r.Bad) != 0 {
		t.Fatalf("good values misread, bad keys %v", r.Bad)
	}
	r.Int("neg")
	r.Int("missing")
	r.Uint64("x")
	r.Positive("zero")
	r.Positive("inf")
	r.Bool("F")
	r.String("missing")
	if want := []string{"neg", "missing", "x", "zero", "inf", "F", "missing"}; !slices.Equal(r.Bad, want) {
		t.Fatalf("bad keys %v, want %v", r.Bad, want)
	}
}
