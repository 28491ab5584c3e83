package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/makemore/makemore/internal/kernels"
)

// sequenceConfigs are a small model of every sequence family, on
// non-square shapes (n-embd 8, n-hidden 5).
var sequenceConfigs = []Config{
	{Arch: ArchTransformer, Vocab: 7, Block: 6, Embd: 8, Heads: 2, Layers: 2},
	{Arch: ArchRNN, Vocab: 7, Block: 6, Embd: 8, Hidden: 5},
	{Arch: ArchGRU, Vocab: 7, Block: 6, Embd: 8, Hidden: 5},
	{Arch: ArchLSTM, Vocab: 7, Block: 6, Embd: 8, Hidden: 5},
	{Arch: ArchBoW, Vocab: 7, Block: 6, Embd: 8, Hidden: 5},
	{Arch: ArchBigram, Vocab: 7, Block: 6},
}

// testSequence is the model cfg with random weights (the start states and a
// bigram's table too, which start at 0) and words of the given lengths as
// one sequence batch (x, y).
func testSequence(t *testing.T, cfg Config, lengths ...int) (*Model, []int32, []int32) {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	m := New(cfg)
	r := rand.New(rand.NewPCG(3, 4))
	m.Init(r)
	for _, p := range m.Net.Params {
		if p.Init == (Init{}) {
			for i := range p.Of(m.Weights) {
				p.Of(m.Weights)[i] = float32(0.5 * r.NormFloat64())
			}
		}
	}
	var x, y []int32
	for _, n := range lengths {
		x = append(x, 0)
		for range n {
			c := int32(1 + r.IntN(cfg.Vocab-1))
			x, y = append(x, c), append(y, c)
		}
		y = append(y, 0)
	}
	return m, x, y
}

func forward(m *Model, pool *kernels.Pool, x, y []int32) *Activations {
	a := NewActivations(m.Net, len(y))
	a.SetRows(len(y))
	copy(a.X, x)
	copy(a.Y, y)
	m.Forward(pool, a)
	return a
}

// Packing the words of a batch computes the loss of padding them all to the
// block size, as makemore.py does, and masking the padding out: causal
// attention never lets a row read a later one, so the rows after a word's
// end change nothing before it. The two agree to float rounding.
func TestPackingIsPaddingWithoutThePadding(t *testing.T) {
	for _, cfg := range sequenceConfigs {
		t.Run(cfg.Arch, func(t *testing.T) { testPacking(t, cfg) })
	}
}

func testPacking(t *testing.T, cfg Config) {
	lengths := []int{3, 5, 0, 2}
	m, x, y := testSequence(t, cfg, lengths...)
	pool := kernels.NewPool(2)
	defer pool.Close()
	packed := forward(m, pool, x, y).Loss

	// Every word padded to Block rows with a filler token (not the boundary,
	// so that the padding reads as the same word's later positions).
	var px, py []int32
	var real []int // the padded batch's rows that are the words' own
	row := 0
	for _, n := range lengths {
		px = append(px, x[row:row+n+1]...)
		py = append(py, y[row:row+n+1]...)
		for i := range n + 1 {
			real = append(real, len(px)-n-1+i)
		}
		for range m.Block - n - 1 {
			px, py = append(px, 3), append(py, 5)
		}
		row += n + 1
	}
	a := forward(m, pool, px, py)
	logits := a.Acts[len(a.Acts)-1]
	var sum float64
	v := m.Vocab
	for _, r := range real {
		lr := logits[r*v : (r+1)*v]
		mx := slices.Max(lr)
		var z float64
		for _, l := range lr {
			z += math.Exp(float64(l - mx))
		}
		sum -= float64(lr[py[r]]-mx) - math.Log(z)
	}
	padded := sum / float64(len(real))
	if d := math.Abs(float64(packed) - padded); d > 1e-6 {
		t.Fatalf("packed loss %.7f, padded and masked %.7f: differ by %.2g", packed, padded, d)
	}
	if len(px) <= len(x) {
		t.Fatalf("the padded batch has %d rows, the packed %d: the test pads nothing", len(px), len(x))
	}
}

// The decoder's key/value cache computes the rows a batch computes, bit for
// bit: sampling and scoring see the model that training and eval see.
func TestDecoderMatchesTheBatch(t *testing.T) {
	for _, cfg := range sequenceConfigs {
		t.Run(cfg.Arch, func(t *testing.T) { testDecoder(t, cfg) })
	}
}

func testDecoder(t *testing.T, cfg Config) {
	m, x, y := testSequence(t, cfg, 3, 5, 0, 2) // words of several lengths in one batch
	pool := kernels.NewPool(2)
	defer pool.Close()
	a := forward(m, pool, x, y)
	logits := a.Acts[len(a.Acts)-1]
	d := NewDecoder(m)
	for i, tok := range x { // each word reuses the decoder
		if tok == 0 {
			d.Reset()
		}
		got := d.Next(int(tok))
		if want := logits[i*m.Vocab : (i+1)*m.Vocab]; !slices.Equal(got, want) {
			t.Fatalf("row %d: decoder logits %v, batch %v", i, got, want)
		}
	}
}

// A dropout mask drops about p of the values, scales the rest by 1/(1 − p),
// and is the same for the same noise and site, another for another.
func TestDropoutMask(t *testing.T) {
	const n, p = 100000, 0.2
	a, b, c := make([]float32, n), make([]float32, n), make([]float32, n)
	DropoutMask(a, 7, 3, p)
	DropoutMask(b, 7, 3, p)
	DropoutMask(c, 8, 3, p)
	dropped := 0
	for _, v := range a {
		switch v {
		case 0:
			dropped++
		case float32(1 / (1 - p)):
		default:
			t.Fatalf("mask value %v, want 0 or %v", v, 1/(1-p))
		}
	}
	if f := float64(dropped) / n; math.Abs(f-p) > 0.005 {
		t.Fatalf("dropped %.4f of the values, want %.1f", f, p)
	}
	if !slices.Equal(a, b) || slices.Equal(a, c) {
		t.Fatal("masks are not a function of their noise")
	}
}
