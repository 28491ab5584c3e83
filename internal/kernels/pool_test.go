package kernels

import (
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

func TestBusyGivesWayAndBacksOff(t *testing.T) {
	window := func(b *busy, misses int) {
		for i := range judgeJobs {
			b.judge(i < misses, false)
		}
	}
	var b busy
	window(&b, judgeJobs/4-1)
	if !b.until.IsZero() {
		t.Fatalf("gave way after %d misses in %d jobs; a quarter is the threshold", judgeJobs/4-1, judgeJobs)
	}
	for _, want := range []time.Duration{minGiveWay, 2 * minGiveWay, 4 * minGiveWay} {
		window(&b, judgeJobs/4)
		if b.backoff != want || b.until.IsZero() {
			t.Fatalf("after a busy window: backoff %v (until %v), want %v", b.backoff, b.until, want)
		}
	}
	for range 20 {
		window(&b, judgeJobs)
	}
	if b.backoff != maxGiveWay {
		t.Fatalf("backoff %v after many busy windows, want the cap %v", b.backoff, maxGiveWay)
	}
	window(&b, 0)
	if b.backoff != 0 || !b.until.IsZero() || b.givingWay() {
		t.Fatalf("a clean window left backoff %v, until %v", b.backoff, b.until)
	}
	b.judge(false, true)
	if b.backoff != minGiveWay || b.until.IsZero() {
		t.Fatalf("a stopped worker did not make it give way at once: backoff %v", b.backoff)
	}
}

// TestPoolGivesWayToAStoppedWorker stops a worker in the middle of its task,
// as the OS does on a busy machine: the caller must sleep until the task is
// done, then run the next jobs alone with the same results, and go back to
// its workers once it has given way long enough.
func TestPoolGivesWayToAStoppedWorker(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	deadline := time.Now().Add(20 * time.Second)
	var started atomic.Bool
	var ran [2]atomic.Bool
	p.Parallel(2, func(w, i int) {
		if w != 0 {
			started.Store(true)
			time.Sleep(20 * spinFor) // stopped with its task in hand, for longer than twice the caller's
		} else {
			for !started.Load() && time.Now().Before(deadline) { // hold the caller until the worker has a task
				time.Sleep(10 * time.Microsecond)
			}
		}
		ran[i].Store(true)
	})
	if !started.Load() {
		t.Fatal("the worker never took a task")
	}
	if !ran[0].Load() || !ran[1].Load() {
		t.Fatal("Parallel returned before its tasks ran")
	}
	if p.busy.until.IsZero() { // not givingWay: a slow machine may have passed until already
		t.Fatal("the pool did not give way after waiting on a stopped worker")
	}

	m, k, n := 256, 48, 40
	r := rand.New(rand.NewPCG(1, 2))
	a, b := randSlice(r, m*k), randSlice(r, k*n)
	alone, split := make([]float32, m*n), make([]float32, m*n)
	p.busy.until = time.Now().Add(time.Hour)
	for range 10 {
		p.Parallel(4, func(w, i int) {
			if w != 0 {
				t.Errorf("task %d ran on worker %d while the pool gave way", i, w)
			}
		})
	}
	splits := p.Splits()
	p.MatMul(alone, a, b, nil, m, k, n)
	if p.Splits() == splits {
		t.Fatal("the product was not split into tasks; make it bigger")
	}

	p.busy = busy{}
	for back := false; !back; {
		if time.Now().After(deadline) {
			t.Fatal("the workers never took a task again after the pool stopped giving way")
		}
		p.busy = busy{} // a busy machine may make it give way again
		p.Parallel(2, func(w, i int) {
			if w != 0 {
				back = true // Parallel returns after its tasks: no race
			}
		})
	}
	p.MatMul(split, a, b, nil, m, k, n)
	if !slices.Equal(alone, split) {
		t.Fatal("a product run on the caller alone differs from the split one")
	}
}
