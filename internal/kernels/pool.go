package kernels

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// parallelMin is the fewest multiply-adds (m·k·n) worth splitting across
// workers: below it, waking a worker costs more than it saves. The default
// model's training products all stay below it.
const parallelMin = 1 << 18

// Pool multiplies matrices on a fixed set of worker goroutines, started once:
// the caller's goroutine is worker 0, and threads−1 more wait for work. A Pool
// is used from one goroutine at a time.
//
// Workers spin for a while before they sleep, because waking a sleeping thread
// costs tens of microseconds, longer than the products themselves.
//
// A job's tasks are claimed one at a time, the caller taking them too, and the
// caller waits only for tasks that were claimed: a worker the OS has not run
// for a while holds nothing up, it finds the job gone when it wakes.
//
// On a busy machine the caller runs the jobs alone while that is faster: see
// busy.
type Pool struct {
	threads int
	workers []*worker
	gen     atomic.Uint64 // bumped once per parallel job
	claim   atomic.Uint64 // the job's generation, task count and next task: see claimTask
	done    atomic.Int64  // tasks of the current job finished
	job     job           // the job in flight: read only by holders of a claimed task
	bt      []float32     // scratch for MulBT's transposed operand
	ew      elementwise   // Map's and Map2's job, and AxpyMats's (up), kept here so that handing them out allocates nothing
	up      update
	splits  uint64 // jobs offered to the workers: see Splits
	busy    busy
	waiting atomic.Bool   // the caller is asleep on finished, or about to be
	wakeup  chan struct{} // a token after a worker takes the caller off waiting
	closed  atomic.Bool
}

// A claim word packs the job's generation (its low 24 bits), its task count
// and (20 bits each) either the next unclaimed task or, for a job of at most
// one task per worker, a bit per claimed task, so that one compare-and-swap
// both checks that a task belongs to the job a worker saw and takes it.
const (
	claimBits = 20
	claimMask = 1<<claimBits - 1
	genMask   = 1<<(64-2*claimBits) - 1
)

// maxTasks is the most tasks one job can have.
const maxTasks = claimMask

func packClaim(gen uint64, tasks int) uint64 {
	return (gen&genMask)<<(2*claimBits) | uint64(tasks)<<claimBits
}

// claimTask takes a task of job generation gen for worker w, if that job is
// still the current one and has a task left. In a job of at most one task per
// worker, worker w takes task w while it is free: block i of every product,
// of the update and of an element-wise pass then runs on the same core step
// after step, and its data stays in that core's cache.
func (p *Pool) claimTask(w int, gen uint64) (int, bool) {
	for {
		v := p.claim.Load()
		if v>>(2*claimBits) != gen&genMask {
			return 0, false
		}
		low, tasks := v&claimMask, int(v>>claimBits&claimMask)
		if tasks > p.threads {
			if int(low) >= tasks {
				return 0, false
			}
			if p.claim.CompareAndSwap(v, v+1) {
				return int(low), true
			}
			continue
		}
		i := w
		if i >= tasks || low&(1<<i) != 0 {
			if i = bits.TrailingZeros64(^low); i >= tasks {
				return 0, false
			}
		}
		if p.claim.CompareAndSwap(v, v|1<<i) {
			return i, true
		}
	}
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
// Between polls it pauses (PAUSE on amd64), as spin-waits should: on a core
// shared by two hardware threads, as on the laptops this is sized for, the
// pause leaves the core to the other thread, and the CPU leaves the loop
// without a pipeline flush when done flips. The clock is read once per 1024
// polls: reading it costs more than a poll.
func spinUntil(done func() bool) bool {
	var start time.Time
	for i := 1; ; i++ {
		if done() {
			return true
		}
		spinPause(1)
		if i%1024 == 0 {
			if start.IsZero() {
				start = time.Now()
			} else if time.Since(start) > spinFor {
				return false
			}
		}
	}
}

// Product is one matrix product for Run or Pair: C[M×N] = A·B + Bias in
// gemmFunc's terms (A's element (i, p) at A[i*ars + p*acs]). Make one with Mul,
// MulAT or Pool.MulBT.
type Product struct {
	c, a, b, bias     []float32
	m, k, n, ars, acs int
	// bt, for MulBT, is Bᵀ [N×K]: B is its transpose, made band by band of
	// columns as the product is computed.
	bt []float32
}

// Mul is c[m×n] = a[m×k]·b[k×n] + bias[n]; bias may be nil.
func Mul(c, a, b, bias []float32, m, k, n int) Product {
	return Product{c: c[:m*n], a: a[:m*k], b: b[:k*n], bias: bias, m: m, k: k, n: n, ars: k, acs: 1}
}

// MulAT is c[m×n] = a[k×m]ᵀ·b[k×n]: the reduction over k (the batch, for a
// weight gradient) stays inside one output element, never split across workers.
func MulAT(c, a, b []float32, m, k, n int) Product {
	return Product{c: c[:m*n], a: a[:k*m], b: b[:k*n], m: m, k: k, n: n, ars: 1, acs: m}
}

// MulBT is c[m×n] = a[m×k]·b[n×k]ᵀ. It is computed from bᵀ in the pool's
// scratch, so that the same row-streaming kernel serves (k·n moves against
// m·k·n multiply-adds), in bands of c's columns: a band's worker transposes
// b's rows of the band itself, and no worker waits for another's. The
// Product is valid until the next MulBT on the pool.
func (p *Pool) MulBT(c, a, b []float32, m, k, n int) Product {
	if cap(p.bt) < k*n {
		p.bt = make([]float32, k*n)
	}
	x := Mul(c, a, p.bt[:k*n], nil, m, k, n)
	x.bt = b[:n*k]
	return x
}

// blocks is how many blocks of rows (of columns, for MulBT) x is split into
// on t threads: one below parallelMin multiply-adds, where waking a worker and
// moving the operands to its cache costs more than the split saves.
func (x *Product) blocks(t int) int {
	if t == 1 || x.m*x.k*x.n < parallelMin {
		return 1
	}
	if x.bt != nil {
		return max(1, min(t, x.n/(2*btAlign)))
	}
	return rowBlocks(t, x.m)
}

// rowBlocks is how many blocks of rows a product of m result rows is split
// into on t threads, each at least two of the kernel set's tiles tall.
func rowBlocks(t, m int) int { return max(1, min(t, m/(2*active.tileRows))) }

// rowBlock is block i of the n blocks of m rows: contiguous, a multiple of the
// kernel set's tile height except the last.
func rowBlock(i, n, m int) (lo, hi int) { return ranges{n: m, align: active.tileRows, parts: n}.at(i) }

// btAlign is the width MulBT's column bands are a multiple of: a cache line
// of floats (two of the kernels' narrowest tiles), so that two workers never
// write the same line of a row that starts on one, and each band is at least
// two lines wide. At 8 floats part5's first level (48 columns) split into
// bands of 24 that shared a line in every row; at 16 it stays whole, and its
// 2-thread step went from 222.9 to 215.3 µs (12 alternated rounds, medians).
const btAlign = 16

// block is block i of the n blocks of x's rows, or of its columns for MulBT:
// contiguous, a multiple of the kernel set's tile height (of btAlign) except
// the last.
func (x *Product) block(i, n int) (lo, hi int) {
	if x.bt != nil {
		return ranges{n: x.n, align: btAlign, parts: n}.at(i)
	}
	return rowBlock(i, n, x.m)
}

// job is what the workers run: the blocks of one or two products, a batch of
// Parallel tasks, or the ranges of an element-wise kernel, handed out through
// claim.
type job struct {
	prods  [2]Product
	blocks [2]int // row blocks of each product, 0 for no product
	paired bool   // task i is block i of both products
	task   func(w, i int)
	span   Spanner
	ranges ranges
	tasks  int
}

// NewPool starts a pool of threads workers (at least 1).
func NewPool(threads int) *Pool {
	p := &Pool{threads: max(threads, 1), wakeup: make(chan struct{}, 1)}
	// Wait for the workers to start spinning, so that the first jobs find them
	// ready and busy's first window times them at their speed.
	var started sync.WaitGroup
	started.Add(p.threads - 1)
	for w := 1; w < p.threads; w++ {
		wk := &worker{wake: make(chan struct{}, 1)}
		p.workers = append(p.workers, wk)
		go p.loop(w, wk, &started)
	}
	started.Wait()
	return p
}

func (p *Pool) loop(w int, wk *worker, started *sync.WaitGroup) {
	var seen uint64
	started.Done()
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
		p.work(w, seen)
	}
}

// work runs tasks of job generation gen until none are left to claim, and
// returns how many it ran. The worker that finishes a job's last task wakes
// the caller if it went to sleep waiting.
func (p *Pool) work(w int, gen uint64) int {
	ran := 0
	for i, ok := p.claimTask(w, gen); ok; i, ok = p.claimTask(w, gen) {
		tasks := int64(p.job.tasks) // read while the task is held: the caller resets job once all are done
		p.job.run(w, i)
		ran++
		if p.done.Add(1) == tasks && w != 0 && p.waiting.CompareAndSwap(true, false) {
			p.wakeup <- struct{}{}
		}
	}
	return ran
}

// run runs task i of the job on worker w.
func (j *job) run(w, i int) {
	switch {
	case j.task != nil:
		j.task(w, i)
	case j.span != nil:
		j.span.Span(j.ranges.at(i))
	default:
		j.runTask(i)
	}
}

// Threads is the number of workers, the caller included.
func (p *Pool) Threads() int { return p.threads }

// Splits is how many jobs the pool has split into tasks for its workers rather
// than run on the caller alone: products and pairs big enough to split,
// element-wise calls long enough to split, and Parallel calls of more than one
// task (one job per maxTasks tasks). While the machine is busy the caller runs
// a split job's tasks itself (see busy); they are the same tasks.
func (p *Pool) Splits() uint64 { return p.splits }

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
func (p *Pool) MatMul(c, a, b, bias []float32, m, k, n int) { p.Run(Mul(c, a, b, bias, m, k, n)) }

// Run computes x, split into row blocks across the workers when it is big
// enough.
func (p *Pool) Run(x Product) { p.run(x, Product{}) }

// Pair computes x and y together, their row blocks spread over the workers as
// one job: one wait for both instead of one each. When both split into as
// many blocks, task i is block i of each, so that a linear layer's weight
// gradient block i (y) is always computed on the same core as its update
// (see AxpyMats).
func (p *Pool) Pair(x, y Product) { p.run(x, y) }

func (p *Pool) run(x, y Product) {
	j := job{prods: [2]Product{x, y}}
	small := true
	for i := range j.prods {
		if x := &j.prods[i]; x.m > 0 && x.n > 0 {
			j.blocks[i] = x.blocks(p.threads)
			j.tasks += j.blocks[i]
			small = small && x.m*x.k*x.n < parallelMin
		}
	}
	if j.blocks[0] > 1 && j.blocks[0] == j.blocks[1] {
		j.paired, j.tasks = true, j.blocks[0]
	}
	// Products below parallelMin stay with the caller even as a pair: moving
	// their operands between the cores' caches costs about what the second
	// core saves.
	if j.tasks <= 1 || p.threads == 1 || small {
		for i := range j.tasks {
			j.runTask(i)
		}
		return
	}
	p.start(j)
}

// runTask computes task i of a product job: a row block of the first product,
// or, past its blocks, of the second; block i of both for a paired job.
func (j *job) runTask(i int) {
	if j.paired {
		for x := range j.prods {
			pr := &j.prods[x]
			pr.compute(pr.block(i, j.blocks[x]))
		}
		return
	}
	x := 0
	if i >= j.blocks[0] {
		x, i = 1, i-j.blocks[0]
	}
	pr := &j.prods[x]
	pr.compute(pr.block(i, j.blocks[x]))
}

// compute fills rows [lo, hi) of x's result, or columns [lo, hi) for MulBT
// after transposing their rows of Bᵀ.
func (x *Product) compute(lo, hi int) {
	if lo >= hi || x.n == 0 {
		return
	}
	if x.bt != nil {
		active.transpose(x.b[lo:], x.bt[lo*x.k:hi*x.k], hi-lo, x.k, x.n)
		active.gemm(x.c[lo:], x.a, x.b[lo:], nil, 0, x.m, x.k, hi-lo, x.n, x.ars, x.acs)
		return
	}
	active.gemm(x.c, x.a, x.b, x.bias, lo, hi, x.k, x.n, x.n, x.ars, x.acs)
}

// MatMul sets c[m×n] = a[m×k]·b[k×n] + bias[n] on the calling goroutine
// alone, for use inside a Parallel task; bias may be nil.
func MatMul(c, a, b, bias []float32, m, k, n int) {
	x := Mul(c, a, b, bias, m, k, n)
	x.compute(0, m)
}

// Parallel calls task(w, i) once for every i in [0, tasks), spread over the
// workers, and returns when all are done; w < Threads() names the worker, so a
// task can use per-worker scratch. Tasks go out in order to whichever worker
// is free, so a result must not depend on w: write task i's result to slot i.
func (p *Pool) Parallel(tasks int, task func(w, i int)) {
	if p.threads == 1 || tasks <= 1 {
		for i := range tasks {
			task(0, i)
		}
		return
	}
	if tasks <= maxTasks {
		p.start(job{task: task, tasks: tasks})
		return
	}
	for first := 0; first < tasks; first += maxTasks { // a job holds at most maxTasks
		p.start(job{task: func(w, i int) { task(w, first+i) }, tasks: min(maxTasks, tasks-first)})
	}
}

// A Spanner does its share of a split: the part of its work over indices
// [lo, hi), whose results no other part writes.
type Spanner interface {
	Span(lo, hi int)
}

// ranges cuts [0, n) into parts ranges of whole multiples of align (the
// last one takes the rest).
type ranges struct{ n, align, parts int }

func (r ranges) at(i int) (lo, hi int) {
	per := ((r.n+r.parts-1)/r.parts + r.align - 1) / r.align * r.align
	return min(i*per, r.n), min((i+1)*per, r.n)
}

// split calls s.Span over ranges that together cover [0, n), one per worker
// and each at least least long, so that a range is worth handing out; range
// bounds are multiples of align (16 floats for the element-wise passes: a
// cache line, so two workers never write the same line). Below 2·least
// s.Span(0, n) runs on the caller.
func (p *Pool) split(s Spanner, n, least, align int) {
	parts := min(p.threads, n/max(least, 1))
	if parts <= 1 {
		s.Span(0, n)
		return
	}
	p.start(job{span: s, ranges: ranges{n: n, align: align, parts: parts}, tasks: parts})
}

// Split calls s.Span over ranges that together cover [0, n), one per worker
// and each at least least long; below 2·least s.Span(0, n) runs on the
// caller. Range i goes to worker i while it is free (see claimTask).
func (p *Pool) Split(s Spanner, n, least int) { p.split(s, n, least, 1) }

// ParallelElems is the fewest elements worth giving a worker of an
// element-wise pass: 1.5–3 µs of work, so that, as with parallelMin, a job
// is split only when the work it spreads clearly outweighs handing it out
// and moving its operands between the cores' caches.
const ParallelElems = 4096

// elementwise is one element-wise kernel over the same range of each operand.
type elementwise struct {
	f1        func(dst, x []float32)
	f2        func(out, x, y []float32)
	out, x, y []float32
}

func (e *elementwise) Span(lo, hi int) {
	switch {
	case e.f2 != nil:
		e.f2(e.out[lo:hi], e.x[lo:hi], e.y[lo:hi])
	default:
		e.f1(e.out[lo:hi], e.x[lo:hi])
	}
}

func (p *Pool) elementwise(e elementwise) {
	p.ew = e
	p.split(&p.ew, len(e.x), ParallelElems, 16)
	p.ew = elementwise{} // drop the references to the caller's slices
}

// Map sets dst = f(x) element by element with f one of the element-wise
// kernels of one input (Tanh, Sigmoid, ReLU, GELU), split across the
// workers when x is long enough; dst may be x.
func (p *Pool) Map(f func(dst, x []float32), dst, x []float32) {
	p.elementwise(elementwise{f1: f, out: dst[:len(x)], x: x})
}

// Map2 sets out = f(x, y) element by element with f one of the element-wise
// kernels of two inputs (TanhGrad, SigmoidGrad, ReLUGrad, GELUGrad), split
// across the workers when x is long enough; out may be y.
func (p *Pool) Map2(f func(out, x, y []float32), out, x, y []float32) {
	p.elementwise(elementwise{f2: f, out: out[:len(x)], x: x, y: y[:len(x)]})
}

// Mat is a [Rows × Cols] matrix at Off of a flat array of them. Blocked says
// that its gradient is a product the pool splits into blocks of rows (see
// Splits and MulAT), so that AxpyMats updates it the same way.
type Mat struct {
	Off, Rows, Cols int
	Blocked         bool
}

// Splits reports whether a product of m·k·n multiply-adds is split across
// the workers, into blocks of its m result rows.
func Splits(m, k, n int) bool { return m*k*n >= parallelMin }

// AxpyMats sets y[i] += alpha·x[i] over the matrices mats, which cover x.
// Worker i updates block i of the rows of each blocked matrix, the rows whose
// gradient it computed, so that the gradient never moves between the cores'
// caches; the caller updates the other matrices.
func (p *Pool) AxpyMats(y []float32, alpha float32, x []float32, mats []Mat) {
	blocked := false
	for _, m := range mats {
		blocked = blocked || m.Blocked
	}
	if !blocked {
		Axpy(y[:len(x)], alpha, x)
		return
	}
	p.up = update{y: y[:len(x)], x: x, alpha: alpha, mats: mats, threads: p.threads}
	p.split(&p.up, p.threads, 1, 1) // worker i's share is range [i, i+1)
	p.up = update{}                 // drop the references to the caller's slices
}

// update is AxpyMats's job, split into one share per worker.
type update struct {
	y, x    []float32
	alpha   float32
	mats    []Mat
	threads int
}

// Span does shares [lo, hi): share i is block i of every blocked matrix and,
// for i = 0, the other matrices.
func (u *update) Span(lo, hi int) {
	for i := lo; i < hi; i++ {
		for _, m := range u.mats {
			first, end := 0, m.Rows
			if m.Blocked {
				n := rowBlocks(u.threads, m.Rows)
				if i >= n {
					continue
				}
				first, end = rowBlock(i, n, m.Rows)
			} else if i != 0 {
				continue
			}
			a, b := m.Off+first*m.Cols, m.Off+end*m.Cols
			Axpy(u.y[a:b], u.alpha, u.x[a:b])
		}
	}
}

// start runs j's tasks on the workers and the caller, and returns when every
// task is done; on the caller alone while that is faster (see busy).
func (p *Pool) start(j job) {
	p.splits++
	if p.busy.next() {
		for i := range j.tasks {
			j.run(0, i)
		}
		return
	}
	gen := p.gen.Load() + 1
	p.job = j
	p.done.Store(0)
	p.claim.Store(packClaim(gen, j.tasks)) // publishes the job to claimers
	p.gen.Store(gen)
	for _, wk := range p.workers {
		if wk.parked.CompareAndSwap(true, false) {
			wk.wake <- struct{}{}
		}
	}
	ran := p.work(0, gen)
	slept := false
	if !spinUntil(func() bool { return p.done.Load() == int64(j.tasks) }) {
		slept = true
		// A worker the OS stopped holds a task: sleep, so that it can have this
		// core, unless the last task finished between the check and setting
		// waiting; then whichever side takes the caller off waiting decides.
		p.waiting.Store(true)
		if p.done.Load() != int64(j.tasks) || !p.waiting.CompareAndSwap(true, false) {
			<-p.wakeup
		}
	}
	p.job = job{} // drop the references to the caller's slices
	p.busy.watch(j.tasks-ran, j.tasks-(j.tasks+p.threads-1)/p.threads, slept)
}

// busy decides, by measuring, whether jobs go faster on the workers or on the
// caller alone. On an idle machine the workers win. On a busy one, where other
// programs hold the cores, the OS runs each of the pool's threads only part of
// the time: a spinning worker takes CPU from the caller and from the other
// programs, it misses its tasks (the caller runs them after its own), and a
// worker stopped in the middle of a task holds the caller up for the rest of
// the OS's time slice. Then the caller alone can be faster, and the workers
// sleep.
//
// So the pool times its jobs in windows of at least window, and now and then
// runs a shorter one the other way: it switches when that window's time per
// job beats the one before by more than a twentieth. Each try that loses doubles
// the windows until the next, up to maxEvery; after a switch the next try
// comes after firstTry windows. The caller tries running alone sooner than
// every maxEvery windows only after a window in which the workers ran less
// than nine tenths of their share of the tasks, or held it up: on an idle
// machine they do not, and it seldom pays for a try. (A VM whose host is busy
// can make two threads slower than one while the workers take their share:
// the tries every maxEvery windows find that.) The tasks are the same either
// way, so results do not change.
type busy struct {
	alone      bool          // the caller runs the jobs alone
	trying     bool          // this window runs them the other way
	began      time.Time     // when this window's first job started
	jobs       int           // jobs started in this window
	ran, share int           // tasks the workers ran in this window, of their share
	held       bool          // the caller waited on a stopped worker in this window
	kept       time.Duration // time per job of the last window run the kept way
	windows    int           // windows since the last try
	every      int           // windows between two tries
}

const (
	window    = 30 * time.Millisecond
	tryWindow = window / 3 // a try that loses costs less
	firstTry  = 32
	maxEvery  = 64
)

// next counts a job and reports whether the caller runs it alone.
func (b *busy) next() bool {
	now := time.Now()
	length := window
	if b.trying || b.kept == 0 {
		length = tryWindow // the first window is short too, in case it is the slower way
	}
	if b.jobs == 0 {
		b.began = now
	} else if took := now.Sub(b.began); took >= length {
		b.judge(took / time.Duration(b.jobs))
		b.began, b.jobs = now, 0
	}
	b.jobs++
	return b.alone != b.trying
}

// watch counts the tasks the workers ran in a job run on them, of their share
// (all but the caller's), and whether the caller had to sleep waiting for one.
func (b *busy) watch(ran, share int, slept bool) {
	b.ran += ran
	b.share += share
	b.held = b.held || slept
}

// judge takes the time per job of the window that ended.
func (b *busy) judge(perJob time.Duration) {
	lagged := b.held || 10*b.ran < 9*b.share
	b.ran, b.share, b.held = 0, 0, false
	if !b.trying {
		b.kept = perJob
		b.windows++
		b.trying = b.windows >= b.every && (b.alone || lagged) || b.windows >= maxEvery
		return
	}
	b.trying, b.windows = false, 0
	if perJob < b.kept-b.kept/20 {
		b.alone, b.every = !b.alone, firstTry
	} else {
		b.every = min(max(2*b.every, firstTry), maxEvery)
	}
}
