package kernels

import (
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

func TestBusyKeepsTheFasterWay(t *testing.T) {
	var b busy
	// run judges windows until and including the next try, each taking
	// workers or alone per job by the way it ran, and returns how many windows
	// ran the kept way.
	run := func(workers, alone time.Duration) int {
		took := func(onAlone bool) time.Duration {
			if onAlone {
				return alone
			}
			return workers
		}
		kept := 0
		for ; !b.trying; kept++ {
			if !b.alone {
				b.watch(8, 10, false) // the workers lag
			}
			b.judge(took(b.alone))
		}
		b.judge(took(!b.alone))
		return kept
	}
	if run(100, 99); b.alone {
		t.Fatal("switched to the caller alone for a 1% gain; it takes more than 5%")
	}
	for _, want := range []int{firstTry, min(2*firstTry, maxEvery), min(4*firstTry, maxEvery)} {
		if got := run(100, 99); got != want {
			t.Fatalf("%d windows between tries, want %d: each lost try doubles them", got, want)
		}
	}
	for range 10 {
		run(100, 99)
	}
	if b.every != maxEvery {
		t.Fatalf("%d windows between tries after many lost ones, want the cap %d", b.every, maxEvery)
	}
	if run(100, 80); !b.alone || b.every != firstTry {
		t.Fatalf("alone %v, every %d after a try 20%% faster than the workers: want alone, every %d", b.alone, b.every, firstTry)
	}
	if run(100, 80); !b.alone {
		t.Fatal("went back to the workers, which are slower")
	}
	if run(90, 100); b.alone {
		t.Fatal("stayed alone when the workers became 10% faster")
	}
}

func TestBusyTriesAloneOnlyWhenTheWorkersLag(t *testing.T) {
	var b busy
	for range maxEvery - 1 {
		b.watch(9, 10, false)
		if b.judge(100); b.trying {
			t.Fatal("tried the caller alone while the workers ran nine tenths of their share")
		}
	}
	if b.judge(100); !b.trying {
		t.Fatalf("no try of the caller alone in %d windows", maxEvery)
	}
	b.judge(200)
	if b.alone || b.trying {
		t.Fatal("a try that lost did not end, or switched")
	}
	for range b.every - 1 {
		b.judge(100)
	}
	b.watch(10, 10, true)
	if b.judge(100); !b.trying {
		t.Fatal("did not try the caller alone after it waited on a stopped worker")
	}
}

func TestBusyTimesWindows(t *testing.T) {
	var b busy
	if b.next() {
		t.Fatal("a new pool starts alone; it should start on its workers")
	}
	b.watch(0, 1, false)
	b.began = b.began.Add(-2 * window) // as if the window had run that long
	b.next()
	if b.jobs != 1 || b.kept < window || !b.trying {
		t.Fatalf("after a window: jobs %d, kept %v, trying %v; want 1, at least %v per job, and a try", b.jobs, b.kept, b.trying, window)
	}
	if !b.next() {
		t.Fatal("the try of the caller alone ran on the workers")
	}
}

// TestPoolWaitsForAStoppedWorker stops a worker in the middle of its task, as
// the OS does on a busy machine: the caller must sleep until the task is done
// and be woken. Then jobs run on the caller alone give the same results.
func TestPoolWaitsForAStoppedWorker(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	deadline := time.Now().Add(20 * time.Second)
	var started atomic.Bool
	var ran [2]atomic.Bool
	p.Parallel(2, func(w, i int) {
		if w != 0 {
			started.Store(true)
			time.Sleep(2 * spinFor) // stopped with its task in hand, past the caller's spin
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

	m, k, n := 256, 48, 40
	r := rand.New(rand.NewPCG(1, 2))
	a, b := randSlice(r, m*k), randSlice(r, k*n)
	alone, split := make([]float32, m*n), make([]float32, m*n)
	p.MatMul(split, a, b, nil, m, k, n)
	p.busy = busy{alone: true}
	p.Parallel(4, func(w, i int) {
		if w != 0 {
			t.Errorf("task %d ran on worker %d while the caller ran jobs alone", i, w)
		}
	})
	splits := p.Splits()
	p.MatMul(alone, a, b, nil, m, k, n)
	if p.Splits() == splits {
		t.Fatal("the product was not split into tasks; make it bigger")
	}
	if !slices.Equal(alone, split) {
		t.Fatal("a product run on the caller alone differs from the split one")
	}
}
