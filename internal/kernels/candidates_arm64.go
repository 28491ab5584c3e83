package kernels

// candidates are the kernel sets this build has, by priority: the first one
// the CPU supports is used unless MAKEMORE_KERNELS names another.
var candidates = []kernelSet{neonSet, portableSet}
