//go:build !amd64 && !arm64

package kernels

// candidates are the kernel sets this build has: on this architecture only
// the portable one.
var candidates = []kernelSet{portableSet}
