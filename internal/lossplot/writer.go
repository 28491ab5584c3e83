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

// Writer writes a log of training steps as the run goes, a CSV line per
// logged step beginning with the step: the loss log, or another log of the
// same kind (train --diagnostics' update log). Lines are written out at each
// Flush, so that a log flushed with each checkpoint holds exactly the steps
// the checkpoint has taken.
type Writer struct {
	path string
	what string // "loss log", for messages
	f    *os.File
	w    *bufio.Writer
	buf  []byte
}

// OpenWriter opens the loss log at path for a run at step from: the lines of
// earlier steps are kept (a resumed run continues the log), any later ones
// dropped.
func OpenWriter(path string, from int) (*Writer, error) {
	return OpenLog(path, Header, "loss log", from)
}

// OpenLog opens the log at path, whose first line is header and which what
// names in messages, for a run at step from, as OpenWriter.
func OpenLog(path, header, what string, from int) (*Writer, error) {
	var kept []byte
	if from > 0 {
		old, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: cannot read the %s: %v", path, what, fileio.Cause(err))
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
	if err := fileio.WriteAtomic(path, append([]byte(header+"\n"), kept...)); err != nil {
		return nil, fmt.Errorf("%s: cannot write the %s: %v", path, what, fileio.Cause(err))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot write the %s: %v", path, what, fileio.Cause(err))
	}
	return &Writer{path: path, what: what, f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
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

// AddValues logs step's values, each with 5 decimals.
func (l *Writer) AddValues(step int, vals []float64) {
	b := strconv.AppendInt(l.buf[:0], int64(step), 10)
	for _, v := range vals {
		b = append(b, ',')
		b = strconv.AppendFloat(b, v, 'f', 5, 64)
	}
	l.buf = append(b, '\n')
	l.w.Write(l.buf)
}

// Flush writes out the lines added so far.
func (l *Writer) Flush() error {
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("%s: cannot write the %s: %v", l.path, l.what, fileio.Cause(err))
	}
	return nil
}

// Close flushes and closes the log.
func (l *Writer) Close() error {
	err := l.Flush()
	if cerr := l.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%s: cannot write the %s: %v", l.path, l.what, fileio.Cause(cerr))
	}
	return err
}
