package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkProducts times each product the model runs, at the default config
// (batch 32, In 30, hidden 200, vocabulary 27), the large one (batch 128, In 72,
// hidden 512) and an eval chunk (1024 rows), for each kernel set and thread count.
func BenchmarkProducts(b *testing.B) {
	type shape struct {
		name    string
		op      string // "Mul" (with bias), "MulBT" or "MulAT"
		m, k, n int
	}
	var shapes []shape
	for _, c := range []struct {
		cfg                string
		batch, in, hid, vc int
	}{{"default", 32, 30, 200, 27}, {"large", 128, 72, 512, 27}, {"eval", 1024, 30, 200, 27}} {
		shapes = append(shapes,
			shape{c.cfg + "/hprebn=embcat·W1", "Mul", c.batch, c.in, c.hid},
			shape{c.cfg + "/logits=h·W2", "Mul", c.batch, c.hid, c.vc})
		if c.cfg != "eval" {
			shapes = append(shapes,
				shape{c.cfg + "/dh=dlogits·W2ᵀ", "MulBT", c.batch, c.vc, c.hid},
				shape{c.cfg + "/dW2=hᵀ·dlogits", "MulAT", c.hid, c.batch, c.vc},
				shape{c.cfg + "/dembcat=dhprebn·W1ᵀ", "MulBT", c.batch, c.hid, c.in},
				shape{c.cfg + "/dW1=embcatᵀ·dhprebn", "MulAT", c.in, c.batch, c.hid})
		}
	}
	r := rand.New(rand.NewPCG(1, 1))
	for _, ks := range supportedSets() {
		for _, threads := range []int{1, 2} {
			for _, s := range shapes {
				b.Run(fmt.Sprintf("%s/%s/threads=%d", s.name, ks.id, threads), func(b *testing.B) {
					use(b, ks)
					pool := NewPool(threads)
					defer pool.Close()
					a, bm, bias, c := randSlice(r, s.m*s.k), randSlice(r, s.k*s.n), randSlice(r, s.n), make([]float32, s.m*s.n)
					for b.Loop() {
						switch s.op {
						case "Mul":
							pool.MatMul(c, a, bm, bias, s.m, s.k, s.n)
						case "MulBT":
							pool.Run(pool.MulBT(c, a, bm, s.m, s.k, s.n))
						case "MulAT":
							pool.Run(MulAT(c, a, bm, s.m, s.k, s.n))
						}
					}
					b.ReportMetric(2*float64(s.m*s.k*s.n)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GFLOP/s")
				})
			}
		}
	}
}

func BenchmarkTanh(b *testing.B) {
	x := randSlice(rand.New(rand.NewPCG(2, 2)), 32*200)
	for _, ks := range supportedSets() {
		b.Run(ks.id, func(b *testing.B) {
			for b.Loop() {
				ks.tanh(x, x)
			}
			b.ReportMetric(float64(len(x))*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "Gelem/s")
		})
	}
}

// BenchmarkSigmoid runs as BenchmarkTanh does, to compare the two gates.
func BenchmarkSigmoid(b *testing.B) {
	x := randSlice(rand.New(rand.NewPCG(2, 2)), 32*200)
	for _, ks := range supportedSets() {
		b.Run(ks.id, func(b *testing.B) {
			for b.Loop() {
				ks.sigmoid(x, x)
			}
			b.ReportMetric(float64(len(x))*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "Gelem/s")
		})
	}
}

// benchElementwise times f over a hidden layer of the default config
// (32×200), each set in turn; f gets the set, two inputs and an output. The
// output is not an input, so repeated runs do not drift into subnormals.
func benchElementwise(b *testing.B, f func(ks kernelSet, x, dy, out []float32)) {
	r := rand.New(rand.NewPCG(3, 3))
	x, dy, out := randSlice(r, 32*200), randSlice(r, 32*200), make([]float32, 32*200)
	for _, ks := range supportedSets() {
		b.Run(ks.id, func(b *testing.B) {
			for b.Loop() {
				f(ks, x, dy, out)
			}
			b.ReportMetric(float64(len(x))*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "Gelem/s")
		})
	}
}

func BenchmarkReLU(b *testing.B) {
	benchElementwise(b, func(ks kernelSet, x, _, out []float32) { ks.relu(out, x) })
}

func BenchmarkReLUGrad(b *testing.B) {
	benchElementwise(b, func(ks kernelSet, x, dy, out []float32) { ks.reluGrad(out, x, dy) })
}

func BenchmarkGELU(b *testing.B) {
	benchElementwise(b, func(ks kernelSet, x, _, out []float32) { ks.gelu(out, x) })
}

func BenchmarkGELUGrad(b *testing.B) {
	benchElementwise(b, func(ks kernelSet, x, dy, out []float32) { ks.geluGrad(out, x, dy) })
}

func BenchmarkSigmoidGrad(b *testing.B) {
	benchElementwise(b, func(ks kernelSet, x, dy, out []float32) { ks.sigmoidGrad(out, x, dy) })
}
