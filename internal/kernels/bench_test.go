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

func BenchmarkExp(b *testing.B) {
	benchElementwise(b, func(ks kernelSet, x, _, out []float32) { ks.exp(out, x) })
}

func BenchmarkTanhGrad(b *testing.B) {
	benchElementwise(b, func(ks kernelSet, x, dy, out []float32) { ks.tanhGrad(out, x, dy) })
}

// BenchmarkAxpy adds a small multiple of x to out, which drifts slowly enough
// to stay a normal float32.
func BenchmarkAxpy(b *testing.B) {
	benchElementwise(b, func(ks kernelSet, x, _, out []float32) { ks.axpy(out, 1e-3, x) })
}

// BenchmarkAdamW updates as many parameters as the default config has.
func BenchmarkAdamW(b *testing.B) {
	r := rand.New(rand.NewPCG(4, 4))
	const n = 12297
	g := randSlice(r, n)
	c := AdamWCoef{0.1, 0.99, 0.01, 1 - 1e-4, 1e-3, 0.1, 1e-8}
	for _, ks := range supportedSets() {
		p, m, v := randSlice(r, n), make([]float32, n), make([]float32, n)
		b.Run(ks.id, func(b *testing.B) {
			for b.Loop() {
				ks.adamw(p, g, m, v, &c)
			}
			b.ReportMetric(float64(n)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "Gelem/s")
		})
	}
}

// BenchmarkColumnOps times batchnorm's passes over the default config's
// hidden layer (32×200), each set in turn.
func BenchmarkColumnOps(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	const rows, cols = 32, 200
	x, y, out := randSlice(r, rows*cols), randSlice(r, rows*cols), make([]float32, rows*cols)
	sx, sy, shift, s := randSlice(r, cols), randSlice(r, cols), randSlice(r, cols), make([]float32, cols)
	for _, op := range []struct {
		name string
		run  func(ks kernelSet)
	}{
		{"ColSums", func(ks kernelSet) { ks.colSums(s, x, rows, cols) }},
		{"ColDots", func(ks kernelSet) { ks.colDots(s, x, y, rows, cols) }},
		{"ColAffine", func(ks kernelSet) { ks.colAffine(out, x, sx, shift, rows, cols) }},
		{"ColAffine2", func(ks kernelSet) { ks.colAffine2(out, x, y, sx, sy, shift, rows, cols) }},
	} {
		for _, ks := range supportedSets() {
			b.Run(op.name+"/"+ks.id, func(b *testing.B) {
				for b.Loop() {
					clear(s)
					op.run(ks)
				}
				b.ReportMetric(float64(rows*cols)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "Gelem/s")
			})
		}
	}
}

// BenchmarkTranspose transposes what MulBT does for the default and the large
// config's output layer (W2, 200×27 and 512×27).
func BenchmarkTranspose(b *testing.B) {
	r := rand.New(rand.NewPCG(6, 6))
	for _, s := range [][2]int{{200, 27}, {512, 27}} {
		src, dst := randSlice(r, s[0]*s[1]), make([]float32, s[0]*s[1])
		for _, ks := range supportedSets() {
			b.Run(fmt.Sprintf("%dx%d/%s", s[0], s[1], ks.id), func(b *testing.B) {
				for b.Loop() {
					ks.transpose(dst, src, s[0], s[1], s[0])
				}
				b.ReportMetric(float64(len(src))*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "Gelem/s")
			})
		}
	}
}
