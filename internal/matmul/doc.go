// Package matmul holds the dense float32 products that training and eval use,
// row-blocked across a persistent pool of workers.
//
// All matrices are row-major flat slices. Every output element is computed by
// exactly one worker with the same accumulation order whatever the thread
// count, so results are bit-identical for every Pool size.
package matmul
