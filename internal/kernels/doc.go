// Package kernels holds the dense float32 products that training and eval use,
// row-blocked across a persistent pool of workers, and a vectorised tanh.
//
// All matrices are row-major flat slices. Every output element is computed by
// exactly one worker, as a chain of multiply-adds in increasing k, whatever the
// thread count and wherever the element falls in a register tile, so results are
// bit-identical for every Pool size.
//
// Two kernel sets: a portable pure-Go one, always built, and an AVX2+FMA one
// on Go's simd/archsimd (build with GOEXPERIMENT=simd), chosen at run time when
// the CPU has those features.
package kernels
