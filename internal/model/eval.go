package model

import (
	"math"

	"github.com/makemore/makemore/internal/kernels"
)

// evalChunk rows go through the eval-mode forward pass at a time, a chunk per
// Parallel task: enough work to outweigh handing a task out, small enough that
// a worker's hprebn stays in cache. Chunk boundaries do not move with the
// thread count, and per-chunk sums are added in chunk order, so results are
// the same for every Pool size.
const evalChunk = 1024

// Evaluator runs the eval-mode forward pass (calibrated batchnorm statistics)
// over any number of rows, a chunk at a time on each worker, reusing buffers.
type Evaluator struct {
	m     *Model
	pool  *kernels.Pool
	bufs  []evalBuffers // one per worker
	scale []float32     // [Hidden] γ/√(var+Eps)
	shift []float32     // [Hidden] β − mean·scale
}

// evalBuffers is one worker's scratch for a chunk.
type evalBuffers struct {
	embcat []float32 // [chunk × In]
	hidden []float32 // [chunk × Hidden]
	logits []float32 // [chunk × Vocab], then the probabilities
}

// NewEvaluator returns an Evaluator of m that runs on pool.
func NewEvaluator(m *Model, pool *kernels.Pool) *Evaluator {
	e := &Evaluator{m: m, pool: pool, scale: make([]float32, m.Hidden), shift: make([]float32, m.Hidden)}
	for range pool.Threads() {
		e.bufs = append(e.bufs, evalBuffers{
			embcat: make([]float32, evalChunk*m.In()),
			hidden: make([]float32, evalChunk*m.Hidden),
			logits: make([]float32, evalChunk*m.Vocab),
		})
	}
	return e
}

// preact fills worker w's hidden[n×H] with hprebn = embcat·W1 + b1 for the
// n ≤ evalChunk contexts x[n×Block].
func (e *Evaluator) preact(w int, x []int32, n int) []float32 {
	m, buf := e.m, &e.bufs[w]
	emb := buf.embcat[:n*m.In()]
	m.embed(emb, x[:n*m.Block])
	hid := buf.hidden[:n*m.Hidden]
	// hprebn[n×H] = embcat[n×In]·W1[In×H] + b1[H]
	kernels.MatMul(hid, emb, m.W1, m.B1, n, m.In(), m.Hidden)
	return hid
}

// chunks is the number of evalChunk-row chunks in rows.
func chunks(rows int) int { return (rows + evalChunk - 1) / evalChunk }

// Calibrate sets the model's batchnorm statistics to the mean and the
// Bessel-corrected variance of hprebn over all contexts x[N×Block], as the
// lecture does after training. Sums run in float64.
func (e *Evaluator) Calibrate(x []int32) {
	m := e.m
	H, rows := m.Hidden, len(x)/m.Block
	nc := chunks(rows)
	part := make([]float64, 2*nc*H) // per chunk: Σx[H], then Σx²[H]
	e.pool.Parallel(nc, func(w, c int) {
		start := c * evalChunk
		n := min(evalChunk, rows-start)
		hid := e.preact(w, x[start*m.Block:], n)
		sum, sq := part[2*c*H:(2*c+1)*H], part[(2*c+1)*H:(2*c+2)*H]
		for i := range n {
			for j, v := range hid[i*H : (i+1)*H] {
				sum[j] += float64(v)
				sq[j] += float64(v) * float64(v)
			}
		}
	})
	sum, sq := make([]float64, H), make([]float64, H)
	for c := range nc {
		for j := range H {
			sum[j] += part[2*c*H+j]
			sq[j] += part[(2*c+1)*H+j]
		}
	}
	N := float64(rows)
	for j := range sum {
		mean := sum[j] / N
		m.BNMean[j] = float32(mean)
		m.BNVar[j] = float32(max(0, (sq[j]-N*mean*mean)/(N-1)))
	}
}

// foldBatchnorm turns the calibrated statistics into one affine map per
// column, scale and shift.
func (e *Evaluator) foldBatchnorm() {
	m := e.m
	for j := range e.scale {
		e.scale[j] = m.BNGain[j] / float32(math.Sqrt(float64(m.BNVar[j])+Eps))
		e.shift[j] = m.BNBias[j] - m.BNMean[j]*e.scale[j]
	}
}

// logits runs the eval-mode forward pass in worker w's buffers on n ≤
// evalChunk contexts x[n×Block]; foldBatchnorm must have run.
func (e *Evaluator) logits(w int, x []int32, n int) []float32 {
	m := e.m
	H := m.Hidden
	hid := e.preact(w, x, n)
	// h[n×H] = tanh(hprebn·scale[H] + shift[H])
	kernels.ColAffine(hid, hid, e.scale, e.shift, n, H)
	kernels.Tanh(hid, hid)
	logits := e.bufs[w].logits[:n*m.Vocab]
	// logits[n×V] = h[n×H]·W2[H×V] + b2[V]
	kernels.MatMul(logits, hid, m.W2, m.B2, n, H, m.Vocab)
	return logits
}

// Logits runs the eval-mode forward pass on n ≤ 1024 contexts x[n×Block]
// and returns logits[n×Vocab], valid until the next call.
func (e *Evaluator) Logits(x []int32, n int) []float32 {
	e.foldBatchnorm()
	return e.logits(0, x, n)
}

// Loss is the mean cross-entropy over all examples (x[N×Block], y[N]) in eval mode.
func (e *Evaluator) Loss(x, y []int32) float64 {
	m := e.m
	rows := len(y)
	nc := chunks(rows)
	part := make([]float64, nc)
	e.foldBatchnorm()
	e.pool.Parallel(nc, func(w, c int) {
		start := c * evalChunk
		n := min(evalChunk, rows-start)
		logits := e.logits(w, x[start*m.Block:], n)
		part[c] = softmaxNLL(logits, logits, y[start:start+n], m.Vocab)
	})
	var total float64
	for _, p := range part {
		total += p
	}
	return total / float64(rows)
}
