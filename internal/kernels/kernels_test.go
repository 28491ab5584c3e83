package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func use(t testing.TB, ks kernelSet) {
	old := active
	active = ks
	t.Cleanup(func() { active = old })
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func dense(r, c int, x []float32) *mat.Dense {
	d := make([]float64, len(x))
	for i, v := range x {
		d[i] = float64(v)
	}
	return mat.NewDense(r, c, d)
}

// check compares c[m×n] with the float64 product want, allowing float32
// rounding of a k-term sum of products of unit-scale numbers.
func check(t *testing.T, what string, c []float32, want *mat.Dense, k int) {
	t.Helper()
	m, n := want.Dims()
	tol := 1e-5 * math.Sqrt(float64(k)+1) * 4
	for i := range m {
		for j := range n {
			if d := math.Abs(float64(c[i*n+j]) - want.At(i, j)); d > tol {
				t.Fatalf("%s: c[%d][%d] = %v, want %v (|diff| %.2g > %.2g)", what, i, j, c[i*n+j], want.At(i, j), d, tol)
			}
		}
	}
}

var awkward = []int{1, 3, 27, 31, 33, 200}

func TestProductsAgainstFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	shapes := [][3]int{{1000, 30, 27}, {32, 1000, 31}, {33, 27, 1000}}
	for _, m := range awkward {
		for _, k := range awkward {
			for _, n := range awkward {
				shapes = append(shapes, [3]int{m, k, n})
			}
		}
	}
	for _, ks := range supportedSets() {
		use(t, ks)
		for _, threads := range []int{1, 2, 3} {
			pool := NewPool(threads)
			for _, s := range shapes {
				m, k, n := s[0], s[1], s[2]
				a, b, bt, at := randSlice(r, m*k), randSlice(r, k*n), randSlice(r, n*k), randSlice(r, k*m)
				bias := randSlice(r, n)
				c := make([]float32, m*n)
				name := fmt.Sprintf("%s/threads=%d/%dx%dx%d", ks.id, threads, m, k, n)

				var want mat.Dense
				want.Mul(dense(m, k, a), dense(k, n, b))
				pool.MatMul(c, a, b, nil, m, k, n)
				check(t, "MatMul "+name, c, &want, k)

				want.Apply(func(_, j int, v float64) float64 { return v + float64(bias[j]) }, &want)
				pool.MatMul(c, a, b, bias, m, k, n)
				check(t, "MatMul+bias "+name, c, &want, k)

				want.Mul(dense(m, k, a), dense(n, k, bt).T())
				pool.Run(pool.MulBT(c, a, bt, m, k, n))
				check(t, "MulBT "+name, c, &want, k)

				want.Mul(dense(k, m, at).T(), dense(k, n, b))
				pool.Run(MulAT(c, at, b, m, k, n))
				check(t, "MulAT "+name, c, &want, k)
			}
			pool.Close()
		}
	}
}

// Results must be the same bits for every thread count, including shapes big
// enough to be split across workers with uneven blocks.
func TestThreadCountsAgreeBitwise(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, ks := range supportedSets() {
		use(t, ks)
		for _, s := range [][3]int{{1023, 30, 200}, {517, 200, 27}, {200, 1031, 27}, {37, 3, 1}} {
			m, k, n := s[0], s[1], s[2]
			a, b, bias := randSlice(r, m*k), randSlice(r, k*n), randSlice(r, n)
			var ref [3][]float32
			for threads := 1; threads <= 4; threads++ {
				pool := NewPool(threads)
				got := [3][]float32{make([]float32, m*n), make([]float32, m*n), make([]float32, k*k)}
				pool.MatMul(got[0], a, b, bias, m, k, n)
				pool.Run(pool.MulBT(got[1], a, b[:n*k], m, k, n))
				pool.Run(MulAT(got[2], a, a, k, m, k))
				pool.Close()
				if threads == 1 {
					ref = got
					continue
				}
				for i := range got {
					if !slices.Equal(got[i], ref[i]) {
						t.Fatalf("%s %v product %d: threads=%d differs from threads=1", ks.id, s, i, threads)
					}
				}
			}
		}
	}
}

// gemmFunc's contract: neither the tiling nor the band of columns can change
// a result. Every set's product, for both layouts of a, computed over bands
// of every width from 1 to 13 columns (under a vector, a vector, a tile and
// more, the odd ones ending off the vector width) and row ranges cut off the
// tile height, gives the bits of one call over the whole.
func TestBandsAgreeBitwise(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	const m, k, n = 19, 37, 41
	a, b, bias := randSlice(r, m*k), randSlice(r, k*n), randSlice(r, n)
	for _, ks := range supportedSets() {
		for _, layout := range [][2]int{{k, 1}, {1, m}} {
			ars, acs := layout[0], layout[1]
			for _, bs := range [][]float32{nil, bias} {
				want := make([]float32, m*n)
				ks.gemm(want, a, b, bs, 0, m, k, n, n, ars, acs)
				for w := 1; w <= 13; w++ {
					got := make([]float32, m*n)
					for j := 0; j < n; j += w {
						var bb []float32
						if bs != nil {
							bb = bs[j:]
						}
						for _, rows := range [][2]int{{0, 7}, {7, 12}, {12, m}} {
							ks.gemm(got[j:], a, b[j:], bb, rows[0], rows[1], k, min(w, n-j), n, ars, acs)
						}
					}
					if !slices.Equal(got, want) {
						t.Errorf("%s (ars, acs) = (%d, %d), bias %v: bands %d wide differ from the whole", ks.id, ars, acs, bs != nil, w)
					}
				}
			}
		}
	}
}

func TestNoAllocations(t *testing.T) {
	pool := NewPool(2)
	defer pool.Close()
	r := rand.New(rand.NewPCG(3, 3))
	m, k, n := 1024, 30, 200 // large enough to use both workers
	// x is not a whole number of vectors: the kernels' ragged ends must not
	// allocate either.
	a, b, c, x := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n), randSlice(r, 1003)
	mats := []Mat{{Rows: m, Cols: n, Blocked: true}}
	pool.Run(pool.MulBT(c, a, b, m, k, n)) // sizes the scratch once
	const runs = 20
	splits := pool.Splits()
	if got := testing.AllocsPerRun(runs, func() {
		pool.MatMul(c, a, b, b[:n], m, k, n)
		pool.Run(pool.MulBT(c, a, b, m, k, n))
		pool.Run(MulAT(c[:k*n], a, c, k, m, n))
		Tanh(x, x)
		Exp(x, x)
		Axpy(x, 0.5, x)
		ReLU(x, x)
		ReLUGrad(c[:len(x)], x, x)
		GELU(x, x)
		GELUGrad(c[:len(x)], x, x)
		Sigmoid(x, x)
		SigmoidGrad(c[:len(x)], x, x)
		pool.Map(Tanh, c, c)
		pool.Map2(TanhGrad, c, c, c)
		pool.Map(Sigmoid, c, c)
		pool.Map2(SigmoidGrad, c, c, c)
		pool.AxpyMats(c, 0.5, c, mats)
	}); got != 0 {
		t.Fatalf("%v allocations per call, want 0", got)
	}
	// MatMul, MulBT and the five element-wise calls split in each call, and
	// AllocsPerRun makes one more to warm up; MulAT's 30 result rows are too
	// few to split.
	if got, want := pool.Splits()-splits, uint64(7*(runs+1)); got != want {
		t.Fatalf("the pool split %d jobs, want %d", got, want)
	}
}

func TestChoosingSets(t *testing.T) {
	old := active
	t.Cleanup(func() { active = old })
	ids := Sets()
	if len(ids) == 0 || ids[len(ids)-1] != "portable" {
		t.Fatalf("Sets() = %v, want the portable set last", ids)
	}
	for _, id := range ids {
		if err := Use(id); err != nil || active.id != id {
			t.Fatalf("Use(%q) = %v, active set %q", id, err, active.id)
		}
	}
	for _, ks := range candidates {
		if err := Use(ks.id); (err == nil) != ks.supported() {
			t.Errorf("Use(%q) = %v, but supported() = %v", ks.id, err, ks.supported())
		}
	}
	if err := Use("avx9"); err == nil || !strings.Contains(err.Error(), `"avx9"`) ||
		!strings.Contains(err.Error(), strings.Join(ids, ", ")) {
		t.Errorf("Use(\"avx9\") = %v, want an error naming it and the supported sets", err)
	}

	for _, tc := range []struct {
		env, want string
		ok        bool
	}{{"", ids[0], true}, {"portable", "portable", true}, {ids[0], ids[0], true}, {"avx9", ids[0], false}} {
		active = portableSet
		err := useEnv(tc.env)
		if active.id != tc.want || (err == nil) != tc.ok {
			t.Errorf("%s=%q: active set %q, error %v; want %q, error %v", envVar, tc.env, active.id, err, tc.want, !tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), envVar) {
			t.Errorf("%s=%q: error %q does not name the variable", envVar, tc.env, err)
		}
	}
	// The package itself started from this process's environment.
	env := os.Getenv(envVar)
	want, ok := ids[0], env == "" || slices.Contains(ids, env)
	if env != "" && ok {
		want = env
	}
	if old.id != want || (EnvError() == nil) != ok {
		t.Errorf("%s=%q: the package started with set %q, error %v", envVar, env, old.id, EnvError())
	}
}

func TestCloseTwice(t *testing.T) {
	p := NewPool(3)
	p.Close()
	p.Close()
}

// ulps is the distance between a and b in float32 units in the last place.
func ulps(a, b float32) int64 {
	ia, ib := int64(math.Float32bits(a)), int64(math.Float32bits(b))
	if ia < 0x80000000 != (ib < 0x80000000) { // across zero
		return ia&0x7fffffff + ib&0x7fffffff
	}
	if d := ia - ib; d >= 0 {
		return d
	}
	return ib - ia
}

func TestTanhAccuracy(t *testing.T) {
	var xs []float32
	for v := float32(-12); v <= 12; v += 1.0 / 1024 {
		xs = append(xs, v)
	}
	xs = append(xs, 0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 3.9e-4, 4.1e-4, 7.9, 7.91, 100, -100, 1e30,
		float32(math.Inf(1)), float32(math.Inf(-1)))
	for _, ks := range supportedSets() {
		got := make([]float32, len(xs)+1)
		ks.tanh(got[:len(xs)], xs) // odd length: exercises the masked tail
		var worst int64
		var at float32
		for i, x := range xs {
			want := float32(math.Tanh(float64(x)))
			if u := ulps(got[i], want); u > worst {
				worst, at = u, x
			}
		}
		t.Logf("%s: max error %d ulp (at x = %v)", ks.id, worst, at)
		if worst > 8 {
			t.Errorf("%s: tanh off by %d ulp at x = %v", ks.id, worst, at)
		}
		nan := []float32{float32(math.NaN())}
		if ks.tanh(nan, nan); !math.IsNaN(float64(nan[0])) {
			t.Errorf("%s: tanh(NaN) = %v", ks.id, nan[0])
		}
	}
}

// sigmoidRef is σ in float64, where 1 + e^(−x) loses nothing a float32
// result would show.
func sigmoidRef(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// TestSigmoidAccuracy checks Sigmoid in ulps where σ(x) is a normal float32,
// which includes its tiny values for x down to −87.3, and absolutely below,
// over a dense grid of [−100, 100] and the special values. The length is odd
// so that the masked tail runs, and running in place must give the same bits.
func TestSigmoidAccuracy(t *testing.T) {
	var xs []float32
	for v := float32(-100); v <= 100; v += 1.0 / 256 {
		xs = append(xs, v)
	}
	tiny := float32(math.Ldexp(1, -126)) // the least normal float32
	xs = append(xs, 0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, tiny, -tiny,
		math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
		-87.33, -87.34, -87.3365, -88.72, -88.723, -88.73, -89, -103.97, -104, -110, -1000,
		-16.635706, // the AVX2 set's worst, 3 ulp, over every float32
		16.6, 17, 87.33, 87.34, 88.73, 1000, 1e30, -1e30, math.MaxFloat32, -math.MaxFloat32,
		float32(math.Inf(1)), float32(math.Inf(-1)))
	if len(xs)%2 == 0 {
		xs = append(xs, 0.5)
	}
	for _, ks := range supportedSets() {
		use(t, ks)
		got := make([]float32, len(xs)+1)
		got[len(xs)] = 42
		Sigmoid(got[:len(xs)], xs)
		if got[len(xs)] != 42 {
			t.Errorf("%s: Sigmoid wrote past the end", ks.id)
		}
		var worst int64
		var at float32
		for i, x := range xs {
			want := sigmoidRef(float64(x))
			if want < float64(tiny) {
				if g := float64(got[i]); g < 0 || g >= float64(tiny) || math.Abs(g-want) > math.Ldexp(1, -128) {
					t.Errorf("%s: σ(%v) = %v, want %v (within 2^−128, below %v)", ks.id, x, got[i], want, tiny)
				}
				continue
			}
			if u := ulps(got[i], float32(want)); u > worst {
				worst, at = u, x
			}
		}
		t.Logf("%s: max error %d ulp (at x = %v)", ks.id, worst, at)
		if worst > 3 {
			t.Errorf("%s: Sigmoid off by %d ulp at x = %v", ks.id, worst, at)
		}
		inPlace := append(slices.Clone(xs), 42)
		Sigmoid(inPlace[:len(xs)], inPlace[:len(xs)])
		if !slices.Equal(inPlace, got) {
			t.Errorf("%s: Sigmoid in place differs", ks.id)
		}
		special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0}
		Sigmoid(special, special)
		if !math.IsNaN(float64(special[0])) || special[1] != 1 || special[2] != 0 || special[3] != 0.5 {
			t.Errorf("%s: σ of NaN, +Inf, −Inf, 0 = %v", ks.id, special)
		}
	}
}

// TestSigmoidGrad checks SigmoidGrad against s·(1 − s)·ds in float64 for s
// over (0, 1), near 1 where 1 − s is small, and tiny, and that every set gives
// the portable set's bits.
func TestSigmoidGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	var s []float32
	for v := float32(0); v <= 1; v += 1.0 / 4096 {
		s = append(s, v)
	}
	for e := 1; e <= 149; e++ {
		s = append(s, float32(math.Ldexp(1, -e)), 1-float32(math.Ldexp(1, -min(e, 24))))
	}
	s = append(s, 0.5, 1, 0)
	ds := randSlice(r, len(s))
	ds[0] = 1e30 // scaled up, a tiny s·(1 − s) must still come out right
	var first []float32
	for _, ks := range supportedSets() {
		use(t, ks)
		got := make([]float32, len(s))
		SigmoidGrad(got, s, ds)
		var worst int64
		var at float32
		for i, v := range s {
			want := float64(v) * (1 - float64(v)) * float64(ds[i])
			if math.Abs(want) < math.Ldexp(1, -126) {
				if d := math.Abs(float64(got[i]) - want); d > math.Ldexp(1, -148) {
					t.Errorf("%s: SigmoidGrad(%v, %v) = %v, want %v", ks.id, v, ds[i], got[i], want)
				}
				continue
			}
			if u := ulps(got[i], float32(want)); u > worst {
				worst, at = u, v
			}
		}
		t.Logf("%s: max error %d ulp (at s = %v)", ks.id, worst, at)
		if worst > 2 {
			t.Errorf("%s: SigmoidGrad off by %d ulp at s = %v", ks.id, worst, at)
		}
		if first == nil {
			first = got
		} else if !slices.Equal(got, first) {
			t.Errorf("SigmoidGrad %s: not the bits of the %s set", ks.id, supportedSets()[0].id)
		}
	}
}

func TestColumnOps(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, ks := range supportedSets() {
		use(t, ks)
		for _, rows := range []int{1, 3, 32} {
			for _, cols := range []int{1, 7, 8, 27, 200, 203} {
				n := rows * cols
				x, y := randSlice(r, n+1)[:n], randSlice(r, n)
				sx, sy, sh := randSlice(r, cols), randSlice(r, cols), randSlice(r, cols)
				name := fmt.Sprintf("%s/%dx%d", ks.id, rows, cols)
				want := func(f func(i, j int) float64) []float64 {
					w := make([]float64, n)
					for i := range rows {
						for j := range cols {
							w[i*cols+j] = f(i, j)
						}
					}
					return w
				}
				colWant := func(f func(i, j int) float64) []float64 {
					w := make([]float64, cols)
					for i := range rows {
						for j := range cols {
							w[j] += f(i, j)
						}
					}
					return w
				}
				at := func(v []float32, i, j int) float64 { return float64(v[i*cols+j]) }
				s := randSlice(r, cols) // garbage in: the sums must overwrite it
				ColSums(s, x, rows, cols)
				near(t, "ColSums "+name, s, colWant(func(i, j int) float64 { return at(x, i, j) }))
				ColDots(s, x, y, rows, cols)
				near(t, "ColDots "+name, s, colWant(func(i, j int) float64 { return at(x, i, j) * at(y, i, j) }))
				out := make([]float32, n)
				ColAffine(out, x, sx, sh, rows, cols)
				near(t, "ColAffine "+name, out, want(func(i, j int) float64 { return at(x, i, j)*float64(sx[j]) + float64(sh[j]) }))
				ColAffine2(out, x, y, sx, sy, sh, rows, cols)
				near(t, "ColAffine2 "+name, out, want(func(i, j int) float64 {
					return at(x, i, j)*float64(sx[j]) + at(y, i, j)*float64(sy[j]) + float64(sh[j])
				}))
				TanhGrad(out, x, y)
				near(t, "TanhGrad "+name, out, want(func(i, j int) float64 { return (1 - at(x, i, j)*at(x, i, j)) * at(y, i, j) }))
			}
		}
	}
}

func near(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	for i, w := range want {
		if d := math.Abs(float64(got[i]) - w); d > 1e-4*(1+math.Abs(w)) {
			t.Fatalf("%s: [%d] = %v, want %v", what, i, got[i], w)
		}
	}
}

func TestExpAccuracy(t *testing.T) {
	var xs []float32
	for v := float32(-87); v <= 88.5; v += 1.0 / 64 {
		xs = append(xs, v)
	}
	xs = append(xs, 0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, -87.33, 88.72, float32(math.Inf(-1)))
	tiny := float32(math.Ldexp(1, -126))
	for _, ks := range supportedSets() {
		got := make([]float32, len(xs)+1)
		got[len(xs)] = 42            // the masked tail must not write past the end
		ks.exp(got[:len(xs)], xs[:]) // len(xs) is not a multiple of 8
		var worst int64
		var at float32
		for i, x := range xs {
			want := float32(math.Exp(float64(x)))
			if want < tiny {
				if got[i] >= tiny {
					t.Errorf("%s: exp(%v) = %v, want below %v", ks.id, x, got[i], tiny)
				}
				continue
			}
			if u := ulps(got[i], want); u > worst {
				worst, at = u, x
			}
		}
		t.Logf("%s: max error %d ulp (at x = %v)", ks.id, worst, at)
		if worst > 4 {
			t.Errorf("%s: exp off by %d ulp at x = %v", ks.id, worst, at)
		}
		if got[len(xs)] != 42 {
			t.Errorf("%s: exp wrote past the end of dst", ks.id)
		}
		special := []float32{float32(math.NaN()), float32(math.Inf(1)), 89, -88, -1000}
		ks.exp(special, special)
		if !math.IsNaN(float64(special[0])) || !math.IsInf(float64(special[1]), 1) || !math.IsInf(float64(special[2]), 1) ||
			special[3] >= tiny || special[4] != 0 {
			t.Errorf("%s: exp of NaN, +Inf, 89, −88, −1000 = %v", ks.id, special)
		}
	}
}

func TestAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, ks := range supportedSets() {
		use(t, ks)
		for _, n := range []int{0, 1, 7, 8, 27, 12297} {
			x, y := randSlice(r, n), randSlice(r, n+1)
			alpha := float32(-0.37)
			want := make([]float64, n+1)
			for i := range n {
				want[i] = float64(y[i]) + float64(alpha)*float64(x[i])
			}
			want[n] = float64(y[n])
			Axpy(y[:n], alpha, x)
			near(t, fmt.Sprintf("Axpy %s/%d", ks.id, n), y, want)
		}
	}
}

// AdamW's update agrees with a float64 reference, and every set gives the
// portable set's bits: each operation rounds on its own in both.
func TestAdamW(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	c := AdamWCoef{0.1, 0.99, 0.01, 1 - 3e-3*0.1, 3e-3 / (1 - 0.9*0.9*0.9), float32(math.Sqrt(1 - 0.99*0.99*0.99)), 1e-8}
	for _, n := range []int{0, 1, 7, 8, 27, 12297} {
		p0, g, m0, v0 := randSlice(r, n), randSlice(r, n), randSlice(r, n), randSlice(r, n)
		for i := range v0 {
			v0[i] *= v0[i] // a second moment is not negative
		}
		want := make([]float64, n)
		for i := range n {
			m := float64(m0[i]) + float64(c[0])*(float64(g[i])-float64(m0[i]))
			v := float64(c[1])*float64(v0[i]) + float64(c[2])*float64(g[i])*float64(g[i])
			want[i] = float64(p0[i])*float64(c[3]) - float64(c[4])*m/(math.Sqrt(v)/float64(c[5])+float64(c[6]))
		}
		var first []float32
		for _, ks := range supportedSets() {
			use(t, ks)
			p, m, v := slices.Clone(p0), slices.Clone(m0), slices.Clone(v0)
			AdamW(p, g, m, v, &c)
			near(t, fmt.Sprintf("AdamW %s/%d", ks.id, n), p, want)
			if first == nil {
				first = slices.Concat(p, m, v)
			} else if got := slices.Concat(p, m, v); !slices.Equal(got, first) {
				t.Errorf("AdamW %s/%d: not the bits of the %s set", ks.id, n, supportedSets()[0].id)
			}
		}
	}
}

func TestParallelRunsEveryTaskOnce(t *testing.T) {
	for threads := 1; threads <= 4; threads++ {
		pool := NewPool(threads)
		for _, tasks := range []int{0, 1, 2, 3, 100} {
			runs := make([]int32, tasks)
			var bad atomic.Bool
			for range 3 { // reuse: the task counter must start over each time
				pool.Parallel(tasks, func(w, i int) {
					if w < 0 || w >= threads {
						bad.Store(true)
					}
					atomic.AddInt32(&runs[i], 1)
				})
			}
			for i, n := range runs {
				if n != 3 {
					t.Fatalf("threads=%d tasks=%d: task %d ran %d times in 3 calls", threads, tasks, i, n)
				}
			}
			if bad.Load() {
				t.Fatalf("threads=%d: a task got a worker index out of range", threads)
			}
		}
		pool.Close()
	}
}

// markSpans records which ranges a split handed out.
type markSpans struct {
	runs    []int32
	align   int
	badEdge atomic.Bool
}

func (m *markSpans) Span(lo, hi int) {
	if lo%m.align != 0 || lo >= hi && len(m.runs) > 0 {
		m.badEdge.Store(true)
	}
	for i := lo; i < hi; i++ {
		atomic.AddInt32(&m.runs[i], 1)
	}
}

func TestSplitCoversEveryIndexOnce(t *testing.T) {
	for threads := 1; threads <= 4; threads++ {
		pool := NewPool(threads)
		for _, n := range []int{0, 1, 99, 100, 1000, 1003} {
			m := &markSpans{runs: make([]int32, n), align: 16}
			before := pool.Splits()
			pool.split(m, n, 50, 16)
			for i, r := range m.runs {
				if r != 1 {
					t.Fatalf("threads=%d n=%d: index %d covered %d times", threads, n, i, r)
				}
			}
			if m.badEdge.Load() {
				t.Fatalf("threads=%d n=%d: a range was empty or started off the alignment", threads, n)
			}
			if split := pool.Splits() > before; split != (threads > 1 && n >= 100) {
				t.Fatalf("threads=%d n=%d: split %v, want it exactly from 2·50 indices with 2 threads", threads, n, split)
			}
		}
		pool.Close()
	}
}

// The pool's element-wise calls give the bits of the kernels they split.
func TestMapMatchesKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	const n = 3*ParallelElems + 5 // split in two or three, with a ragged end
	x, y := randSlice(r, n), randSlice(r, n)
	for _, ks := range supportedSets() {
		use(t, ks)
		for threads := 1; threads <= 3; threads++ {
			pool := NewPool(threads)
			for _, k := range []struct {
				name string
				f1   func(dst, x []float32)    // for Map
				f2   func(out, x, y []float32) // for Map2
			}{{"Tanh", Tanh, nil}, {"Sigmoid", Sigmoid, nil}, {"GELUGrad", nil, GELUGrad}, {"SigmoidGrad", nil, SigmoidGrad}} {
				want, got := make([]float32, n), make([]float32, n)
				if k.f1 != nil {
					k.f1(want, x)
					pool.Map(k.f1, got, x)
				} else {
					k.f2(want, x, y)
					pool.Map2(k.f2, got, x, y)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("%s threads=%d: pool %s differs from the kernel", ks.id, threads, k.name)
				}
			}
			pool.Close()
		}
	}
}

// AxpyMats updates every element once, with Axpy's bits, whichever worker
// takes which block of which matrix, for blocked matrices of uneven sizes
// among matrices the caller updates whole.
func TestAxpyMatsMatchesAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	var mats []Mat
	off := 0
	for _, m := range []Mat{{Rows: 27, Cols: 24}, {Rows: 48, Cols: 128, Blocked: true}, {Rows: 1, Cols: 128}, {Rows: 3, Cols: 5, Blocked: true}, {Rows: 257, Cols: 31, Blocked: true}} {
		m.Off = off
		off += m.Rows * m.Cols
		mats = append(mats, m)
	}
	x, y := randSlice(r, off), randSlice(r, off)
	for _, ks := range supportedSets() {
		use(t, ks)
		want := slices.Clone(y)
		Axpy(want, -0.3, x)
		for threads := 1; threads <= 4; threads++ {
			pool := NewPool(threads)
			got := slices.Clone(y)
			pool.AxpyMats(got, -0.3, x, mats)
			split := pool.Splits() > 0
			pool.Close()
			if !slices.Equal(got, want) {
				t.Fatalf("%s threads=%d: AxpyMats differs from Axpy", ks.id, threads)
			}
			if split != (threads > 1) {
				t.Fatalf("%s threads=%d: split %v", ks.id, threads, split)
			}
		}
	}
}

// A pair computes the same bits as the two products one after the other, for
// every thread count, whether each product is split or not.
func TestPairMatchesRun(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	for _, ks := range supportedSets() {
		use(t, ks)
		for _, s := range [][3]int{{32, 27, 200}, {128, 512, 72}, {9, 3, 31}} {
			m, k, n := s[0], s[1], s[2]
			a, w, x := randSlice(r, m*k), randSlice(r, n*k), randSlice(r, m*n)
			wantX, wantW := make([]float32, m*n), make([]float32, k*n)
			ref := NewPool(1)
			ref.Run(ref.MulBT(wantX, a, w, m, k, n))
			ref.Run(MulAT(wantW, a, x, k, m, n))
			ref.Close()
			for threads := 1; threads <= 4; threads++ {
				pool := NewPool(threads)
				gotX, gotW := make([]float32, m*n), make([]float32, k*n)
				pool.Pair(pool.MulBT(gotX, a, w, m, k, n), MulAT(gotW, a, x, k, m, n))
				pool.Close()
				if !slices.Equal(gotX, wantX) || !slices.Equal(gotW, wantW) {
					t.Fatalf("%s %v threads=%d: Pair differs from two Runs", ks.id, s, threads)
				}
			}
		}
	}
}

// geluRef is GELU in float64, with 1 + tanh(u) as 2/(1 + e^(−2u)) so that it
// keeps its relative accuracy where GELU is tiny (x ≪ 0).
func geluRef(x float64) float64 {
	if math.IsInf(x, -1) {
		return 0
	}
	u := math.Sqrt(2/math.Pi) * (x + 0.044715*x*x*x)
	return 0.5 * x * 2 / (1 + math.Exp(-2*u))
}

// geluGradRef is GELU' in float64, with 1 − tanh²(u) as 1/cosh²(u).
func geluGradRef(x float64) float64 {
	if math.IsInf(x, 0) {
		return max(math.Copysign(1, x), 0)
	}
	c := math.Sqrt(2 / math.Pi)
	u := c * (x + 0.044715*x*x*x)
	ch := math.Cosh(u)
	return 1/(1+math.Exp(-2*u)) + 0.5*x/(ch*ch)*c*(1+3*0.044715*x*x)
}

func TestGELUReference(t *testing.T) {
	for _, c := range []struct{ x, gelu, grad float64 }{
		{1.2, 1.0617, 1.1177}, {0, 0, 0.5}, {-0.7, -0.1694, 0.0236}, {-1.5, math.NaN(), -0.1277},
	} {
		if g := geluRef(c.x); !math.IsNaN(c.gelu) && math.Abs(g-c.gelu) > 1e-4 {
			t.Errorf("geluRef(%v) = %.5f, want %v", c.x, g, c.gelu)
		}
		if g := geluGradRef(c.x); math.Abs(g-c.grad) > 1e-4 {
			t.Errorf("geluGradRef(%v) = %.5f, want %v", c.x, g, c.grad)
		}
		for _, ks := range supportedSets() {
			use(t, ks)
			x := []float32{float32(c.x)}
			var g, d [1]float32
			GELU(g[:], x)
			GELUGrad(d[:], x, []float32{1})
			if !math.IsNaN(c.gelu) && math.Abs(float64(g[0])-c.gelu) > 1e-4 || math.Abs(float64(d[0])-c.grad) > 1e-4 {
				t.Errorf("%s: GELU(%v) = %.5f, GELU' = %.5f; want %v, %v", ks.id, c.x, g[0], d[0], c.gelu, c.grad)
			}
		}
	}
}

// activationInputs is a dense grid over [−12, 12] and the special values, an
// odd number of them so that the masked tail runs.
func activationInputs() []float32 {
	var xs []float32
	for v := float32(-12); v <= 12; v += 1.0 / 1024 {
		xs = append(xs, v)
	}
	xs = append(xs, 0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 4e-4, -4e-4, 4.84, -4.84, 100, -100, 1e13, -1e13,
		1e30, -1e30, math.MaxFloat32, -math.MaxFloat32, float32(math.Inf(1)), float32(math.Inf(-1)))
	if len(xs)%2 == 0 {
		xs = append(xs, 0.5)
	}
	return xs
}

// TestActivationAccuracy compares GELU and GELUGrad with float64 over the grid,
// by |got − want| / (1 + |want|): a relative error where |GELU| > 1 and an
// absolute one below. A relative bound alone cannot hold: for x ≪ 0 GELU is
// h·(1 + t) with t within float32 rounding of −1, so its absolute error is
// about |h|·ulp(1) however small the result, and past the clamp (x < −4.84) it
// is 0 where the true value is up to 7e-7. GELU' has the same cancellation in
// 1 + t and in 1 − t², the latter multiplied by 0.5·x·u'(x) (up to ~8 at the
// clamp), and is cut to 0 or 1 past the clamp where the true value is within
// 4.4e-6 of them: hence its looser bound.
func TestActivationAccuracy(t *testing.T) {
	xs := activationInputs()
	ones := make([]float32, len(xs))
	for i := range ones {
		ones[i] = 1
	}
	for _, ks := range supportedSets() {
		use(t, ks)
		for _, k := range []struct {
			name string
			run  func(out []float32)
			ref  func(float64) float64
			tol  float64
		}{
			{"GELU", func(out []float32) { GELU(out, xs) }, geluRef, 1e-6},
			{"GELUGrad", func(out []float32) { GELUGrad(out, xs, ones) }, geluGradRef, 1e-5},
		} {
			got := make([]float32, len(xs)+1)
			got[len(xs)] = 42
			k.run(got[:len(xs)])
			if got[len(xs)] != 42 {
				t.Errorf("%s: %s wrote past the end", ks.id, k.name)
			}
			var worst, worstRel float64
			var at, atRel, atUlp float32
			var worstUlp int64
			for i, x := range xs {
				want := k.ref(float64(x))
				g := float64(got[i])
				if math.IsInf(want, 0) && g == want {
					continue
				}
				e := math.Abs(g-want) / (1 + math.Abs(want))
				if !(e <= worst) { // NaN too
					worst, at = e, x
				}
				if x >= 0 && !math.IsInf(want, 0) {
					if u := ulps(got[i], float32(want)); u > worstUlp {
						worstUlp, atUlp = u, x
					}
				}
				if math.Abs(want) >= 1e-3 {
					if r := math.Abs(g-want) / math.Abs(want); r > worstRel {
						worstRel, atRel = r, x
					}
				}
			}
			t.Logf("%s %s: max |err|/(1+|want|) %.2g (at x = %v); max rel err %.2g where |want| ≥ 1e-3 (at x = %v); "+
				"max %d ulp for x ≥ 0 (at x = %v)", ks.id, k.name, worst, at, worstRel, atRel, worstUlp, atUlp)
			if !(worst <= k.tol) {
				t.Errorf("%s: %s error %.2g at x = %v, want ≤ %g·(1+|want|)", ks.id, k.name, worst, at, k.tol)
			}
		}
		nan := []float32{float32(math.NaN())}
		ReLU(nan, nan) // need not be NaN, must not crash
		nan[0] = float32(math.NaN())
		if GELU(nan, nan); !math.IsNaN(float64(nan[0])) {
			t.Errorf("%s: GELU(NaN) = %v", ks.id, nan[0])
		}
	}
}

// TestActivations checks every activation kernel on lengths around the vector
// width: against the definitions for ReLU and ReLUGrad (exact), against
// float64 for GELU and sigmoid within TestActivationAccuracy's and
// TestSigmoidAccuracy's bounds, with the output aliased to an input giving
// the same bits, and nothing written past the end.
func TestActivations(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, ks := range supportedSets() {
		use(t, ks)
		for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 203} {
			x, dy := randSlice(r, n), randSlice(r, n)
			for i := range x {
				x[i] *= 3
				if i%5 == 0 {
					x[i] = 0 // ReLU's kink, where its gradient is 0
				}
			}
			y, sg := make([]float32, n), make([]float32, n)
			for i, v := range x {
				y[i] = max(v, 0)
				sg[i] = float32(sigmoidRef(float64(v)))
			}
			name := fmt.Sprintf("%s/%d", ks.id, n)
			for _, k := range []struct {
				name string
				run  func(out, in []float32) // in is the operand out may alias
				in   []float32
				want func(i int) float64
				tol  float64
			}{
				{"ReLU", ReLU, x, func(i int) float64 { return float64(y[i]) }, 0},
				{"ReLUGrad", func(out, in []float32) { ReLUGrad(out, y, in) }, dy, func(i int) float64 {
					if y[i] > 0 {
						return float64(dy[i])
					}
					return 0
				}, 0},
				{"GELU", GELU, x, func(i int) float64 { return geluRef(float64(x[i])) }, 1e-6},
				{"GELUGrad", func(out, in []float32) { GELUGrad(out, x, in) }, dy, func(i int) float64 {
					return geluGradRef(float64(x[i])) * float64(dy[i])
				}, 1e-5 * 4}, // |dy| is up to about 4
				{"Sigmoid", Sigmoid, x, func(i int) float64 { return sigmoidRef(float64(x[i])) }, 2e-7}, // 3 ulps of σ < 1
				{"SigmoidGrad", func(out, in []float32) { SigmoidGrad(out, sg, in) }, dy, func(i int) float64 {
					v := float64(sg[i])
					return v * (1 - v) * float64(dy[i])
				}, 3e-7}, // 2 ulps
			} {
				out := make([]float32, n+1)
				out[n] = 42
				k.run(out[:n], k.in)
				if out[n] != 42 {
					t.Errorf("%s %s wrote past the end", k.name, name)
				}
				for i := range n {
					if w := k.want(i); math.Abs(float64(out[i])-w) > k.tol*(1+math.Abs(w)) {
						t.Fatalf("%s %s: [%d] = %v, want %v", k.name, name, i, out[i], w)
					}
				}
				alias := append(slices.Clone(k.in), 42)
				k.run(alias[:n], alias[:n])
				if !slices.Equal(alias, out) {
					t.Errorf("%s %s: in place gives %v, want %v", k.name, name, alias, out)
				}
			}
		}
	}
}
