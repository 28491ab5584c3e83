package backprop

import (
	"math"

	"github.com/makemore/makemore/internal/model"
)

type attention struct{ *model.Attention }

type attentionScratch struct{ span attentionSpan }

func (a attention) newScratch(int) any { return &attentionScratch{} }

// backward is the gradient of attention within each word, with the softmax
// backward fused (as llm.c's attention_backward): for row i, head h and the
// word's rows j ≤ i, from the kept weights a = att[i, ·],
//
//	da_j = dy_i·v_j,  dv_j += a_j·dy_i
//	ds_j = a_j·(da_j − Σ_k a_k·da_k)        (softmax)
//	dq_i += ds_j·k_j/√hs,  dk_j += ds_j·q_i/√hs
//
// into dqkv [rows × 3C]. Words are independent: they split across the pool.
func (a attention) backward(s step) {
	sc := s.work.(*attentionScratch)
	words := len(s.x.Starts) - 1
	sc.span = attentionSpan{a: a.Attention, starts: s.x.Starts, qkv: s.in, att: s.cache.(*model.AttentionCache).Att, dy: s.dout, dqkv: s.din}
	s.x.Split(&sc.span, words, model.WordSplit(s.rows, words, a.C))
	sc.span = attentionSpan{}
}

type attentionSpan struct {
	a                  *model.Attention
	starts             []int32
	qkv, att, dy, dqkv []float32
}

func (s *attentionSpan) Span(lo, hi int) {
	a := s.a
	c, hs, nh, t := a.C, a.HeadSize(), a.Heads, a.Block
	scale := float32(1 / math.Sqrt(float64(hs)))
	var daBuf [model.MaxBlock]float32 // da_j of one row and head
	for w := lo; w < hi; w++ {
		first, end := int(s.starts[w]), int(s.starts[w+1])
		clear(s.dqkv[first*3*c : end*3*c])
		for i := first; i < end; i++ {
			for h := range nh {
				att := s.att[(i*nh+h)*t : (i*nh+h)*t+i-first+1]
				dy := s.dy[i*c+h*hs : i*c+(h+1)*hs]
				q, dq := s.qkv[i*3*c+h*hs:i*3*c+(h+1)*hs], s.dqkv[i*3*c+h*hs:i*3*c+(h+1)*hs]
				da := daBuf[:len(att)]
				var dot float32 // Σ_k a_k·da_k
				for j, aj := range att {
					v := s.qkv[(first+j)*3*c+2*c+h*hs:][:hs]
					var d float32
					for e, g := range dy {
						d += g * v[e]
					}
					da[j] = d
					dot += aj * d
				}
				for j, aj := range att {
					r := (first + j) * 3 * c
					k := s.qkv[r+c+h*hs:][:hs]
					dk, dv := s.dqkv[r+c+h*hs:][:hs], s.dqkv[r+2*c+h*hs:][:hs]
					ds := aj * (da[j] - dot) * scale
					for e := range hs {
						dv[e] += aj * dy[e]
						dq[e] += ds * k[e]
						dk[e] += ds * q[e]
					}
				}
			}
		}
	}
}

// reference computes each word and head step by step — the scaled scores,
// their causal softmax, the weighted values — and backs through the softmax
// with its full Jacobian, ∂a_j/∂s_k = a_j(δ_jk − a_k), rather than the fused
// form.
func (a attention) reference(_, x []float64, rows int, ex model.Exec) ([]float64, refBackward) {
	starts := ex.Starts
	c, hs := a.C, a.HeadSize()
	sc := 1 / math.Sqrt(float64(hs))
	at := func(r, part, h, d int) int { return r*3*c + part*c + h*hs + d } // part 0 q, 1 k, 2 v
	y := make([]float64, rows*c)
	type weights struct {
		first, i, h int
		a           []float64
	}
	var kept []weights
	for w := range len(starts) - 1 {
		first, end := int(starts[w]), int(starts[w+1])
		for i := first; i < end; i++ {
			for h := range a.Heads {
				s := make([]float64, i-first+1) // scores over j ≤ i
				for j := range s {
					for d := range hs {
						s[j] += x[at(i, 0, h, d)] * x[at(first+j, 1, h, d)]
					}
					s[j] *= sc
				}
				mx := math.Inf(-1)
				for _, v := range s {
					mx = max(mx, v)
				}
				e := apply(s, func(v float64) float64 { return math.Exp(v - mx) })
				var sum float64
				for _, v := range e {
					sum += v
				}
				att := scale(e, 1/sum)
				for j, aj := range att {
					for d := range hs {
						y[i*c+h*hs+d] += aj * x[at(first+j, 2, h, d)]
					}
				}
				kept = append(kept, weights{first, i, h, att})
			}
		}
	}
	return y, func(dy, _ []float64) []float64 {
		dx := make([]float64, rows*3*c)
		for _, k := range kept {
			da := make([]float64, len(k.a)) // ∂loss/∂a_j
			for j, aj := range k.a {
				for d := range hs {
					da[j] += dy[k.i*c+k.h*hs+d] * x[at(k.first+j, 2, k.h, d)]
					dx[at(k.first+j, 2, k.h, d)] += aj * dy[k.i*c+k.h*hs+d]
				}
			}
			for j := range k.a { // ∂loss/∂s_j through the Jacobian
				var ds float64
				for m, am := range k.a {
					delta := 0.0
					if m == j {
						delta = 1
					}
					ds += da[m] * am * (delta - k.a[j])
				}
				for d := range hs {
					dx[at(k.i, 0, k.h, d)] += ds * sc * x[at(k.first+j, 1, k.h, d)]
					dx[at(k.first+j, 1, k.h, d)] += ds * sc * x[at(k.i, 0, k.h, d)]
				}
			}
		}
		return dx
	}
}
