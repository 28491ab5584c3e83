package backprop

import (
	"math/rand/v2"
	"testing"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

// testBatch draws a small model whose every tensor, biases and gains included,
// is non-zero, on non-square shapes (In 12, Hidden 9, Vocab 7, batch 5) so that a
// swapped transpose or a missing term cannot cancel out. 15 context tokens over
// 7 symbols guarantee a repeated token for the embedding scatter-add.
func testBatch(t testing.TB) (*model.Model, []int32, []int32) {
	t.Helper()
	cfg := model.Config{Vocab: 7, Block: 3, Embd: 4, Hidden: 9}
	m := model.New(cfg)
	r := rand.New(rand.NewPCG(1, 2))
	m.Init(r)
	gain, bias := m.Tensor("bngain"), m.Tensor("bnbias")
	for i := range gain {
		gain[i] = float32(1 + 0.3*r.NormFloat64())
		bias[i] = float32(0.3 * r.NormFloat64())
	}
	const b = 5
	x := make([]int32, b*cfg.Block)
	y := make([]int32, b)
	for i := range x {
		x[i] = int32(r.IntN(cfg.Vocab))
	}
	for i := range y {
		y[i] = int32(r.IntN(cfg.Vocab))
	}
	return m, x, y
}

func checkRows(t *testing.T, rows []Row, wantRows int) {
	t.Helper()
	if len(rows) != wantRows {
		t.Fatalf("got %d rows, want %d", len(rows), wantRows)
	}
	for _, r := range rows {
		if !r.Approx {
			t.Errorf("%-8s maxdiff %.3g relerr %.3g: out of tolerance", r.Name, r.MaxDiff, r.RelErr)
		}
	}
}

func TestFusedMatchesStepByStep(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	m, x, y := testBatch(t)
	checkRows(t, CheckFused(pool, m, x, y), 6+7) // emb, embcat, hprebn, hpreact, h, logits; the parameters
}

func TestFusedMatchesFiniteDifferences(t *testing.T) {
	pool := kernels.NewPool(1)
	defer pool.Close()
	m, x, y := testBatch(t)
	checkRows(t, CheckFiniteDiff(pool, m, x, y, 0), 7)
}

// The step-by-step reference must itself agree with finite differences, or
// agreeing with it would prove nothing.
func TestStepByStepMatchesFiniteDifferences(t *testing.T) {
	m, x, y := testBatch(t)
	w := toFloat64(m.Weights)
	_, grads := StepByStep(m, x, y)
	got := map[string][]float64{}
	for _, g := range grads {
		got[g.Name] = g.Grad
	}
	for _, p := range m.Net.Params {
		if len(got[p.Name]) != p.Len() {
			t.Fatalf("the reference gives %d gradient values for %s, want %d", len(got[p.Name]), p.Name, p.Len())
		}
		for i, g := range got[p.Name] {
			num, _ := centralDiff(m, w, p.Off+i, x, y)
			if d := g - num; d > 1e-7 || d < -1e-7 {
				t.Fatalf("%s[%d]: step-by-step %.9g, finite difference %.9g", p.Name, i, g, num)
			}
		}
	}
}

// The loss of the float32 forward pass must match the float64 reference.
func TestForwardLossMatchesReference(t *testing.T) {
	pool := kernels.NewPool(1)
	defer pool.Close()
	m, x, y := testBatch(t)
	a := model.NewActivations(m.Net, len(y))
	copy(a.X, x)
	copy(a.Y, y)
	got := m.Forward(pool, a)
	want, _ := StepByStep(m, x, y)
	if d := float64(got) - want; d > 1e-5 || d < -1e-5 {
		t.Fatalf("forward loss %.7f, reference %.7f", got, want)
	}
}
