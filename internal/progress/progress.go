// Package progress carries how far a long phase of a command has come, from
// the packages that do the work (which never print) to the command, which
// shows it on stderr with a Display.
package progress

// Func is told that done of total units of a phase are finished; the phase
// ends when done reaches total. A nil Func ignores it.
type Func func(done, total int64)

// Report calls f unless it is nil.
func (f Func) Report(done, total int64) {
	if f != nil {
		f(done, total)
	}
}

// Meter starts a named phase and returns what reports its progress; a nil
// Meter starts phases that report to nobody.
type Meter func(phase string) Func

// Phase starts the phase name.
func (m Meter) Phase(name string) Func {
	if m == nil {
		return nil
	}
	return m(name)
}
