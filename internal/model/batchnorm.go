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
	ones   []float32 // [H] all 1, and the next three scratch for Forward
	zeros  []float32 // [H] all 0
	negMu  []float32 // [H]
	part   []float32 // [SumBlocks(rows) × H] each block's column sums
	pass   batchNormPass
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
		part:   make([]float32, SumBlocks(rows)*h),
	}
	for j := range c.ones {
		c.ones[j] = 1
	}
	return c
}

// SumRows is how many rows batchnorm sums at a time: its column sums, forward
// and backward, are sums of blocks of SumRows rows each taken in row order,
// added block after block. For a batch of up to SumRows rows (the lectures'
// 32) that is the plain row-order sum; in a bigger one it lets the pool give
// each worker whole blocks of rows, with the same bits on any number of
// workers. Splitting by rows matters: a split by columns would have the cores
// write alternate stretches of the same rows, which on the CPUs measured
// slows both down several times over.
const SumRows = 32

// SumBlocks is the number of blocks of SumRows rows in rows rows.
func SumBlocks(rows int) int { return (rows + SumRows - 1) / SumRows }

// BlockRows is the rows [first, end) of blocks [lo, hi) of rows rows.
func BlockRows(lo, hi, rows int) (first, end int) { return lo * SumRows, min(hi*SumRows, rows) }

// SumSplit is the fewest blocks worth handing a worker in a matrix of width
// columns: about kernels.ParallelElems elements.
func SumSplit(width int) int { return max(1, kernels.ParallelElems/(SumRows*width)) }

// Forward uses the batch statistics. The difference from the mean is taken
// before squaring so that the variance does not lose digits to cancellation.
// Each pass goes over blocks of rows on the pool; the column sums of the
// blocks are added between passes.
func (b *BatchNorm) Forward(x Exec, cache any, in, out []float32, rows int) {
	c, h := cache.(*BatchNormCache), b.Width
	blocks, least := SumBlocks(rows), SumSplit(h)
	p := &c.pass
	*p = batchNormPass{c: c, in: in, out: out, rows: rows, h: h, gain: b.Gain.Of(x.Weights), bias: b.Bias.Of(x.Weights)}
	x.Split(p, blocks, least) // each block's Σin
	AddBlocks(c.Mean, c.part, blocks, h)
	inv := 1 / float32(rows)
	for j := range c.Mean {
		c.Mean[j] *= inv
		c.negMu[j] = -c.Mean[j]
	}
	p.step++
	x.Split(p, blocks, least) // in − mean, and each block's Σ(in − mean)²
	AddBlocks(c.VarInv, c.part, blocks, h)
	bessel := 1 / float32(rows-1)
	for j, s := range c.VarInv {
		c.VarInv[j] = float32(1 / math.Sqrt(float64(s*bessel+Eps)))
	}
	p.step++
	x.Split(p, blocks, least) // x̂ and out
}

// AddBlocks sets s[h] to the sum of the blocks' column sums part[blocks × h],
// in block order; for one block, to its sums as they are.
func AddBlocks(s, part []float32, blocks, h int) {
	if blocks == 1 {
		copy(s[:h], part[:h])
		return
	}
	kernels.ColSums(s, part, blocks, h)
}

// batchNormPass is the training forward pass, one of its three steps at a
// time over a range of blocks of SumRows rows.
type batchNormPass struct {
	c          *BatchNormCache
	in, out    []float32 // [rows × h]
	rows, h    int
	gain, bias []float32 // [h]
	step       int
}

func (p *batchNormPass) Span(lo, hi int) {
	c, h := p.c, p.h
	r0, r1 := BlockRows(lo, hi, p.rows)
	switch p.step {
	case 0:
		for k := lo; k < hi; k++ {
			a, b := BlockRows(k, k+1, p.rows)
			kernels.ColSums(c.part[k*h:], p.in[a*h:], b-a, h) // part[k][H] = Σ_block in[rows×H]
		}
	case 1:
		kernels.ColAffine(c.Raw[r0*h:], p.in[r0*h:], c.ones, c.negMu, r1-r0, h) // Raw[rows×H] = in − mean[H]
		for k := lo; k < hi; k++ {
			a, b := BlockRows(k, k+1, p.rows)
			kernels.ColDots(c.part[k*h:], c.Raw[a*h:], c.Raw[a*h:], b-a, h) // part[k][H] = Σ_block Raw²
		}
	case 2:
		raw := c.Raw[r0*h:]
		kernels.ColAffine(raw, raw, c.VarInv, c.zeros, r1-r0, h) // x̂[rows×H] = Raw·VarInv[H]
		// out[rows×H] = γ[H]·x̂[rows×H] + β[H]
		kernels.ColAffine(p.out[r0*h:], raw, p.gain, p.bias, r1-r0, h)
	}
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
