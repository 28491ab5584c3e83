//go:build !linux

package data

// populate is Linux's way to back memory at once; elsewhere pages come as
// they are first written.
func populate([]byte) {}
