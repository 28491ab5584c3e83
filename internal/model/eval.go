package model

import (
	"fmt"
	"math"
	"slices"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/progress"
)

// evalChunk rows go through the eval-mode forward pass at a time, a chunk per
// Parallel task: enough work to outweigh handing a task out, small enough that
// a worker's activations stay in cache. Chunk boundaries do not move with the
// thread count, and per-chunk sums are added in chunk order, so results are
// the same for every Pool size.
const evalChunk = 1024

// groupChunks chunks go to the workers at a time, between two progress
// reports: the partial results kept are those of a group, not of all the rows.
const groupChunks = 256

// Rows are the examples an Evaluator runs over, gathered a chunk at a time
// into its own buffers, so that a split's contexts are never all in memory.
type Rows interface {
	Len() int
	// Gather fills x [len(y) × Block] and y with examples start, start+1, ….
	// It is called from several goroutines at once.
	Gather(start int, x, y []int32)
}

// WordRows are Rows whose examples are the positions of words, one after
// the other (data.Dataset at block 1), as a sequence model reads them.
type WordRows interface {
	Rows
	// WordStart is the first example of the word example i is in.
	WordStart(i int) int
}

// Evaluator runs the eval-mode forward pass (calibrated batchnorm statistics)
// over any number of rows, a chunk at a time on each worker, reusing buffers.
// It is used from one goroutine at a time.
//
// A sequence model's chunk is cut at the same rows, but its rows need their
// words' earlier rows: each chunk also runs the rows of its first word that
// the chunk before holds (fewer than Block), and counts only its own.
type Evaluator struct {
	m      *Model
	pool   *kernels.Pool
	acts   [][][]float32 // per worker, per activation (as Activations.Acts): [evalRows·T × C]
	x, y   [][]int32     // per worker, the chunk's contexts [evalRows × Block] and next tokens [evalRows]
	starts [][]int32     // per worker, a sequence chunk's words (see Exec.Starts)
	losses [][]float64   // per worker, a sampled chunk's loss per row [evalChunk] (see SampleLoss)
	states [][]any       // per worker, per node: its eval state, shared by the workers (see Preparer), or the worker's own buffers (see EvalCacher)
}

// evalRows is the most rows one worker runs at a time: a chunk and, for a
// sequence model, the rows of its first word before it.
func (e *Evaluator) evalRows() int { return evalChunk + e.m.Net.RowsPer - 1 }

// NewEvaluator returns an Evaluator of m that runs on pool.
func NewEvaluator(m *Model, pool *kernels.Pool) *Evaluator {
	net := m.Net
	e := &Evaluator{m: m, pool: pool}
	rows, block := e.evalRows(), net.Block
	shared := make([]any, len(net.Nodes))
	for i, n := range net.Nodes {
		if p, ok := n.Layer.(Preparer); ok {
			shared[i] = p.NewEvalState()
		}
	}
	for range pool.Threads() {
		acts := make([][]float32, len(net.Nodes)+1)
		acts[0] = make([]float32, rows*block*net.Embed.Embd)
		states := slices.Clone(shared)
		for i, n := range net.Nodes {
			if _, inPlace := n.Layer.(InPlace); inPlace || IsView(n.Layer) {
				acts[i+1] = acts[i]
			} else {
				acts[i+1] = make([]float32, rows*n.Out.Size())
			}
			if c, ok := n.Layer.(EvalCacher); ok {
				states[i] = c.NewEvalCache(rows * n.In.T)
			}
		}
		e.acts, e.states = append(e.acts, acts), append(e.states, states)
		e.x, e.y = append(e.x, make([]int32, rows*block)), append(e.y, make([]int32, rows))
		e.starts = append(e.starts, make([]int32, 0, rows+1))
		e.losses = append(e.losses, make([]float64, evalChunk))
	}
	return e
}

func (e *Evaluator) exec() Exec { return Exec{Weights: e.m.Weights, Stats: e.m.Stats} }

// prepare readies the eval state of nodes [0, upto) from the current weights
// and statistics.
func (e *Evaluator) prepare(upto int) {
	for i, n := range e.m.Net.Nodes[:upto] {
		if p, ok := n.Layer.(Preparer); ok {
			p.Prepare(e.exec(), e.states[0][i])
		}
	}
}

// run passes the n ≤ evalRows contexts x[n×Block] through the embedding and
// nodes [0, upto) in worker w's buffers, and returns the last output:
// node upto's input [n·T × C], or the logits when upto is every node.
func (e *Evaluator) run(w int, x []int32, n, upto int) []float32 {
	m, acts := e.m, e.acts[w]
	ex := e.exec()
	if m.Sequence() {
		e.starts[w] = WordStarts(x[:n], e.starts[w])
		ex.Starts = e.starts[w]
	}
	emb := n * m.Net.Block * m.Net.Embed.Embd
	m.Net.Embed.Forward(m.Weights, x[:n*m.Net.Block], acts[0][:emb])
	out := acts[0][:emb]
	for i, nd := range m.Net.Nodes[:upto] {
		in := out
		out = acts[i+1][:n*nd.Out.Size()]
		nd.Eval(ex, e.states[w][i], in, out, n*nd.In.T)
	}
	return out
}

// chunks is the number of evalChunk-row chunks in rows.
func chunks(rows int) int { return (rows + evalChunk - 1) / evalChunk }

// eachChunk gathers every chunk of rows into worker buffers and calls do(w, c,
// n, x, y) for chunk c of n rows, on the workers a group of chunks at a time;
// after each group, and in chunk order, it calls sum(c) for the group's
// chunks. For a sequence model x and y start with the rows of the chunk's
// first word that come before it: the chunk's own are the last n. It
// reports the rows done to report as it goes, counting offset rows done
// before, of total.
func (e *Evaluator) eachChunk(rows Rows, do func(w, c, n int, x, y []int32), sum func(c int), report progress.Func, offset, total int64) {
	n := rows.Len()
	nc := chunks(n)
	words, ok := rows.(WordRows)
	if e.m.Sequence() && !ok {
		panic(fmt.Sprintf("model: a sequence model evaluates WordRows, not %T", rows))
	}
	for first := 0; first < nc; first += groupChunks {
		group := min(groupChunks, nc-first)
		e.pool.Parallel(group, func(w, i int) {
			c := first + i
			start := c * evalChunk
			k := min(evalChunk, n-start)
			from := start
			if e.m.Sequence() {
				from = words.WordStart(start)
			}
			x, y := e.x[w][:(start+k-from)*e.m.Net.Block], e.y[w][:start+k-from]
			rows.Gather(from, x, y)
			do(w, c, k, x, y)
		})
		for c := first; c < first+group; c++ {
			sum(c)
		}
		report.Report(offset+int64(min(n, (first+group)*evalChunk)), total)
	}
}

// Calibrate sets the model's statistics from the contexts of all rows, as
// the lecture does after training: each calibrated layer in turn, over its
// input with the layers before it already calibrated, which is what one
// training-mode pass over the whole split would see. So a network with k
// batchnorms makes k passes, each up to its layer; report counts the rows of
// all passes.
func (e *Evaluator) Calibrate(rows Rows, report progress.Func) {
	m := e.m
	n := rows.Len()
	passes := 0
	for _, nd := range m.Net.Nodes {
		if _, ok := nd.Layer.(Calibrator); ok {
			passes++
		}
	}
	total, pass := int64(passes)*int64(n), 0
	for k, nd := range m.Net.Nodes {
		cal, ok := nd.Layer.(Calibrator)
		if !ok {
			continue
		}
		e.prepare(k)
		plen := cal.PartLen()
		part := make([]float64, groupChunks*plen) // per chunk of a group, in chunk order
		sums := make([]float64, plen)
		e.eachChunk(rows, func(w, c, rows int, x, _ []int32) {
			in := e.run(w, x, rows, k) // an MLP's x has no rows before the chunk's
			slot := part[c%groupChunks*plen : (c%groupChunks+1)*plen]
			clear(slot) // Accumulate adds to it
			cal.Accumulate(slot, in, rows*nd.In.T)
		}, func(c int) {
			for j, v := range part[c%groupChunks*plen : (c%groupChunks+1)*plen] {
				sums[j] += v
			}
		}, report, int64(pass)*int64(n), total)
		cal.Finish(m.Stats, sums, n*nd.In.T)
		pass++
	}
	report.Report(total, total)
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

// Loss is the mean cross-entropy over all rows in eval mode; report counts
// the rows done.
func (e *Evaluator) Loss(rows Rows, report progress.Func) float64 {
	mean, _ := e.SampleLoss(rows, rows.Len(), report)
	return mean
}

// SampleLoss is Loss over rows that are a uniform random sample, drawn
// without replacement, of `of` examples (see data.Sample), and the standard
// error of that mean as an estimate of the mean over all of them: 0 when the
// rows are all of them. A sample is drawn in clusters, an example or a
// sequence model's word, of at least two: the error is the ratio estimator's
// over the clusters' loss sums L and sizes n,
//
//	√(K/(K−1) · Σ(L − mean·n)²) / rows · √(1 − rows/of)
//
// for K clusters, which for single examples is their losses' standard
// deviation over √rows. The last factor is for drawing without replacement.
func (e *Evaluator) SampleLoss(rows Rows, of int, report progress.Func) (mean, se float64) {
	m := e.m
	all := len(m.Net.Nodes)
	size := rows.Len()
	sampled := size < of
	var part [groupChunks]float64
	var spread [groupChunks]clusters
	var total float64
	var whole clusters
	e.prepare(all)
	e.eachChunk(rows, func(w, c, n int, x, y []int32) {
		logits := e.run(w, x, len(y), all)
		skip := len(y) - n // rows of the chunk before, run for their keys and values
		v := m.Net.Loss.Vocab
		var losses []float64 // each row's, only for a sample's error
		if sampled {
			losses = e.losses[w][:n]
		}
		part[c%groupChunks] = m.Net.Loss.Sum(logits[skip*v:], logits[skip*v:], y[skip:], losses)
		if sampled {
			// A sequence model's word starts where the row reads the boundary.
			x := x[skip*m.Net.Block:]
			spread[c%groupChunks] = chunkClusters(losses, func(i int) bool { return !m.Sequence() || x[i] == 0 })
		}
	}, func(c int) {
		total += part[c%groupChunks]
		if sampled {
			whole.then(&spread[c%groupChunks])
		}
	}, report, 0, int64(size))
	mean = total / float64(size)
	if !sampled {
		return mean, 0
	}
	whole.close(whole.open)
	k := float64(whole.count)
	ss := whole.l2 - 2*mean*whole.ln + mean*mean*whole.n2 // Σ(L − mean·n)²
	return mean, math.Sqrt(max(0, ss)*k/(k-1)*(1-float64(size)/float64(of))) / float64(size)
}

// cluster is the loss sum and the rows of one cluster of a sample.
type cluster struct {
	loss float64
	rows int
}

// clusters are the sums over a sample's clusters that SampleLoss's error
// needs, over some consecutive rows: of the clusters the rows close, and the
// cluster they leave open, which the rows after may continue.
type clusters struct {
	count      int
	l2, ln, n2 float64 // ΣL², ΣL·n, Σn²
	head       cluster // the rows before the first that starts a cluster
	starts     bool    // a cluster starts in these rows
	open       cluster // the last cluster
}

func (s *clusters) close(c cluster) {
	s.count++
	s.l2 += c.loss * c.loss
	s.ln += c.loss * float64(c.rows)
	s.n2 += float64(c.rows) * float64(c.rows)
}

// chunkClusters sums the clusters of rows of losses, where starts(i) says
// row i starts a cluster.
func chunkClusters(losses []float64, starts func(i int) bool) clusters {
	var s clusters
	cur := &s.head
	for i, l := range losses {
		if starts(i) {
			if s.starts {
				s.close(s.open)
			}
			s.starts, s.open, cur = true, cluster{}, &s.open
		}
		cur.loss += l
		cur.rows++
	}
	return s
}

// then adds the clusters of the rows that follow s's.
func (s *clusters) then(t *clusters) {
	s.open.loss += t.head.loss
	s.open.rows += t.head.rows
	if !t.starts {
		return
	}
	if s.open.rows > 0 {
		s.close(s.open)
	}
	s.count += t.count
	s.l2, s.ln, s.n2 = s.l2+t.l2, s.ln+t.ln, s.n2+t.n2
	s.open = t.open
}
