package inspect

import (
	"math"
	"testing"

	"github.com/makemore/makemore/internal/model"
)

// The std is the n−1 one, as PyTorch's default.
func TestMeanStd(t *testing.T) {
	m, s := MeanStd([]float32{1, 2, 3, 6})
	if m != 3 || math.Abs(s-math.Sqrt(14.0/3)) > 1e-15 {
		t.Fatalf("MeanStd = %v, %v; want 3, √(14/3)", m, s)
	}
}

// Each activation's saturation rule, on both sides of its threshold.
func TestSaturated(t *testing.T) {
	for _, c := range []struct {
		kind    string
		in, out float32
		limit   float64
		want    bool
	}{
		{model.ActTanh, 0, 0.971, PctLimit, true},
		{model.ActTanh, 0, -0.971, PctLimit, true},
		{model.ActTanh, 0, 0.969, PctLimit, false},
		{model.ActTanh, 0, 0.98, MapLimit, false},
		{model.ActReLU, -1, 0, PctLimit, true},
		{model.ActReLU, 1e-6, 1e-6, PctLimit, false},
		{model.ActGELU, -2.10, -0.04, PctLimit, true},  // below −atanh(0.97) ≈ −2.092
		{model.ActGELU, -2.08, -0.04, PctLimit, false}, // just above it
		{model.ActGELU, 3, 3, PctLimit, false},         // GELU's positive side never saturates
		{model.ActGELU, -2.6, -0.01, MapLimit, false},  // −atanh(0.99) ≈ −2.647
		{model.ActGELU, -2.7, -0.01, MapLimit, true},
	} {
		l := Layer{Kind: c.kind, In: []float32{c.in}, Act: []float32{c.out}}
		if got := l.Saturated(0, c.limit); got != c.want {
			t.Errorf("%s(in %v, out %v) saturated at %v: %v, want %v", c.kind, c.in, c.out, c.limit, got, c.want)
		}
	}
}

// Matrices are the 2-D weights in table order: C and the Ws, no biases or gains.
func TestMatrices(t *testing.T) {
	net, err := model.Config{Vocab: 7, Block: 2, Embd: 3, Hidden: 5, Layers: 2}.Network()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range Matrices(net) {
		names = append(names, m.Name)
	}
	if got := len(names); got != 4 || names[0] != "C" || names[1] != "W1" || names[3] != "W3" {
		t.Fatalf("Matrices = %v, want [C W1 W2 W3]", names)
	}
}
