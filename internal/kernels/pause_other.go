//go:build !amd64

package kernels

// spinPause is the pool's pause between two polls of a spin-wait: on this
// architecture, none.
func spinPause(int) {}
