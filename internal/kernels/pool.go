package kernels

import (
	"runtime"
	"sync/atomic"
	"time"
)

// parallelMin is the fewest multiply-adds (m·k·n) worth splitting across
// workers: below it, waking a worker costs more than it saves (measured with
// BenchmarkProducts; the default model's training products all stay serial).
const parallelMin = 1 << 18

// tileRows is the row height of the SIMD register tile: row blocks are
// multiples of it so no worker gets a needless tail.
const tileRows = 4

// Pool multiplies matrices on a fixed set of worker goroutines, started once:
// the caller's goroutine is worker 0, and threads−1 more wait for work. A Pool
// is used from one goroutine at a time.
//
// Workers spin for a while before they sleep, because waking a sleeping thread
// costs tens of microseconds here (measured on this VM: a parked worker made a
// 0.5 ms product no faster on 2 threads), longer than the products themselves.
type Pool struct {
	threads int
	workers []*worker
	gen     atomic.Uint64 // bumped once per parallel product
	pending atomic.Int32  // workers still computing the current product
	job     job           // the product in flight, set before gen is bumped
	next    atomic.Int64  // the next task of a Parallel job to hand out
	bt      []float32     // scratch for MatMulBT's transposed operand
	closed  atomic.Bool
}

// worker is one extra goroutine's parking spot.
type worker struct {
	parked atomic.Bool   // asleep on wake, or about to be
	wake   chan struct{} // a token after the caller takes the worker off parked
}

// spinFor is how long a worker polls for new work before it sleeps: longer
// than the serial stretches between products in a training step or an eval
// chunk, so that in a run the workers never sleep.
const spinFor = 2 * time.Millisecond

// spinUntil polls done for up to spinFor and reports whether it became true.
// The clock is read once per 1024 polls: reading it costs more than a poll.
func spinUntil(done func() bool) bool {
	var start time.Time
	for i := 1; ; i++ {
		if done() {
			return true
		}
		if i%1024 == 0 {
			if start.IsZero() {
				start = time.Now()
			} else if time.Since(start) > spinFor {
				return false
			}
		}
	}
}

// job is one product, c = a·b + bias in gemmFunc's terms, or, when task is
// set, a batch of tasks handed out through next.
type job struct {
	c, a, b, bias     []float32
	m, k, n, ars, acs int
	task              func(w, i int)
	tasks             int
}

// NewPool starts a pool of threads workers (at least 1).
func NewPool(threads int) *Pool {
	p := &Pool{threads: max(threads, 1)}
	for w := 1; w < p.threads; w++ {
		wk := &worker{wake: make(chan struct{}, 1)}
		p.workers = append(p.workers, wk)
		go p.loop(w, wk)
	}
	return p
}

func (p *Pool) loop(w int, wk *worker) {
	var seen uint64 // gen is 0 until the first product, which may come before this goroutine runs
	for {
		spinUntil(func() bool { return p.gen.Load() != seen })
		if p.gen.Load() == seen {
			// Sleep, unless a product arrived between the check and parking; then
			// whichever side takes the worker off parked first decides who runs it.
			wk.parked.Store(true)
			if p.gen.Load() == seen || !wk.parked.CompareAndSwap(true, false) {
				<-wk.wake
			}
		}
		if p.closed.Load() {
			return
		}
		seen = p.gen.Load()
		p.runBlock(w)
		p.pending.Add(-1)
	}
}

// Threads is the number of workers, the caller included.
func (p *Pool) Threads() int { return p.threads }

// Close stops the workers. It is safe to call more than once.
func (p *Pool) Close() {
	if p.closed.Swap(true) {
		return
	}
	p.gen.Add(1)
	for _, wk := range p.workers {
		if wk.parked.CompareAndSwap(true, false) {
			wk.wake <- struct{}{}
		}
	}
}

// MatMul sets c[m×n] = a[m×k]·b[k×n] + bias[n]; bias may be nil.
func (p *Pool) MatMul(c, a, b, bias []float32, m, k, n int) {
	p.run(job{c: c[:m*n], a: a[:m*k], b: b[:k*n], bias: bias, m: m, k: k, n: n, ars: k, acs: 1})
}

// MatMulAT sets c[m×n] = a[k×m]ᵀ·b[k×n]: the reduction over k (the batch, for a
// weight gradient) stays inside one output element, never split across workers.
func (p *Pool) MatMulAT(c, a, b []float32, m, k, n int) {
	p.run(job{c: c[:m*n], a: a[:k*m], b: b[:k*n], m: m, k: k, n: n, ars: 1, acs: m})
}

// MatMulBT sets c[m×n] = a[m×k]·b[n×k]ᵀ. b is transposed into scratch first so
// the same row-streaming kernel serves; bᵀ costs k·n moves against m·k·n
// multiply-adds.
func (p *Pool) MatMulBT(c, a, b []float32, m, k, n int) {
	if cap(p.bt) < k*n {
		p.bt = make([]float32, k*n)
	}
	bt := p.bt[:k*n]
	kernels.transpose(bt, b[:n*k], n, k)
	p.run(job{c: c[:m*n], a: a[:m*k], b: bt, m: m, k: k, n: n, ars: k, acs: 1})
}

// MatMul sets c[m×n] = a[m×k]·b[k×n] + bias[n] on the calling goroutine
// alone, for use inside a Parallel task; bias may be nil.
func MatMul(c, a, b, bias []float32, m, k, n int) {
	if m > 0 && n > 0 {
		kernels.gemm(c[:m*n], a[:m*k], b[:k*n], bias, 0, m, k, n, k, 1)
	}
}

// Parallel calls task(w, i) once for every i in [0, tasks), spread over the
// workers, and returns when all are done; w < Threads() names the worker, so a
// task can use per-worker scratch. Tasks go out in order to whichever worker
// is free, so a result must not depend on w: write task i's result to slot i.
func (p *Pool) Parallel(tasks int, task func(w, i int)) {
	if p.threads == 1 || tasks == 1 {
		for i := range tasks {
			task(0, i)
		}
		return
	}
	p.next.Store(0)
	p.start(job{task: task, tasks: tasks})
}

func (p *Pool) run(j job) {
	if j.m == 0 || j.n == 0 {
		return
	}
	if p.threads == 1 || j.m*j.k*j.n < parallelMin || j.m < 2*tileRows {
		kernels.gemm(j.c, j.a, j.b, j.bias, 0, j.m, j.k, j.n, j.ars, j.acs)
		return
	}
	p.start(j)
}

// start runs j on every worker, the caller as worker 0, and waits for all.
func (p *Pool) start(j job) {
	p.job = j
	p.pending.Store(int32(len(p.workers)))
	p.gen.Add(1)
	for _, wk := range p.workers {
		if wk.parked.CompareAndSwap(true, false) {
			wk.wake <- struct{}{}
		}
	}
	p.runBlock(0)
	for !spinUntil(func() bool { return p.pending.Load() == 0 }) {
		runtime.Gosched() // a worker is waking from sleep: let it have the CPU
	}
	p.job = job{} // drop the references to the caller's slices
}

// runBlock computes worker w's block of rows of p.job: contiguous, a multiple
// of tileRows high, the last one short; or, for a Parallel job, takes tasks
// until none are left.
func (p *Pool) runBlock(w int) {
	j := &p.job
	if j.task != nil {
		for i := p.next.Add(1) - 1; i < int64(j.tasks); i = p.next.Add(1) - 1 {
			j.task(w, int(i))
		}
		return
	}
	per := (j.m + p.threads - 1) / p.threads
	per = (per + tileRows - 1) / tileRows * tileRows
	lo, hi := min(w*per, j.m), min((w+1)*per, j.m)
	if lo < hi {
		kernels.gemm(j.c, j.a, j.b, j.bias, lo, hi, j.k, j.n, j.ars, j.acs)
	}
}
