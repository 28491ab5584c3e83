package model

import (
	"fmt"
	"math"
)

// Fold is one batchnorm folded into the Linear before it.
type Fold struct {
	BatchNorm string // the batchnorm's output, as the network names it
	Weight    string // the Linear's weights
	Bias      string // its bias in the folded model
	NewBias   bool   // the Linear had none before
}

// FoldBatchNorm returns the model m computes in eval mode with each
// batchnorm folded into the Linear before it (lecture 3's exercise E02):
// with the calibrated mean μ and variance σ², the gain γ and bias β,
//
//	γ·(x·W + b − μ)/√(σ² + Eps) + β = x·(W·s) + (b − μ)·s + β,  s = γ/√(σ² + Eps)
//
// per output column, b = 0 for a Linear without bias, which gains one. The
// sums are taken in float64 and rounded once. The result has no batchnorm
// (NoBN) and shares nothing with m.
func (m *Model) FoldBatchNorm() (*Model, []Fold, error) {
	if m.Arch == ArchTransformer {
		return nil, nil, fmt.Errorf("a transformer has LayerNorm, which normalises each row by its own statistics, and no batchnorm: there is nothing to fold")
	}
	if m.Sequence() {
		return nil, nil, fmt.Errorf("model %s has no batchnorm: there is nothing to fold", m.Arch)
	}
	if m.NoBN {
		return nil, nil, fmt.Errorf("the model has no batchnorm to fold")
	}
	cfg := m.Config
	cfg.NoBN, cfg.NoBias, cfg.OutputBN = true, false, false
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	f := New(cfg)
	copy(f.Net.Embed.C.Of(f.Weights), m.Net.Embed.C.Of(m.Weights))
	var folds []Fold
	// The folded network is m's without its batchnorms, node for node.
	src := m.Net.Nodes
	for j, dst := range f.Net.Nodes {
		if len(src) == 0 {
			return nil, nil, fmt.Errorf("the folded network has more layers than the model (node %d)", j)
		}
		from := src[0]
		src = src[1:]
		if _, ok := from.Layer.(*BatchNorm); ok {
			return nil, nil, fmt.Errorf("batchnorm %s does not follow a Linear", from.Name)
		}
		ol, isLinear := from.Layer.(*Linear)
		if !isLinear {
			continue // no tensors
		}
		fl := dst.Layer.(*Linear)
		if fl.In != ol.In || fl.Out != ol.Out || fl.B == nil {
			return nil, nil, fmt.Errorf("linear %s: the folded network's is %d×%d, not %d×%d with a bias", ol.W.Name, fl.In, fl.Out, ol.In, ol.Out)
		}
		var bn *BatchNorm
		if len(src) > 0 {
			bn, _ = src[0].Layer.(*BatchNorm)
		}
		if bn == nil {
			copy(fl.W.Of(f.Weights), ol.W.Of(m.Weights))
			if ol.B != nil {
				copy(fl.B.Of(f.Weights), ol.B.Of(m.Weights))
			} else {
				clear(fl.B.Of(f.Weights))
			}
			continue
		}
		folds = append(folds, Fold{BatchNorm: src[0].Name, Weight: fl.W.Name, Bias: fl.B.Name, NewBias: ol.B == nil})
		src = src[1:]
		m.fold(f, ol, fl, bn)
	}
	if len(src) > 0 {
		return nil, nil, fmt.Errorf("layer %s has no place in the folded network", src[0].Name)
	}
	return f, folds, nil
}

// fold writes into f's Linear fl the model's Linear ol followed by bn.
func (m *Model) fold(f *Model, ol, fl *Linear, bn *BatchNorm) {
	gain, beta := bn.Gain.Of(m.Weights), bn.Bias.Of(m.Weights)
	mean, vr := bn.Mean.Of(m.Stats), bn.Var.Of(m.Stats)
	w, fw, fb := ol.W.Of(m.Weights), fl.W.Of(f.Weights), fl.B.Of(f.Weights)
	b := ol.Bias(m.Weights)
	for j := range ol.Out {
		s := float64(gain[j]) / math.Sqrt(float64(vr[j])+Eps)
		for i := range ol.In {
			fw[i*ol.Out+j] = float32(float64(w[i*ol.Out+j]) * s)
		}
		var bj float64
		if b != nil {
			bj = float64(b[j])
		}
		fb[j] = float32((bj-float64(mean[j]))*s + float64(beta[j]))
	}
}
