package lossplot

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/makemore/makemore/internal/fileio"
)

// Writer writes a loss log as training runs: one line per step, written out
// at each Flush, so that a log flushed with each checkpoint holds exactly the
// steps the checkpoint has taken.
type Writer struct {
	path string
	f    *os.File
	w    *bufio.Writer
	buf  []byte
}

// OpenWriter opens the log at path for a run at step from: the lines of
// earlier steps are kept (a resumed run continues the log), any later ones
// dropped.
func OpenWriter(path string, from int) (*Writer, error) {
	var kept []byte
	if from > 0 {
		old, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: cannot read the loss log: %v", path, fileio.Cause(err))
		}
		for _, line := range bytes.SplitAfter(old, []byte("\n")) {
			comma := bytes.IndexByte(line, ',')
			step, err := strconv.Atoi(string(line[:max(comma, 0)]))
			if err == nil && step < from && bytes.HasSuffix(line, []byte("\n")) {
				kept = append(kept, line...)
			}
		}
	}
	// The kept lines are rewritten atomically and only then appended to, so a
	// crash early in a resumed run cannot lose the history.
	if err := fileio.WriteAtomic(path, append([]byte(Header+"\n"), kept...)); err != nil {
		return nil, fmt.Errorf("%s: cannot write the loss log: %v", path, fileio.Cause(err))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot write the loss log: %v", path, fileio.Cause(err))
	}
	return &Writer{path: path, f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
}

// Add logs step's minibatch loss and learning rate, and the val loss probed
// after it unless val is NaN.
func (l *Writer) Add(step int, loss, lr float32, val float64) {
	b := strconv.AppendInt(l.buf[:0], int64(step), 10)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(loss), 'f', 6, 32)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(lr), 'g', -1, 32)
	b = append(b, ',')
	if !math.IsNaN(val) {
		b = strconv.AppendFloat(b, val, 'f', 6, 64)
	}
	l.buf = append(b, '\n')
	l.w.Write(l.buf) // a failed write is kept by the bufio.Writer and reported by Flush
}

// Flush writes out the lines added so far.
func (l *Writer) Flush() error {
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("%s: cannot write the loss log: %v", l.path, fileio.Cause(err))
	}
	return nil
}

// Close flushes and closes the log.
func (l *Writer) Close() error {
	err := l.Flush()
	if cerr := l.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%s: cannot write the loss log: %v", l.path, fileio.Cause(cerr))
	}
	return err
}
