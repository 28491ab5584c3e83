package backprop

import (
	"fmt"
	"math/rand/v2"
	"strings"
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

// Every architecture and activation passes both checks on non-square
// shapes, with every gain and bias (and so the wavenet's output bias, which
// starts at 0) drawn away from its start.
func TestEveryModelAgainstReferenceAndFiniteDifferences(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	for _, cfg := range []model.Config{
		{Vocab: 7, Block: 3, Embd: 4, Hidden: 9, Layers: 2, Activation: model.ActReLU},
		{Vocab: 7, Block: 3, Embd: 4, Hidden: 9, Layers: 3, Activation: model.ActGELU, NoBias: true, OutputBN: true},
		{Vocab: 7, Block: 4, Embd: 3, Hidden: 5, Arch: model.ArchWaveNet},
		{Vocab: 7, Block: 8, Embd: 3, Hidden: 5, Arch: model.ArchWaveNet, Activation: model.ActGELU},
		{Vocab: 7, Block: 2, Embd: 3, Hidden: 5, Arch: model.ArchWaveNet, Activation: model.ActReLU},
	} {
		name := fmt.Sprintf("%s/%s/%d", cfg.Canonical().Arch, cfg.Canonical().Activation, cfg.Canonical().Layers)
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(5, 6))
			m := model.New(cfg)
			m.Init(r)
			moveFromStart(m, r, func(name string) bool { return strings.HasPrefix(name, "bngain") },
				func(name string) bool { return strings.HasPrefix(name, "b") })
			const b = 6
			x, y := make([]int32, b*cfg.Block), make([]int32, b)
			for i := range x {
				x[i] = int32(r.IntN(cfg.Vocab))
			}
			for i := range y {
				y[i] = int32(r.IntN(cfg.Vocab))
			}
			checkRows(t, CheckFused(pool, m, x, y), len(m.Net.Nodes)+1+len(m.Net.Params))
			numeric := CheckFiniteDiff(pool, m, x, y, 0)
			checkRows(t, numeric, len(m.Net.Params))
			for _, row := range numeric {
				if row.Checked < row.Total/2 {
					t.Errorf("%s: only %d of %d elements checked", row.Name, row.Checked, row.Total)
				}
			}
		})
	}
}

// A finite difference whose two sides put a ReLU input on either side of
// the kink is reported as crossed, and the row leaves it out.
func TestFiniteDifferenceAcrossReLUKink(t *testing.T) {
	cfg := model.Config{Vocab: 7, Block: 3, Embd: 4, Hidden: 9, Activation: model.ActReLU}
	m := model.New(cfg)
	r := rand.New(rand.NewPCG(7, 8))
	m.Init(r)
	x, y := make([]int32, 5*cfg.Block), make([]int32, 5)
	for i := range x {
		x[i] = int32(r.IntN(cfg.Vocab))
	}
	// Move column 0's batchnorm bias so that example 0's ReLU input there is 0.
	a := model.NewActivations(m.Net, 5)
	copy(a.X, x)
	copy(a.Y, y)
	pool := kernels.NewPool(1)
	defer pool.Close()
	m.Forward(pool, a)
	bias := m.Net.Params[4] // bnbias
	if bias.Name != "bnbias" {
		t.Fatalf("parameter 4 is %s", bias.Name)
	}
	hpreact := a.Acts[3]
	bias.Of(m.Weights)[0] -= hpreact[0]
	w := toFloat64(m.Weights)
	if _, crossed := centralDiff(m, w, bias.Off, x, y); !crossed {
		t.Fatal("a finite difference across the kink was not reported")
	}
	if _, crossed := centralDiff(m, w, bias.Off+1, x, y); crossed {
		t.Fatal("a finite difference away from the kink was reported as crossing it")
	}
	for _, row := range CheckFiniteDiff(pool, m, x, y, 0) {
		if row.Name == "bnbias" && (row.Skipped == 0 || !row.Approx) {
			t.Fatalf("bnbias row %+v: want the crossed element left out and the rest within tolerance", row)
		}
	}
}

// moveFromStart draws the gains (1 at init) around 1 and the biases (0 at
// init) around 0, so that a gradient that a gain of 1 or a bias of 0 would
// hide shows; isGain is asked first.
func moveFromStart(m *model.Model, r *rand.Rand, isGain, isBias func(name string) bool) {
	for _, p := range m.Net.Params {
		d := p.Of(m.Weights)
		switch {
		case isGain(p.Name):
			for i := range d {
				d[i] = float32(1 + 0.3*r.NormFloat64())
			}
		case isBias(p.Name):
			for i := range d {
				d[i] = float32(0.3 * r.NormFloat64())
			}
		}
	}
}
