//go:build unix

package main

import (
	"os"
	"runtime"
	"syscall"
)

// peakRSS is the peak resident memory of a finished process in bytes; ok is
// false where the system does not keep it (Solaris and illumos report 0).
func peakRSS(ps *os.ProcessState) (bytes int64, ok bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, false
	}
	return maxRSS(ru)
}

// selfPeakRSS is this process's peak resident memory so far, as peakRSS.
func selfPeakRSS() (bytes int64, ok bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return maxRSS(&ru)
}

func maxRSS(ru *syscall.Rusage) (bytes int64, ok bool) {
	if ru.Maxrss <= 0 {
		return 0, false
	}
	// ru_maxrss is in bytes on Apple's systems, in KiB on the others.
	unit := int64(1024)
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		unit = 1
	}
	return int64(ru.Maxrss) * unit, true
}
