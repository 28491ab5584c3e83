//go:build !unix

package main

import "os"

// peakRSS reports the peak resident memory unavailable: Windows keeps it (as
// the peak working set) behind the process handle, which os/exec has closed
// once the run ends, and Plan 9 and WebAssembly do not keep it.
func peakRSS(*os.ProcessState) (bytes int64, ok bool) { return 0, false }

// selfPeakRSS reports it unavailable too: this tool reads no Windows API
// beyond the standard library's.
func selfPeakRSS() (bytes int64, ok bool) { return 0, false }
