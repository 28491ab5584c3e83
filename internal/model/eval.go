package model

import (
	"math"

	"github.com/makemore/makemore/internal/kernels"
)

// evalChunk rows go through the eval-mode forward pass at a time: enough work
// to spread over the pool, small enough that hprebn stays in cache.
const evalChunk = 1024

// Evaluator runs the eval-mode forward pass (calibrated batchnorm statistics)
// over any number of rows, a chunk at a time, reusing its buffers.
type Evaluator struct {
	m      *Model
	pool   *kernels.Pool
	embcat []float32 // [chunk × In]
	hidden []float32 // [chunk × Hidden]
	logits []float32 // [chunk × Vocab]
	scale  []float32 // [Hidden] γ/√(var+Eps)
	shift  []float32 // [Hidden] β − mean·scale
}

// NewEvaluator returns an Evaluator of m that multiplies on pool.
func NewEvaluator(m *Model, pool *kernels.Pool) *Evaluator {
	return &Evaluator{
		m:      m,
		pool:   pool,
		embcat: make([]float32, evalChunk*m.In()),
		hidden: make([]float32, evalChunk*m.Hidden),
		logits: make([]float32, evalChunk*m.Vocab),
		scale:  make([]float32, m.Hidden),
		shift:  make([]float32, m.Hidden),
	}
}

// preact fills e.hidden[n×H] with hprebn = embcat·W1 + b1 for the n ≤ evalChunk contexts x[n×Block].
func (e *Evaluator) preact(x []int32, n int) []float32 {
	m := e.m
	emb := e.embcat[:n*m.In()]
	m.embed(emb, x[:n*m.Block])
	hid := e.hidden[:n*m.Hidden]
	// hprebn[n×H] = embcat[n×In]·W1[In×H] + b1[H]
	e.pool.MatMul(hid, emb, m.W1, m.B1, n, m.In(), m.Hidden)
	return hid
}

// Calibrate sets the model's batchnorm statistics to the mean and the
// Bessel-corrected variance of hprebn over all contexts x[N×Block], as the
// lecture does after training. Sums run in float64 in row order, so the result
// does not depend on the thread count.
func (e *Evaluator) Calibrate(x []int32) {
	m := e.m
	H, rows := m.Hidden, len(x)/m.Block
	sum := make([]float64, H)
	sq := make([]float64, H)
	for start := 0; start < rows; start += evalChunk {
		n := min(evalChunk, rows-start)
		hid := e.preact(x[start*m.Block:], n)
		for i := 0; i < n; i++ {
			for j, v := range hid[i*H : (i+1)*H] {
				sum[j] += float64(v)
				sq[j] += float64(v) * float64(v)
			}
		}
	}
	N := float64(rows)
	for j := range sum {
		mean := sum[j] / N
		m.BNMean[j] = float32(mean)
		m.BNVar[j] = float32(max(0, (sq[j]-N*mean*mean)/(N-1)))
	}
}

// Logits runs the eval-mode forward pass on n ≤ ChunkRows contexts x[n×Block]
// and returns logits[n×Vocab], valid until the next call.
func (e *Evaluator) Logits(x []int32, n int) []float32 {
	m := e.m
	H := m.Hidden
	for j := range e.scale {
		e.scale[j] = m.BNGain[j] / float32(math.Sqrt(float64(m.BNVar[j])+Eps))
		e.shift[j] = m.BNBias[j] - m.BNMean[j]*e.scale[j]
	}
	hid := e.preact(x, n)
	// h[n×H] = tanh(hprebn·scale[H] + shift[H])
	kernels.ColAffine(hid, hid, e.scale, e.shift, n, H)
	kernels.Tanh(hid, hid)
	logits := e.logits[:n*m.Vocab]
	// logits[n×V] = h[n×H]·W2[H×V] + b2[V]
	e.pool.MatMul(logits, hid, m.W2, m.B2, n, H, m.Vocab)
	return logits
}

// ChunkRows is the most contexts one Logits call takes.
const ChunkRows = evalChunk

// Loss is the mean cross-entropy over all examples (x[N×Block], y[N]) in eval mode.
func (e *Evaluator) Loss(x, y []int32) float64 {
	m := e.m
	V := m.Vocab
	var total float64
	for start := 0; start < len(y); start += evalChunk {
		n := min(evalChunk, len(y)-start)
		logits := e.Logits(x[start*m.Block:], n)
		for i, t := range y[start : start+n] {
			total += NLL(logits[i*V:(i+1)*V], int(t))
		}
	}
	return total / float64(len(y))
}

// NLL is −log softmax(logits)[t], from the log-sum-exp.
func NLL(logits []float32, t int) float64 {
	mx := logits[0]
	for _, v := range logits[1:] {
		mx = max(mx, v)
	}
	var s float64
	for _, v := range logits {
		s += math.Exp(float64(v - mx))
	}
	return math.Log(s) - float64(logits[t]-mx)
}
