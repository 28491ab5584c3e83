package kernels

import (
	"fmt"
	"math"
	"os"
	"strings"
)

// gemmFunc computes rows [lo, hi) of c[m×n] = a·b (+ bias[n] when bias is not
// nil), where b is [k×n], the rows of b and c are ld ≥ n floats apart (ld > n
// for a band of a wider matrix's columns), and a's element (i, p) is at
// a[i*ars + p*acs]: (ars, acs) = (k, 1) for a row-major a[m×k], (1, m) for a
// stored as aᵀ[k×m]. Each c[i][j] must be bias[j] (or 0) followed by
// a[i][p]·b[p][j] added in increasing p, so that neither the tiling nor the
// band can change a result.
type gemmFunc func(c, a, b, bias []float32, lo, hi, k, n, ld, ars, acs int)

// kernelSet is one implementation of every kernel, for one instruction set.
type kernelSet struct {
	id          string      // short and stable, for Use and MAKEMORE_KERNELS
	description string      // what Kernel reports
	supported   func() bool // whether this CPU can run the set
	// tileRows is the height of the set's tallest register tile: the Pool's row
	// blocks are multiples of it, so that no worker gets a needless tail.
	tileRows   int
	gemm       gemmFunc
	tanh       func(dst, x []float32)
	exp        func(dst, x []float32)
	axpy       func(y []float32, alpha float32, x []float32)
	adamw      func(p, g, m, v []float32, c *AdamWCoef)
	transpose  func(dst, src []float32, r, c, ld int)
	colSums    func(s, x []float32, rows, cols int)
	colDots    func(s, x, y []float32, rows, cols int)
	colAffine  func(out, x, scale, shift []float32, rows, cols int)
	colAffine2 func(out, x, y, sx, sy, shift []float32, rows, cols int)
	tanhGrad   func(out, h, dh []float32)
	relu       func(dst, x []float32)
	reluGrad   func(out, y, dy []float32)
	gelu       func(dst, x []float32)
	geluGrad   func(out, x, dy []float32)

	sigmoid     func(dst, x []float32)
	sigmoidGrad func(out, s, ds []float32)
}

var portableSet = kernelSet{
	id:          "portable",
	description: "portable",
	supported:   func() bool { return true },
	// gemmPortable goes a row at a time and has no tail to avoid; blocks as
	// tall as the SIMD sets' split a product the same way whichever set runs.
	tileRows:   8,
	gemm:       gemmPortable,
	tanh:       tanhPortable,
	exp:        expPortable,
	axpy:       axpyPortable,
	adamw:      adamwPortable,
	transpose:  transposePortable,
	colSums:    colSumsPortable,
	colDots:    colDotsPortable,
	colAffine:  colAffinePortable,
	colAffine2: colAffine2Portable,
	tanhGrad:   tanhGradPortable,
	relu:       reluPortable,
	reluGrad:   reluGradPortable,
	gelu:       geluPortable,
	geluGrad:   geluGradPortable,

	sigmoid:     sigmoidPortable,
	sigmoidGrad: sigmoidGradPortable,
}

// active is the kernel set in use. It is a value, not a pointer, so that a
// kernel call loads its function straight from it.
var active kernelSet

// envVar is the environment variable that names a kernel set to use instead of
// the first supported one.
const envVar = "MAKEMORE_KERNELS"

// envErr is why the package did not start with the set envVar names.
var envErr error

func init() { envErr = useEnv(os.Getenv(envVar)) }

// useEnv makes the set id names active, or the first supported set if id is
// empty or names no set this CPU supports.
func useEnv(id string) error {
	active = supportedSets()[0]
	if id == "" {
		return nil
	}
	if err := Use(id); err != nil {
		return fmt.Errorf("%s: %w", envVar, err)
	}
	return nil
}

// supportedSets is candidates without the sets this CPU cannot run. The last
// candidate is portableSet, so it is never empty.
func supportedSets() []kernelSet {
	var s []kernelSet
	for _, ks := range candidates {
		if ks.supported() {
			s = append(s, ks)
		}
	}
	return s
}

// Kernel describes the kernel set in use.
func Kernel() string { return active.description }

// Sets lists the identifiers of the kernel sets this CPU supports, the one
// chosen by default first.
func Sets() []string {
	var ids []string
	for _, ks := range supportedSets() {
		ids = append(ids, ks.id)
	}
	return ids
}

// Use makes the kernel set with identifier id (one of Sets) the one in use.
// It is not synchronised with the kernels: call it while no kernel and no
// Pool is running.
func Use(id string) error {
	for _, ks := range supportedSets() {
		if ks.id == id {
			active = ks
			return nil
		}
	}
	supported := strings.Join(Sets(), ", ")
	for _, ks := range candidates {
		if ks.id == id {
			return fmt.Errorf("kernel set %q is not supported by this CPU (it supports %s)", id, supported)
		}
	}
	return fmt.Errorf("unknown kernel set %q (this CPU supports %s)", id, supported)
}

// EnvError is why the package did not start with the kernel set that the
// environment variable MAKEMORE_KERNELS names (it uses the default set
// instead); nil if it did, or if the variable is unset or empty.
func EnvError() error { return envErr }

func gemmPortable(c, a, b, bias []float32, lo, hi, k, n, ld, ars, acs int) {
	for i := lo; i < hi; i++ {
		row := c[i*ld : i*ld+n]
		if bias != nil {
			copy(row, bias[:n])
		} else {
			clear(row)
		}
		for p := range k {
			av := a[i*ars+p*acs]
			brow := b[p*ld : p*ld+n]
			for j := range row {
				// The conversion rounds the product before the add: a
				// compiler free to fuse them (GOAMD64=v3) did not fuse them
				// when the golden checksums were recorded, and must not.
				row[j] += float32(av * brow[j])
			}
		}
	}
}

// Tanh sets dst[i] = tanh(x[i]) to within a few float32 ulps; dst may be x.
func Tanh(dst, x []float32) { active.tanh(dst[:len(x)], x) }

// tanh is a rational approximation, odd degree 13 over even degree 6, on
// [-tanhClamp, tanhClamp], where float32 tanh has already rounded to ±1 within
// an ulp; it is the form vector units evaluate well (as in Eigen).
const (
	tanhClamp = 7.90531110763549805
	tanhTiny  = 0.0004 // below this tanh(x) = x in float32
	alpha1    = 4.89352455891786e-03
	alpha3    = 6.37261928875436e-04
	alpha5    = 1.48572235717979e-05
	alpha7    = 5.12229709037114e-08
	alpha9    = -8.60467152213735e-11
	alpha11   = 2.00018790482477e-13
	alpha13   = -2.76076847742355e-16
	beta0     = 4.89352518554385e-03
	beta2     = 2.26843463243900e-03
	beta4     = 1.18534705686654e-04
	beta6     = 1.19825839466702e-06
)

func tanhPortable(dst, x []float32) {
	for i, v := range x {
		dst[i] = tanh32(v)
	}
}

func tanh32(v float32) float32 {
	if v != v {
		return v
	}
	if float32(math.Abs(float64(v))) < tanhTiny {
		return v
	}
	x := min(max(v, -tanhClamp), tanhClamp)
	x2 := x * x
	p := x2*alpha13 + alpha11
	p = x2*p + alpha9
	p = x2*p + alpha7
	p = x2*p + alpha5
	p = x2*p + alpha3
	p = x2*p + alpha1
	p *= x
	q := x2*beta6 + beta4
	q = x2*q + beta2
	q = x2*q + beta0
	return p / q
}

// Exp sets dst[i] = e^x[i]; dst may be x. Results too small for a normal
// float32 (x < −87.3) may be 0.
func Exp(dst, x []float32) { active.exp(dst[:len(x)], x) }

func expPortable(dst, x []float32) {
	for i, v := range x {
		dst[i] = float32(math.Exp(float64(v)))
	}
}

// expCoef are exp8's constants: the clamp range [lo, hi] where 2^n stays
// normal, log₂e, ln2 split in a part exact in few bits and the rest, and
// Cephes' expf polynomial for e^r on |r| ≤ ln2/2.
var expCoef = [13]float32{
	-87.33654475055310898657, // lo = −126·ln2
	88.72283905206835,        // hi = ln(MaxFloat32)
	1.44269504088896341,      // log₂e
	0.693359375,              // ln2hi
	-2.12194440e-4,           // ln2lo = ln2 − ln2hi
	1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
	1,
	float32(math.Inf(1)),
}

// Sigmoid sets dst[i] = σ(x[i]) = 1/(1 + e^(−x[i])); dst may be x. It is
// within 3 float32 ulps wherever σ(x) is a normal float32 (x > −87.34), so
// the tiny values of x ≪ 0 keep their relative precision, as an LSTM's or a
// GRU's nearly closed gate needs; 0.5 + 0.5·tanh(x/2) would round them to 0
// or to multiples of 2^−25. Below that the result is subnormal or 0, within
// 2^−128 of σ(x). σ(+Inf) = 1, σ(−Inf) = 0, and NaN stays NaN.
func Sigmoid(dst, x []float32) { active.sigmoid(dst[:len(x)], x) }

// sigmoidPortable rounds once, from float64, where no step loses anything.
func sigmoidPortable(dst, x []float32) {
	for i, v := range x {
		dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
	}
}

// SigmoidGrad sets out[i] = s[i]·(1 − s[i])·ds[i], the gradient through
// s = σ(x) given its output s; out may be ds. It is (1 − s)·(s·ds) in three
// float32 roundings, the same bits in every set, within 2 ulps of the exact
// value of its float32 operands (1 − s is exact for s ≥ 0.5, where it is
// small).
func SigmoidGrad(out, s, ds []float32) {
	active.sigmoidGrad(out[:len(s)], s, ds[:len(s)])
}

// sigmoidGradPortable has no product added to anything, which a compiler
// could fuse (GOAMD64=v3) and the AVX2 set does not.
func sigmoidGradPortable(out, s, ds []float32) {
	for i, v := range s {
		out[i] = (1 - v) * (v * ds[i])
	}
}

// Axpy sets y[i] += alpha·x[i].
func Axpy(y []float32, alpha float32, x []float32) { active.axpy(y[:len(x)], alpha, x) }

func axpyPortable(y []float32, alpha float32, x []float32) {
	for i, v := range x {
		y[i] += alpha * v
	}
}

// AdamWCoef is what one AdamW step computes with: 1−β1, β2, 1−β2, the
// decay factor 1 − lr·wd, the step lr/(1−β1^t), √(1−β2^t) and eps.
type AdamWCoef [7]float32

// AdamW applies torch.optim.AdamW's update of one step to the parameters p
// from their gradients g, with the moment estimates m and v, element by
// element:
//
//	m ← m + (1−β1)·(g − m),  v ← β2·v + (1−β2)·g²
//	p ← p·(1 − lr·wd) − step·m/(√v/√(1−β2^t) + eps)
//
// Every set gives the same bits: each operation rounds on its own.
func AdamW(p, g, m, v []float32, c *AdamWCoef) {
	n := len(g)
	active.adamw(p[:n], g, m[:n], v[:n], c)
}

func adamwPortable(p, g, m, v []float32, c *AdamWCoef) {
	for i, gi := range g {
		// The conversions round each product on its own, as the SIMD sets
		// do, and keep the compiler from fusing them into FMAs.
		m[i] += float32(c[0] * (gi - m[i]))
		v[i] = float32(c[1]*v[i]) + float32(float32(c[2]*gi)*gi)
		d := float32(math.Sqrt(float64(v[i])))/c[5] + c[6]
		p[i] = float32(p[i]*c[3]) - float32(c[4]*(m[i]/d))
	}
}

// transposePortable sets dst[c×r] = src[r×c]ᵀ, dst's rows ld ≥ r floats
// apart, in 8×8 blocks so both sides stay in cache lines.
func transposePortable(dst, src []float32, r, c, ld int) {
	const blk = 8
	for i0 := 0; i0 < r; i0 += blk {
		for j0 := 0; j0 < c; j0 += blk {
			for i := i0; i < min(i0+blk, r); i++ {
				row := src[i*c : (i+1)*c]
				for j := j0; j < min(j0+blk, c); j++ {
					dst[j*ld+i] = row[j]
				}
			}
		}
	}
}

// The element-wise kernels around the products. Each reads and writes row-major
// [rows × cols] matrices and per-column vectors [cols]; column sums run in row
// order, so they too are the same for every thread count.

// ColSums sets s[cols] to the column sums of x[rows × cols].
func ColSums(s, x []float32, rows, cols int) {
	clear(s[:cols])
	active.colSums(s[:cols], x[:rows*cols], rows, cols)
}

// ColDots sets s[cols] to Σ_i x[i][j]·y[i][j] over x, y [rows × cols].
func ColDots(s, x, y []float32, rows, cols int) {
	clear(s[:cols])
	active.colDots(s[:cols], x[:rows*cols], y[:rows*cols], rows, cols)
}

// ColAffine sets out[rows × cols] = x·scale[j] + shift[j]; out may be x.
func ColAffine(out, x, scale, shift []float32, rows, cols int) {
	active.colAffine(out[:rows*cols], x[:rows*cols], scale[:cols], shift[:cols], rows, cols)
}

// ColAffine2 sets out[rows × cols] = x·sx[j] + y·sy[j] + shift[j]; out may be x or y.
func ColAffine2(out, x, y, sx, sy, shift []float32, rows, cols int) {
	n := rows * cols
	active.colAffine2(out[:n], x[:n], y[:n], sx[:cols], sy[:cols], shift[:cols], rows, cols)
}

// TanhGrad sets out = (1 − h²) ⊙ dh, the gradient through h = tanh(x); out may be dh.
func TanhGrad(out, h, dh []float32) {
	active.tanhGrad(out[:len(h)], h, dh[:len(h)])
}

func colSumsPortable(s, x []float32, rows, cols int) {
	for i := range rows {
		for j, v := range x[i*cols : (i+1)*cols] {
			s[j] += v
		}
	}
}

func colDotsPortable(s, x, y []float32, rows, cols int) {
	for i := range rows {
		yr := y[i*cols : (i+1)*cols]
		for j, v := range x[i*cols : (i+1)*cols] {
			s[j] += v * yr[j]
		}
	}
}

func colAffinePortable(out, x, scale, shift []float32, rows, cols int) {
	for i := range rows {
		o := out[i*cols : (i+1)*cols]
		for j, v := range x[i*cols : (i+1)*cols] {
			o[j] = v*scale[j] + shift[j]
		}
	}
}

func colAffine2Portable(out, x, y, sx, sy, shift []float32, rows, cols int) {
	for i := range rows {
		o, yr := out[i*cols:(i+1)*cols], y[i*cols:(i+1)*cols]
		for j, v := range x[i*cols : (i+1)*cols] {
			o[j] = v*sx[j] + yr[j]*sy[j] + shift[j]
		}
	}
}

func tanhGradPortable(out, h, dh []float32) {
	for i, v := range h {
		out[i] = dh[i] - v*v*dh[i]
	}
}

// ReLU sets dst[i] = max(x[i], 0); dst may be x.
func ReLU(dst, x []float32) { active.relu(dst[:len(x)], x) }

// ReLUGrad sets out[i] = dy[i] where y[i] > 0 and 0 elsewhere, the gradient
// through y = ReLU(x) given its output y (0 at y = 0, as PyTorch); out may be dy.
func ReLUGrad(out, y, dy []float32) {
	active.reluGrad(out[:len(y)], y, dy[:len(y)])
}

// GELU sets dst[i] = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), the tanh
// approximation of GELU (PyTorch's approximate="tanh"), with x = x[i]; dst may
// be x. The inner tanh is Tanh's approximation. Where the tanh's argument is
// past ±tanhClamp (|x| > 4.84) the result is x or 0, so large and infinite x
// stay finite and exact: the true value is within 7e-7 of them there.
func GELU(dst, x []float32) { active.gelu(dst[:len(x)], x) }

// GELUGrad sets out[i] = GELU'(x[i])·dy[i], the gradient through GELU given
// its input x; out may be dy. GELU'(x) = 0.5·(1 + t) + 0.5·x·(1 − t²)·u'(x)
// with u = √(2/π)·(x + 0.044715·x³), t = tanh(u): it dips below 0 for
// x < −0.75 (to −0.17 at x ≈ −1.5). Past |u| = tanhClamp it is 1 or 0, which
// the true value is within 5e-6 of; below that, 1 − t² from a float32 t has an
// absolute error of about 1e-7, scaled by 0.5·x·u'(x), so the result is good
// to about 1e-5 absolute rather than to a few ulps.
func GELUGrad(out, x, dy []float32) {
	active.geluGrad(out[:len(x)], x, dy[:len(x)])
}

// geluC0 = √(2/π) and geluC1 = √(2/π)·0.044715 make GELU's tanh argument
// u = x·(geluC0 + geluC1·x²); geluC3 = 3·geluC1 makes u' = geluC0 + geluC3·x².
const (
	geluC0 = 0.7978845608028654
	geluC1 = 0.7978845608028654 * 0.044715
	geluC3 = 3 * geluC1
)

func reluPortable(dst, x []float32) {
	for i, v := range x {
		dst[i] = max(v, 0)
	}
}

func reluGradPortable(out, y, dy []float32) {
	for i, v := range y {
		if v > 0 {
			out[i] = dy[i]
		} else {
			out[i] = 0
		}
	}
}

func geluPortable(dst, x []float32) {
	for i, v := range x {
		dst[i] = gelu32(v)
	}
}

// gelu32 computes 0.5·x·(1 + t) as h + h·t with h = 0.5·x, so that no
// intermediate overflows for x near MaxFloat32. x³ itself may overflow (to
// ±Inf, for |x| > 7e12): u is then past the clamp, and the result is x or 0
// without the tanh.
func gelu32(x float32) float32 {
	u := x * (geluC1*(x*x) + geluC0)
	if u >= tanhClamp {
		return x
	}
	if u <= -tanhClamp {
		return 0
	}
	t := tanh32(u)
	h := 0.5 * x
	return h + h*t
}

func geluGradPortable(out, x, dy []float32) {
	for i, v := range x {
		out[i] = geluGrad32(v) * dy[i]
	}
}

// geluGrad32 is GELU'(x); x² only goes into u' once |u| < tanhClamp, where it
// is small.
func geluGrad32(x float32) float32 {
	x2 := x * x
	u := x * (geluC1*x2 + geluC0)
	if u >= tanhClamp {
		return 1
	}
	if u <= -tanhClamp {
		return 0
	}
	t := tanh32(u)
	h := 0.5 * x
	return 0.5 + 0.5*t + h*(1-t*t)*(geluC3*x2+geluC0)
}
