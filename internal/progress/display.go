package progress

import (
	"fmt"
	"io"
	"os"
	"time"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// DelayEnv names the environment variable that sets Display's delay (a Go
// duration such as 0s or 5s): a phase shorter than it shows nothing.
const DelayEnv = "MAKEMORE_PROGRESS_AFTER"

// minBarCells is the narrowest bar worth drawing; a terminal with no room
// for it gets plain lines, as a wrapped bar leaves a new line per redraw.
const minBarCells = 10

// lineEvery is how often plain lines tell how far a long phase has come.
const lineEvery = 10 * time.Second

// Display shows a command's phases on its stderr: a bar on a terminal that
// has room for it, plain lines otherwise. A phase that ends within the delay
// (a second by default) shows nothing; a longer one ends with a line giving
// its time. Reports come from one goroutine at a time.
type Display struct {
	w     io.Writer
	cols  int // the terminal's width; 0 when w is not a terminal: plain lines
	delay time.Duration
	now   func() time.Time
	cur   *phase
	steps *progressbar.ProgressBar // the run's bar (see Steps), put aside while a phase draws its own
}

type phase struct {
	name        string
	start, line time.Time // when the phase began and its last plain line
	bar         *progressbar.ProgressBar
	done        bool
}

// NewDisplay returns a display on w: bars if w is a terminal (and NO_COLOR
// is not set), plain lines otherwise. The delay is DelayEnv's, or a second.
func NewDisplay(w io.Writer) *Display {
	cols := 0
	if IsTerminal(w) && os.Getenv("NO_COLOR") == "" {
		if c, _, err := term.GetSize(int(w.(*os.File).Fd())); err == nil {
			cols = c
		}
	}
	delay := time.Second
	if d, err := time.ParseDuration(os.Getenv(DelayEnv)); err == nil && d >= 0 {
		delay = d
	}
	return newDisplay(w, cols, delay, time.Now)
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newDisplay(w io.Writer, cols int, delay time.Duration, now func() time.Time) *Display {
	return &Display{w: w, cols: cols, delay: delay, now: now}
}

// Phase starts the phase name, ending one left unfinished, and returns what
// reports its progress; use it as a Meter.
func (d *Display) Phase(name string) Func {
	d.Close()
	t := d.now()
	p := &phase{name: name, start: t, line: t}
	d.cur = p
	return func(done, total int64) { d.report(p, done, total) }
}

func (d *Display) report(p *phase, done, total int64) {
	if p != d.cur || p.done {
		return // a phase that ended
	}
	now := d.now()
	elapsed := now.Sub(p.start)
	switch {
	case done >= total:
		d.end(p, elapsed)
	case elapsed < d.delay:
	case p.bar != nil:
		p.bar.Set64(done)
	case d.cols > 0 && d.fits(p.name, total, ""):
		d.clearSteps()
		p.bar = d.newBar(total, p.name, "")
		p.bar.Set64(done)
	case now.Sub(p.line) >= lineEvery:
		p.line = now
		d.Println(fmt.Sprintf("makemore: %s: %d%%", p.name, done*100/max(total, 1)))
	}
}

func (d *Display) end(p *phase, elapsed time.Duration) {
	p.done = true
	if p.bar != nil {
		p.bar.Finish() // cleared: the line below says it all
	}
	if elapsed >= d.delay {
		d.Println(fmt.Sprintf("makemore: %s: done in %.1fs", p.name, elapsed.Seconds()))
	}
}

// Close ends the current phase, as where a command stops with an error.
func (d *Display) Close() {
	if p := d.cur; p != nil && !p.done {
		p.done = true
		if p.bar != nil {
			p.bar.Exit()
		}
	}
}

// Println prints a line, taking the run's bar off the screen first: it
// draws itself again, below, at its next update.
func (d *Display) Println(line string) {
	d.clearSteps()
	fmt.Fprintln(d.w, line)
}

// clearSteps takes the run's bar off the line; it draws itself again at its
// next update.
func (d *Display) clearSteps() {
	if d.steps != nil && !d.steps.IsFinished() {
		d.steps.Clear()
	}
}

// Steps is a training run's bar (see Display.Steps).
type Steps struct {
	bar   *progressbar.ProgressBar
	first int
}

// Steps returns the bar of a run that goes from step first to step last,
// showing the count and rate of its steps, for a description at most as
// wide as widest; or nil when the display shows plain lines (not a
// terminal, or one too narrow for such a bar) or there is no step to take.
// It counts this run's steps only, so that a resumed run's earlier ones do
// not read as done in no time, and it draws nothing before its first
// Update, where its rate would read "0 steps/hr". The display clears it
// while a phase draws its own or prints a line, and it draws itself again
// at its next update.
func (d *Display) Steps(first, last int, widest string) *Steps {
	total := int64(last - first)
	if total <= 0 || d.cols == 0 || !d.fits(widest, total, "steps") {
		return nil
	}
	d.steps = d.newBar(total, "", "steps")
	return &Steps{bar: d.steps, first: first}
}

// Update shows the run at step, described by desc. The count goes first:
// the description's redraw then falls within the bar's throttle, and no
// frame shows the new description with the old count.
func (s *Steps) Update(step int, desc string) {
	s.bar.Set(step - s.first)
	s.bar.Describe(desc)
}

// Finish takes the bar off the screen.
func (s *Steps) Finish() { s.bar.Finish() }

// fits reports whether a bar line fits the terminal at its widest, with a
// bar of minBarCells: "desc 100% |bar| (total/total, 99999 units/s) [59m59s:59m59s]".
func (d *Display) fits(desc string, total int64, units string) bool {
	n := utf8.RuneCountInString(desc) + len(" 100% |") + minBarCells + len("| ") + len("[59m59s:59m59s]")
	if units != "" {
		n += len(fmt.Sprintf("(%d/%d, 99999 %s/s) ", total, total, units))
	}
	return n < d.cols // the last column left free: a full line wraps on some terminals
}

func (d *Display) newBar(total int64, desc, units string) *progressbar.ProgressBar {
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(d.w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
	}
	if units != "" {
		opts = append(opts, progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString(units))
	}
	return progressbar.NewOptions64(total, opts...)
}
