package model

import (
	"fmt"
	"math"

	"github.com/makemore/makemore/internal/kernels"
)

// Eps keeps the batchnorm variance away from zero, as in the lecture.
const Eps = 1e-5

// BatchNorm normalises each of its Width columns over the rows:
//
//	out[rows × H] = γ[H]·(in − μ[H])/√(σ²[H] + Eps) + β[H]
//
// with the batch's mean and Bessel-corrected (n−1) variance in training, as
// torch.var does by default, and the statistics calibrated over the training
// split in eval.
type BatchNorm struct {
	Width      int
	Gain, Bias *Tensor // γ, β: trained
	Mean, Var  *Tensor // μ, σ²: calibrated
}

func (b *BatchNorm) OutShape(in Shape) (Shape, error) {
	if in.C != b.Width {
		return Shape{}, fmt.Errorf("batchnorm of width %d: input has %d columns", b.Width, in.C)
	}
	return in, nil
}

// BatchNormCache is what the training forward pass keeps for the backward one.
type BatchNormCache struct {
	Mean   []float32 // [H] batch mean of in
	VarInv []float32 // [H] 1/√(Bessel variance + Eps)
	Raw    []float32 // [rows × H] x̂ = (in − mean)·VarInv
	ones   []float32 // [H] all 1, and the next two scratch for Forward
	zeros  []float32 // [H] all 0
	negMu  []float32 // [H]
}

func (b *BatchNorm) NewCache(rows int) any {
	h := b.Width
	c := &BatchNormCache{
		Mean:   make([]float32, h),
		VarInv: make([]float32, h),
		Raw:    make([]float32, rows*h),
		ones:   make([]float32, h),
		zeros:  make([]float32, h),
		negMu:  make([]float32, h),
	}
	for j := range c.ones {
		c.ones[j] = 1
	}
	return c
}

// Forward uses the batch statistics. The difference from the mean is taken
// before squaring so that the variance does not lose digits to cancellation.
func (b *BatchNorm) Forward(x Exec, cache any, in, out []float32, rows int) {
	c, h := cache.(*BatchNormCache), b.Width
	kernels.ColSums(c.Mean, in, rows, h)
	inv := 1 / float32(rows)
	for j := range c.Mean {
		c.Mean[j] *= inv
		c.negMu[j] = -c.Mean[j]
	}
	kernels.ColAffine(c.Raw, in, c.ones, c.negMu, rows, h) // in − mean
	kernels.ColDots(c.VarInv, c.Raw, c.Raw, rows, h)       // Σ(in − mean)²
	bessel := 1 / float32(rows-1)
	for j, s := range c.VarInv {
		c.VarInv[j] = float32(1 / math.Sqrt(float64(s*bessel+Eps)))
	}
	kernels.ColAffine(c.Raw, c.Raw, c.VarInv, c.zeros, rows, h)
	// out[rows×H] = γ[H]·x̂[rows×H] + β[H]
	kernels.ColAffine(out, c.Raw, b.Gain.Of(x.Weights), b.Bias.Of(x.Weights), rows, h)
}

// batchNormEval is eval mode folded into one affine map per column.
type batchNormEval struct {
	scale []float32 // [H] γ/√(σ²+Eps)
	shift []float32 // [H] β − μ·scale
}

func (b *BatchNorm) NewEvalState() any {
	return &batchNormEval{scale: make([]float32, b.Width), shift: make([]float32, b.Width)}
}

func (b *BatchNorm) Prepare(x Exec, state any) {
	s := state.(*batchNormEval)
	gain, bias := b.Gain.Of(x.Weights), b.Bias.Of(x.Weights)
	mean, vr := b.Mean.Of(x.Stats), b.Var.Of(x.Stats)
	for j := range s.scale {
		s.scale[j] = gain[j] / float32(math.Sqrt(float64(vr[j])+Eps))
		s.shift[j] = bias[j] - mean[j]*s.scale[j]
	}
}

func (b *BatchNorm) Eval(_ Exec, state any, in, out []float32, rows int) {
	s := state.(*batchNormEval)
	// out[rows×H] = in[rows×H]·scale[H] + shift[H]
	kernels.ColAffine(out, in, s.scale, s.shift, rows, b.Width)
}

func (*BatchNorm) EvalInPlace() {}

// PartLen: the calibration sums are Σin[H], then Σin²[H].
func (b *BatchNorm) PartLen() int { return 2 * b.Width }

// Accumulate sums in float64, where the squares cannot lose the small
// differences the variance is made of.
func (b *BatchNorm) Accumulate(part []float64, in []float32, rows int) {
	h := b.Width
	sum, sq := part[:h], part[h:2*h]
	for i := range rows {
		for j, v := range in[i*h : (i+1)*h] {
			sum[j] += float64(v)
			sq[j] += float64(v) * float64(v)
		}
	}
}

// Finish sets the mean and the Bessel-corrected variance over all rows, as
// the lecture does after training.
func (b *BatchNorm) Finish(stats []float32, sums []float64, rows int) {
	h := b.Width
	mean, vr := b.Mean.Of(stats), b.Var.Of(stats)
	n := float64(rows)
	for j := range h {
		mu := sums[j] / n
		mean[j] = float32(mu)
		vr[j] = float32(max(0, (sums[h+j]-n*mu*mu)/(n-1)))
	}
}
