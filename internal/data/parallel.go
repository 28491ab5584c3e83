package data

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// inParallel calls do(k) for every k in [0, n), on as many goroutines as
// GOMAXPROCS allows, and returns when all are done. Each k is done once, by
// whichever goroutine comes to it first: what do computes must depend on k
// alone, so that results do not depend on the number of threads.
func inParallel(n int, do func(k int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for k := int(next.Add(1) - 1); k < n; k = int(next.Add(1) - 1) {
				do(k)
			}
		})
	}
	wg.Wait()
}

// pieceTokens is how many tokens a goroutine takes at a time over a run of
// them: enough that handing them out costs nothing next to their work.
const pieceTokens = 1 << 20

// inPieces calls do(lo, hi) for pieces [lo, hi) that make up [0, n), as
// inParallel does.
func inPieces(n int, do func(lo, hi int)) {
	inParallel((n+pieceTokens-1)/pieceTokens, func(k int) {
		do(k*pieceTokens, min((k+1)*pieceTokens, n))
	})
}
