package backprop

import "github.com/makemore/makemore/internal/model"

type block struct{ *model.Block }

// blockScratch holds the gradients of the block's inner activations and
// the scratch of its layers' backward passes.
type blockScratch struct {
	dX1, dLN, dY []float32 // [rows × C]
	dQKV         []float32 // [rows × 3C]
	dG, dFC      []float32 // [rows × 4C]
	dDrop        []float32 // [rows × C] the gradient before a dropout, nil without
	ln1, ln2     *layerNormScratch
	attn         *attentionScratch
}

func (b block) newScratch(rows int) any {
	c := b.C
	sc := &blockScratch{
		dX1: make([]float32, rows*c), dLN: make([]float32, rows*c), dY: make([]float32, rows*c),
		dQKV: make([]float32, rows*3*c),
		dG:   make([]float32, rows*4*c), dFC: make([]float32, rows*4*c),
		ln1: &layerNormScratch{}, ln2: &layerNormScratch{}, attn: &attentionScratch{},
	}
	if b.Dropout > 0 {
		sc.dDrop = make([]float32, rows*c)
	}
	return sc
}

// backward runs the block's layers backwards. Each residual sum passes its
// gradient to both its terms, so the gradient of x1 is dout plus what comes
// back through the MLP, and din is dx1 plus what comes back through
// attention:
//
//	dx1 = dout + ln_2ᵀ(mlpᵀ(dout)),  din = dx1 + ln_1ᵀ(attnᵀ(dx1))
func (b block) backward(s step) {
	c, sc := s.cache.(*model.BlockCache), s.work.(*blockScratch)
	n := s.rows * b.C
	sub := func(p pass, in, out, din, dout []float32, cache, work any) {
		p.backward(step{x: s.x, dw: s.dw, in: in, out: out, din: din, dout: dout, rows: s.rows, cache: cache, work: work})
	}
	dm := dropBack(sc.dDrop, s.dout[:n], c.Drop2)                        // through the MLP's dropout
	sub(linear{b.FCProj}, c.G, s.out, sc.dG, dm, nil, nil)               // [rows × 4C]
	sub(gelu{&b.Act}, c.FC, c.G, sc.dFC, sc.dG, nil, nil)                // [rows × 4C]
	sub(linear{b.FC}, c.LN2Out, c.FC, sc.dLN, sc.dFC, nil, nil)          // [rows × C]
	sub(layerNorm{b.LN2}, c.X1, c.LN2Out, sc.dX1, sc.dLN, c.LN2, sc.ln2) // [rows × C]
	model.Residual(sc.dX1[:n], s.dout[:n])
	da := dropBack(sc.dDrop, sc.dX1[:n], c.Drop1)                       // through attention's dropout
	sub(linear{b.Proj}, c.Y, c.X1, sc.dY, da, nil, nil)                 // [rows × C]
	sub(attention{b.Attn}, c.QKV, c.Y, sc.dQKV, sc.dY, c.Att, sc.attn)  // [rows × 3C]
	sub(linear{b.QKV}, c.LN1Out, c.QKV, sc.dLN, sc.dQKV, nil, nil)      // [rows × C]
	sub(layerNorm{b.LN1}, s.in, c.LN1Out, s.din, sc.dLN, c.LN1, sc.ln1) // [rows × C]
	model.Residual(s.din[:n], sc.dX1[:n])
}

// dropBack is the gradient through a dropout of mask: d ⊙ mask in dst, or
// d itself without a mask.
func dropBack(dst, d, mask []float32) []float32 {
	if mask == nil {
		return d
	}
	for i, m := range mask[:len(d)] {
		dst[i] = d[i] * m
	}
	return dst[:len(d)]
}

// reference composes the layers' own references with the two residual sums
// and, in a block with dropout, the masks of the same step (ex.Noise).
func (b block) reference(w, x []float64, rows int, ex model.Exec) ([]float64, refBackward) {
	mask := func(site int) []float64 {
		m := make([]float64, rows*b.C)
		if b.Dropout == 0 {
			for i := range m {
				m[i] = 1
			}
			return m
		}
		m32 := make([]float32, len(m))
		model.DropoutMask(m32, ex.Noise, uint64(2*b.Index+site), b.Dropout)
		return toFloat64(m32)
	}
	m1, m2 := mask(0), mask(1)
	ln1, back1 := layerNorm{b.LN1}.reference(w, x, rows, ex)
	qkv, back2 := linear{b.QKV}.reference(w, ln1, rows, ex)
	y, back3 := attention{b.Attn}.reference(w, qkv, rows, ex)
	p, back4 := linear{b.Proj}.reference(w, y, rows, ex)
	x1 := add(x, mul(p, m1))
	ln2, back5 := layerNorm{b.LN2}.reference(w, x1, rows, ex)
	fc, back6 := linear{b.FC}.reference(w, ln2, rows, ex)
	g, back7 := gelu{&b.Act}.reference(w, fc, rows, ex)
	m, back8 := linear{b.FCProj}.reference(w, g, rows, ex)
	return add(x1, mul(m, m2)), func(dout, dw []float64) []float64 {
		dx1 := add(dout, back5(back6(back7(back8(mul(dout, m2), dw), dw), dw), dw))
		return add(dx1, back1(back2(back3(back4(mul(dx1, m1), dw), dw), dw), dw))
	}
}
