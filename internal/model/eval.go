package model

import (
	"fmt"

	"github.com/makemore/makemore/internal/kernels"
)

// evalChunk rows go through the eval-mode forward pass at a time, a chunk per
// Parallel task: enough work to outweigh handing a task out, small enough that
// a worker's activations stay in cache. Chunk boundaries do not move with the
// thread count, and per-chunk sums are added in chunk order, so results are
// the same for every Pool size.
const evalChunk = 1024

// Evaluator runs the eval-mode forward pass (calibrated batchnorm statistics)
// over any number of rows, a chunk at a time on each worker, reusing buffers.
// It is used from one goroutine at a time.
type Evaluator struct {
	m      *Model
	pool   *kernels.Pool
	acts   [][][]float32 // per worker, per activation (as Activations.Acts): [evalChunk·T × C]
	states []any         // per node, its eval state (see Preparer), shared by the workers
}

// NewEvaluator returns an Evaluator of m that runs on pool.
func NewEvaluator(m *Model, pool *kernels.Pool) *Evaluator {
	net := m.Net
	e := &Evaluator{m: m, pool: pool, states: make([]any, len(net.Nodes))}
	for i, n := range net.Nodes {
		if p, ok := n.Layer.(Preparer); ok {
			e.states[i] = p.NewEvalState()
		}
	}
	for range pool.Threads() {
		acts := make([][]float32, len(net.Nodes)+1)
		acts[0] = make([]float32, evalChunk*m.Block*net.Embed.Embd)
		for i, n := range net.Nodes {
			if _, inPlace := n.Layer.(InPlace); inPlace || IsView(n.Layer) {
				acts[i+1] = acts[i]
			} else {
				acts[i+1] = make([]float32, evalChunk*n.Out.Size())
			}
		}
		e.acts = append(e.acts, acts)
	}
	return e
}

func (e *Evaluator) exec() Exec { return Exec{Weights: e.m.Weights, Stats: e.m.Stats} }

// prepare readies the eval state of nodes [0, upto) from the current weights
// and statistics.
func (e *Evaluator) prepare(upto int) {
	for i, n := range e.m.Net.Nodes[:upto] {
		if p, ok := n.Layer.(Preparer); ok {
			p.Prepare(e.exec(), e.states[i])
		}
	}
}

// run passes the n ≤ evalChunk contexts x[n×Block] through the embedding and
// nodes [0, upto) in worker w's buffers, and returns the last output:
// node upto's input [n·T × C], or the logits when upto is every node.
func (e *Evaluator) run(w int, x []int32, n, upto int) []float32 {
	m, acts := e.m, e.acts[w]
	emb := n * m.Block * m.Net.Embed.Embd
	m.Net.Embed.Forward(m.Weights, x[:n*m.Block], acts[0][:emb])
	out := acts[0][:emb]
	for i, nd := range m.Net.Nodes[:upto] {
		in := out
		out = acts[i+1][:n*nd.Out.Size()]
		nd.Eval(e.exec(), e.states[i], in, out, n*nd.In.T)
	}
	return out
}

// chunks is the number of evalChunk-row chunks in rows.
func chunks(rows int) int { return (rows + evalChunk - 1) / evalChunk }

// Calibrate sets the model's statistics from all contexts x[N×Block], as
// the lecture does after training: each calibrated layer in turn, over its
// input with the layers before it already calibrated, which is what one
// training-mode pass over the whole split would see. So a network with k
// batchnorms makes k passes, each up to its layer.
func (e *Evaluator) Calibrate(x []int32) {
	m := e.m
	rows := len(x) / m.Block
	nc := chunks(rows)
	for k, nd := range m.Net.Nodes {
		cal, ok := nd.Layer.(Calibrator)
		if !ok {
			continue
		}
		e.prepare(k)
		plen := cal.PartLen()
		part := make([]float64, nc*plen) // per chunk, in chunk order
		e.pool.Parallel(nc, func(w, c int) {
			start := c * evalChunk
			n := min(evalChunk, rows-start)
			in := e.run(w, x[start*m.Block:], n, k)
			cal.Accumulate(part[c*plen:(c+1)*plen], in, n*nd.In.T)
		})
		sums := make([]float64, plen)
		for c := range nc {
			for j, v := range part[c*plen : (c+1)*plen] {
				sums[j] += v
			}
		}
		cal.Finish(m.Stats, sums, rows*nd.In.T)
	}
}

// LogitsRows is the most contexts one Logits call takes.
const LogitsRows = evalChunk

// Logits runs the eval-mode forward pass on n ≤ LogitsRows contexts
// x[n×Block] and returns logits[n×Vocab], valid until the next call.
func (e *Evaluator) Logits(x []int32, n int) []float32 {
	if n > LogitsRows {
		panic(fmt.Sprintf("model: Logits of %d rows, more than LogitsRows (%d)", n, LogitsRows))
	}
	all := len(e.m.Net.Nodes)
	e.prepare(all)
	return e.run(0, x, n, all)
}

// Loss is the mean cross-entropy over all examples (x[N×Block], y[N]) in eval mode.
func (e *Evaluator) Loss(x, y []int32) float64 {
	m := e.m
	all := len(m.Net.Nodes)
	rows := len(y)
	nc := chunks(rows)
	part := make([]float64, nc)
	e.prepare(all)
	e.pool.Parallel(nc, func(w, c int) {
		start := c * evalChunk
		n := min(evalChunk, rows-start)
		logits := e.run(w, x[start*m.Block:], n, all)
		part[c] = m.Net.Loss.Sum(logits, logits, y[start:start+n])
	})
	var total float64
	for _, p := range part {
		total += p
	}
	return total / float64(rows)
}
