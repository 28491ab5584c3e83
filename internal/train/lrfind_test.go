package train

import (
	"math"
	"testing"

	"github.com/makemore/makemore/internal/model"
)

// The rates are the lecture's 10**torch.linspace(-3, 0, 1000).
func TestSweepRates(t *testing.T) {
	s := Sweep{From: -3, To: 0, Steps: 1000}
	for step, want := range map[int]float64{0: 1e-3, 333: 1e-2, 666: 1e-1, 999: 1} {
		if got := float64(s.At(step)); math.Abs(got-want) > 1e-6*want {
			t.Errorf("step %d: lr %g, want %g", step, got, want)
		}
	}
}

// A valley: the loss falls linearly in the exponent from 3 to 2 at
// exponent -1, stays there, then climbs from -0.5 on. The floor starts
// where 95% of the fall is made, -1.1; its rate rounds to 0.1.
func TestSuggestFindsTheValleyFloor(t *testing.T) {
	s := Sweep{From: -3, To: 0, Steps: 1000}
	var losses []float32
	for i := range s.Steps {
		e := s.Exponent(i)
		l := 2 + max(0, -1-e)/2 + 4*max(0, e+0.5)
		if i%2 == 1 { // noise the smoothing must see through
			l += 0.3
		}
		losses = append(losses, float32(l))
	}
	g := s.Suggest(losses)
	if g.Window != 50 || g.LR != 0.1 || math.Abs(g.Exponent+1.1) > 0.03 || math.Abs(s.Exponent(g.Low)+0.75) > 0.26 {
		t.Fatalf("window %d, lr %g at exponent %.3f, lowest at %.3f; want 50, 0.1 at -1.1, lowest within the floor", g.Window, g.LR, g.Exponent, s.Exponent(g.Low))
	}
	// A sweep that stopped early (diverged) is read the same up to there.
	if h := s.Suggest(losses[:900]); h.Floor != g.Floor {
		t.Fatalf("cut sweep: floor at step %d, want %d", h.Floor, g.Floor)
	}
	// A loss that never falls suggests the first rate.
	flat := make([]float32, 100)
	for i := range flat {
		flat[i] = float32(3 + i)
	}
	if h := (Sweep{From: -3, To: 0, Steps: 100}).Suggest(flat); h.LR != 0.001 || h.Floor != 0 {
		t.Fatalf("rising loss: lr %g at step %d, want 0.001 at 0", h.LR, h.Floor)
	}
}

func TestRoundLR(t *testing.T) {
	for e, want := range map[float64]float64{-1: 0.1, -1.14: 0.1, -1.2: 0.05, -2.45: 0.005, -0.4: 0.5, -0.2: 0.5, -0.1: 1, 0.4: 2} {
		if got := roundLR(e); got != want {
			t.Errorf("roundLR(%v) = %v, want %v", e, got, want)
		}
	}
}

// A sweep past the largest float32 rate stops at the first non-finite loss and
// returns the losses before it.
func TestSweepStopsOnDivergence(t *testing.T) {
	tr, pool, _ := newTrainer(1, model.Config{Block: 3, Embd: 4, Hidden: 8}, 100)
	defer pool.Close()
	s := Sweep{From: 20, To: 60, Steps: 100} // past float32: the last rates are +Inf
	losses, d := s.run(tr)
	if d == nil || d.Step != len(losses) || len(losses) == 0 || len(losses) >= 100 {
		t.Fatalf("%d losses, divergence %v; want it reported after the finite ones", len(losses), d)
	}
	for _, l := range losses {
		if math.IsNaN(float64(l)) || math.IsInf(float64(l), 0) {
			t.Fatalf("non-finite loss %v returned", l)
		}
	}
	tame, pool2, _ := newTrainer(1, model.Config{Block: 3, Embd: 4, Hidden: 8}, 100)
	defer pool2.Close()
	if losses, d := (Sweep{From: -3, To: -1, Steps: 50}).run(tame); d != nil || len(losses) != 50 {
		t.Fatalf("tame sweep: %d losses, %v", len(losses), d)
	}
}
