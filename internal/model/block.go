package model

import (
	"fmt"
	"math"

	"github.com/makemore/makemore/internal/kernels"
)

// Block is one residual block of makemore.py's Transformer, a GPT-2 block:
//
//	x1 = in + attn(ln_1(in)),   attn(u) = Attention(u·W_attn + b_attn)·W_proj + b_proj
//	out = x1 + mlp(ln_2(x1)),   mlp(u) = GELU(u·W_fc + b_fc)·W_proj + b_proj
//
// over rows of C values, [rows × C] in and out. Its layers are the model's
// own (LayerNorm, Linear, Attention, GELU); the block adds the two residual
// sums and keeps every intermediate activation for the backward pass.
type Block struct {
	C          int
	Index      int     // of the block in the network: its dropout masks' own
	Dropout    float64 // in training, on the attention and MLP outputs (see Config.Dropout)
	LN1, LN2   *LayerNorm
	QKV, Proj  *Linear // attention's fused q, k, v [C × 3C] and output projection [C × C]
	Attn       *Attention
	FC, FCProj *Linear // the MLP's [C × 4C] and [4C × C]
	Act        GELU
}

func (b *Block) OutShape(in Shape) (Shape, error) {
	if in.C != b.C {
		return Shape{}, fmt.Errorf("transformer block of width %d: input has %d columns", b.C, in.C)
	}
	return in, nil
}

// BlockCache is every activation inside the block, [rows × width] each.
type BlockCache struct {
	LN1Out, Y, X1, LN2Out []float32 // [rows × C]
	QKV                   []float32 // [rows × 3C]
	FC, G                 []float32 // [rows × 4C]: before and after GELU
	LN1, LN2              *LayerNormCache
	Att                   *AttentionCache
	// Drop1 and Drop2 are the dropout masks of the attention and MLP
	// outputs [rows × C], each value 0 or 1/(1 − Dropout); nil without.
	Drop1, Drop2 []float32
}

func (b *Block) NewCache(rows int) any {
	c := b.C
	cache := &BlockCache{
		LN1Out: make([]float32, rows*c), Y: make([]float32, rows*c), X1: make([]float32, rows*c), LN2Out: make([]float32, rows*c),
		QKV: make([]float32, rows*3*c),
		FC:  make([]float32, rows*4*c), G: make([]float32, rows*4*c),
		LN1: b.LN1.NewCache(rows).(*LayerNormCache), LN2: b.LN2.NewCache(rows).(*LayerNormCache),
		Att: b.Attn.NewCache(rows).(*AttentionCache),
	}
	if b.Dropout > 0 {
		cache.Drop1, cache.Drop2 = make([]float32, rows*c), make([]float32, rows*c)
	}
	return cache
}

// CacheWidth is the values the block keeps per row: its activations and
// attention's weights, which bound a batch's memory more than its output.
func (b *Block) CacheWidth() int { return 16*b.C + b.Attn.Heads*b.Attn.Block }

// NewEvalCache gives each evaluating worker the buffers of a forward pass.
func (b *Block) NewEvalCache(rows int) any { return b.NewCache(rows) }

// Forward is training mode: with dropout, when the block has it.
func (b *Block) Forward(x Exec, cache any, in, out []float32, rows int) {
	b.forward(x, cache.(*BlockCache), in, out, rows, b.Dropout > 0)
}

// Eval is Forward without dropout, with the evaluating worker's cache.
func (b *Block) Eval(x Exec, cache any, in, out []float32, rows int) {
	b.forward(x, cache.(*BlockCache), in, out, rows, false)
}

func (b *Block) forward(x Exec, c *BlockCache, in, out []float32, rows int, drop bool) {
	n := rows * b.C
	b.LN1.Forward(x, c.LN1, in, c.LN1Out, rows)  // [rows × C]
	b.QKV.Forward(x, nil, c.LN1Out, c.QKV, rows) // [rows × 3C]
	b.Attn.Forward(x, c.Att, c.QKV, c.Y, rows)   // [rows × C]
	b.Proj.Forward(x, nil, c.Y, c.X1, rows)      // [rows × C]
	if drop {
		b.drop(x.Noise, 0, c.X1[:n], c.Drop1[:n])
	}
	Residual(c.X1[:n], in[:n])                    // x1 = in + attn
	b.LN2.Forward(x, c.LN2, c.X1, c.LN2Out, rows) // [rows × C]
	b.FC.Forward(x, nil, c.LN2Out, c.FC, rows)    // [rows × 4C]
	b.Act.Forward(x, nil, c.FC, c.G, rows)        // [rows × 4C]
	b.FCProj.Forward(x, nil, c.G, out, rows)      // [rows × C]
	if drop {
		b.drop(x.Noise, 1, out[:n], c.Drop2[:n])
	}
	Residual(out[:n], c.X1[:n]) // out = x1 + mlp
}

// drop applies dropout to v in place, keeping its mask: site 0 is the
// attention output, 1 the MLP's.
func (b *Block) drop(noise uint64, site int, v, mask []float32) {
	DropoutMask(mask, noise, uint64(2*b.Index+site), b.Dropout)
	for i, m := range mask {
		v[i] *= m
	}
}

// Residual adds the skip connection: sum += skip.
func Residual(sum, skip []float32) { kernels.Axpy(sum, 1, skip) }

// blockStep is the sampler's state of one block: the keys and values of the
// positions so far, and one row of each activation.
type blockStep struct {
	kv                          []float32 // [Block × 2C]: position p's k, then v
	w                           []float32 // [Block] one head's attention weights
	ln1, qkv, y, x1, ln2, fc, g []float32
}

func (b *Block) NewStepState() any {
	c := b.C
	return &blockStep{
		kv: make([]float32, b.Attn.Block*2*c), w: make([]float32, b.Attn.Block),
		ln1: make([]float32, c), qkv: make([]float32, 3*c), y: make([]float32, c), x1: make([]float32, c),
		ln2: make([]float32, c), fc: make([]float32, 4*c), g: make([]float32, 4*c),
	}
}

// Step runs the block on the one row at position pos of a word whose
// earlier positions went through Step in order: their keys and values are
// in state, so a position costs one row, not the whole prefix again.
func (b *Block) Step(x Exec, state any, in, out []float32, pos int) {
	s, c, hs := state.(*blockStep), b.C, b.Attn.HeadSize()
	b.LN1.Eval(x, nil, in, s.ln1, 1)
	b.QKV.Eval(x, nil, s.ln1, s.qkv, 1)
	copy(s.kv[pos*2*c:(pos+1)*2*c], s.qkv[c:])
	scale := float32(1 / math.Sqrt(float64(hs)))
	for h := range b.Attn.Heads {
		AttendRow(s.w[:pos+1], s.y[h*hs:(h+1)*hs], s.qkv[h*hs:(h+1)*hs], s.kv[h*hs:], s.kv[c+h*hs:], 2*c, scale)
	}
	b.Proj.Eval(x, nil, s.y, s.x1, 1)
	Residual(s.x1, in[:c])
	b.LN2.Eval(x, nil, s.x1, s.ln2, 1)
	b.FC.Eval(x, nil, s.ln2, s.fc, 1)
	kernels.GELU(s.g, s.fc)
	b.FCProj.Eval(x, nil, s.g, out, 1)
	Residual(out[:c], s.x1)
}
