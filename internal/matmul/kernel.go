package matmul

import "math"

// gemmFunc computes rows [lo, hi) of c[m×n] = a·b (+ bias[n] when bias is not
// nil), where b is [k×n] row-major and a's element (i, p) is at a[i*ars + p*acs]:
// (ars, acs) = (k, 1) for a row-major a[m×k], (1, m) for a stored as aᵀ[k×m].
// Each c[i][j] must be bias[j] (or 0) followed by a[i][p]·b[p][j] added in
// increasing p, so that the tiling cannot change a result.
type gemmFunc func(c, a, b, bias []float32, lo, hi, k, n, ars, acs int)

// kernels is the set in use; kernel_simd.go replaces it when the CPU allows.
var kernels = portable

type kernelSet struct {
	name string
	gemm gemmFunc
	tanh func(dst, x []float32)
}

var portable = kernelSet{"portable", gemmPortable, tanhPortable}

// Kernel names the kernel set in use.
func Kernel() string { return kernels.name }

func gemmPortable(c, a, b, bias []float32, lo, hi, k, n, ars, acs int) {
	for i := lo; i < hi; i++ {
		row := c[i*n : (i+1)*n]
		if bias != nil {
			copy(row, bias[:n])
		} else {
			clear(row)
		}
		for p := range k {
			av := a[i*ars+p*acs]
			brow := b[p*n : (p+1)*n]
			for j := range row {
				row[j] += av * brow[j]
			}
		}
	}
}

// Tanh sets dst[i] = tanh(x[i]) to within a few float32 ulps; dst may be x.
func Tanh(dst, x []float32) { kernels.tanh(dst[:len(x)], x) }

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
