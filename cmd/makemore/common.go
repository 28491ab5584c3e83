package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	makemore "github.com/makemore/makemore"
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
	// Aliased: train.go's progress is the run's observer.
	prog "github.com/makemore/makemore/internal/progress"
	"github.com/makemore/makemore/internal/sample"
	"github.com/makemore/makemore/internal/train"
	"github.com/makemore/makemore/internal/workdir"
	"github.com/spf13/cobra"
)

var errInterrupted = errors.New("interrupted")

// bundledName labels the embedded names.txt in messages.
const bundledName = "names.txt (bundled)"

// stdinArg, given as --input-file or as a name to score, reads stdin instead.
const stdinArg = "-"

// addInputFlag adds --input-file/-i to cmd; usage says what the file is for.
func addInputFlag(cmd *cobra.Command, input *string, usage string) {
	cmd.Flags().VarP(&pathValue{input, "a words file"}, "input-file", "i", usage+" (- for stdin; default: the bundled names.txt)")
}

// readWords reads the words file of --input-file: the one at path, stdin
// for "-", or the bundled names.txt when path is empty.
func readWords(path string, stdin io.Reader, m prog.Meter) (*data.File, error) {
	switch path {
	case "":
		return data.Parse(bundledName, makemore.Names)
	case stdinArg:
		return data.Read("stdin", stdin, m.Phase("reading stdin"))
	}
	return data.ReadFile(path, "--input-file", m.Phase("reading "+path))
}

// speller turns a name given on the command line or stdin into the model's
// spelling: in NFC, as words files are read, and in lowercase when the model
// knows no capital letters, since "Emma" can then only mean "emma".
type speller struct {
	lower bool
	log   logger
	told  bool // the lowercase note is printed once per run
}

func newSpeller(vocab *data.Vocab, log logger) *speller {
	return &speller{lower: !strings.ContainsFunc(vocab.String(), unicode.IsUpper), log: log}
}

func (s *speller) spell(name string) string {
	name = data.Normalize(name)
	if !s.lower {
		return name
	}
	lower := data.Normalize(strings.ToLower(name))
	if lower != name && !s.told {
		s.log.printf("makemore: the model knows no capital letters, so names are read in lowercase (%q as %q)", name, lower)
		s.told = true
	}
	return lower
}

// addWorkDirFlag adds --work-dir/-o to cmd; usage says what the command finds there.
func addWorkDirFlag(cmd *cobra.Command, dir *string, usage string) {
	*dir = "out"
	cmd.Flags().VarP(&pathValue{dir, "a directory"}, "work-dir", "o", usage)
}

// addBestFlag adds --best to cmd: read the work dir's best model instead of
// its last.
func addBestFlag(cmd *cobra.Command, best *bool) {
	cmd.Flags().BoolVar(best, "best", false, "use the model of the lowest val probe (train --keep-best: WORK-DIR/best.safetensors) instead of the last")
}

// loadCheckpoint reads the work dir's last model, or with best its best one.
func loadCheckpoint(dir string, best bool) (*workdir.Checkpoint, error) {
	if best {
		return workdir.LoadBest(dir)
	}
	return workdir.Load(dir)
}

// addThreadsFlag adds --threads/-j to cmd, for newPool.
func addThreadsFlag(cmd *cobra.Command, threads *int) {
	cmd.Flags().IntVarP(threads, "threads", "j", defaultThreads(), "worker threads for the matrix products")
}

// maxThreads bounds --threads: the products are split by rows, so more
// workers than this only spin; a typo like -j 1000000 must not start a million.
const maxThreads = 256

// newPool starts the workers of --threads.
func newPool(threads int) (*kernels.Pool, error) {
	if threads < 1 || threads > maxThreads {
		return nil, usagef("--threads must be between 1 and %d, got %d", maxThreads, threads)
	}
	return kernels.NewPool(threads), nil
}

// modelFlags are the shape of a freshly initialised model and of its
// minibatch, as train and gradcheck take them.
type modelFlags struct {
	embd, hidden, block, batch, layers, heads int
	arch, activation, preset                  string
	gain, dropout                             float64
	batchnorm                                 bool
	// blockSet says --block-size was given: a sequence model otherwise
	// takes its words' longest, plus one for the end.
	blockSet bool
	// Set by a preset only: the lectures' choices that have no flag.
	noBias, outputBN bool
}

func addModelFlags(cmd *cobra.Command, f *modelFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.preset, "preset", "", "a configuration and schedule: "+strings.Join(train.PresetNames, ", ")+"; flags given as well override it")
	fl.StringVar(&f.arch, "model", model.ArchMLP, "mlp, wavenet (lecture 5: pairs of positions joined level by level; block size a power of two), or one of makemore.py's: transformer, rnn, gru, bow, bigram, and lstm (ours); makemore.py's models take its shape and AdamW settings unless flags say otherwise")
	fl.StringVar(&f.activation, "activation", model.ActTanh, "tanh, relu or gelu")
	fl.IntVar(&f.layers, "n-layer", 0, "hidden blocks of Linear → BatchNorm → activation (default 1 for mlp; a wavenet has log2 of the block size); a transformer's blocks (default 4)")
	fl.IntVar(&f.heads, "n-head", 4, "a transformer's attention heads per block; n-embd must be a multiple of it")
	fl.Float64Var(&f.dropout, "dropout", 0, "a transformer's residual dropout in training: the probability each attention and MLP output value is dropped (0: none, as makemore.py)")
	fl.BoolVar(&f.batchnorm, "batchnorm", true, "batchnorm after every hidden Linear; --batchnorm=false: Linear (with bias) → activation, as lecture 3 before batchnorm (a preset also drops its logits' batchnorm and takes the activation's --gain)")
	fl.IntVar(&f.embd, "n-embd", 10, "embedding width per character")
	fl.IntVar(&f.hidden, "n-hidden", 200, "hidden units per block; an rnn's, gru's or lstm's state, a bow's MLP (makemore.py's n_embd2)")
	fl.IntVar(&f.block, "block-size", 3, "context length in characters; makemore.py's models' longest word plus its end (default: the words file's)")
	fl.IntVarP(&f.batch, "batch-size", "b", 32, "examples per minibatch (at least 2 with batchnorm, which needs a variance)")
	fl.Float64Var(&f.gain, "gain", 0, "initial weights of the hidden Linears N(0, (gain/√fan_in)²); 0: the activation's (5/3 tanh, √2 relu and gelu)")
}

// applyPreset gives the flags the command line did not set the values of
// the --preset named, or with no preset those of the model named when it
// has defaults of its own (makemore.py's models: train.MakemorePy), and returns
// the preset's schedule and optimizer for the command to take the same way.
// ok is false when there is neither.
func (f *modelFlags) applyPreset(cmd *cobra.Command) (p train.Preset, ok bool, err error) {
	f.blockSet = cmd.Flags().Changed("block-size")
	switch {
	case f.preset != "":
		if p, ok = train.Presets[f.preset]; !ok {
			return p, false, usagef("--preset must be one of %s, got %q", strings.Join(train.PresetNames, ", "), f.preset)
		}
	case train.MakemorePy[f.arch].BatchSize > 0:
		p = train.MakemorePy[f.arch]
	default:
		return p, false, f.checkArchFlags(cmd)
	}
	transformer := p.Model.Arch == model.ArchTransformer
	if cmd.Flags().Changed("model") {
		transformer = f.arch == model.ArchTransformer
	}
	setUnchanged(cmd, map[string]func(){
		"n-head": func() { f.heads = p.Model.Heads },
		"dropout": func() {
			if transformer { // a preset's dropout is its transformer's
				f.dropout = p.Model.Dropout
			}
		},
		"model":      func() { f.arch = p.Model.Canonical().Arch },
		"activation": func() { f.activation = p.Model.Canonical().Activation },
		"n-layer":    func() { f.layers = p.Model.Layers },
		// A bigram's are its vocabulary's (see model.Config.Canonical).
		"n-embd": func() {
			if p.Model.Arch != model.ArchBigram {
				f.embd = p.Model.Embd
			}
		},
		"n-hidden": func() {
			if p.Model.Arch != model.ArchBigram {
				f.hidden = p.Model.Canonical().Hidden
			}
		},
		"block-size": func() {
			if p.Model.Block > 0 { // else a sequence model's words say (see config)
				f.block = p.Model.Block
			}
		},
		"batch-size": func() { f.batch = p.BatchSize },
		"gain": func() {
			f.gain = p.Model.Gain
			if !f.batchnorm {
				// The presets' gain 1 is the lectures' choice with batchnorm,
				// which divides it out; without, the activation's keeps
				// the activations at scale (lecture 3).
				f.gain = 0
			}
		},
	})
	f.noBias, f.outputBN = p.Model.NoBias, p.Model.OutputBN
	return p, true, f.checkArchFlags(cmd)
}

// checkArchFlags refuses a flag the chosen model has no use for, which it
// would otherwise ignore.
func (f *modelFlags) checkArchFlags(cmd *cobra.Command) error {
	cfg := model.Config{Arch: f.arch}
	if cfg.Sequence() {
		for _, name := range []string{"activation", "gain", "batchnorm"} {
			if cmd.Flags().Changed(name) {
				return usagef("--%s is the MLPs'; --model %s has no batchnorm and activations of its own", name, f.arch)
			}
		}
	}
	changed := func(name string) bool { return cmd.Flags().Changed(name) }
	switch {
	case f.arch == model.ArchTransformer && changed("n-hidden"):
		return usagef("--n-hidden is not a transformer's: its MLP is 4 × n-embd wide")
	case f.arch == model.ArchBigram && (changed("n-embd") || changed("n-hidden") || changed("n-layer")):
		return usagef("a bigram is its table of logits, vocabulary × vocabulary: it takes no --n-embd, --n-hidden or --n-layer")
	case cfg.Sequence() && f.arch != model.ArchTransformer && changed("n-layer") && f.layers != 1:
		return usagef("--n-layer: --model %s has one layer", f.arch)
	case f.arch != model.ArchTransformer && changed("n-head"):
		return usagef("--n-head is the transformer's (--model transformer)")
	case f.arch == model.ArchTransformer && f.heads < 1:
		return usagef("--n-head must be at least 1, got %d", f.heads)
	}
	return nil
}

// setUnchanged calls the setter of every flag the command line did not set.
func setUnchanged(cmd *cobra.Command, setters map[string]func()) {
	for name, set := range setters {
		if !cmd.Flags().Changed(name) {
			set()
		}
	}
}

// validate checks what can be checked before the words file is read.
func (f modelFlags) validate() error {
	for _, s := range []struct {
		flag string
		v    int
		max  int
	}{{"--n-embd", f.embd, model.MaxDim}, {"--n-hidden", f.hidden, model.MaxDim}, {"--block-size", f.block, model.MaxBlock}, {"--batch-size", f.batch, model.MaxBatch}} {
		if s.v < 1 || s.v > s.max {
			return usagef("%s must be between 1 and %d, got %d", s.flag, s.max, s.v)
		}
	}
	switch {
	case !(f.dropout >= 0 && f.dropout < 1):
		return usagef("--dropout must be at least 0 and below 1, got %v", f.dropout)
	case f.dropout > 0 && f.arch != model.ArchTransformer:
		return usagef("--dropout is the transformer's (--model transformer)")
	case !(f.gain >= 0) || math.IsInf(f.gain, 0):
		return usagef("--gain must be a finite number, 0 or more, got %v", f.gain)
	case f.layers < 0 || f.layers > model.MaxLayers:
		return usagef("--n-layer must be between 1 and %d, got %d", model.MaxLayers, f.layers)
	case !slices.Contains(model.ArchNames, f.arch):
		return usagef("--model must be one of %s, got %q", strings.Join(model.ArchNames, ", "), f.arch)
	case !slices.Contains(model.ActivationNames, f.activation):
		return usagef("--activation must be one of %s, got %q", strings.Join(model.ActivationNames, ", "), f.activation)
	case f.arch == model.ArchWaveNet && (f.block < 2 || f.block&(f.block-1) != 0):
		return usagef("--block-size must be a power of two (2, 4, 8, …) for --model wavenet, which halves it at every level; got %d", f.block)
	}
	return nil
}

// config is the model of these flags over the vocabulary of words, which must
// also be small enough for this build, with its batch.
func (f modelFlags) config(words *data.File, vocab *data.Vocab) (model.Config, error) {
	cfg := model.Config{Vocab: vocab.Size(), Block: f.block, Embd: f.embd, Hidden: f.hidden,
		Arch: f.arch, Activation: f.activation, Layers: f.layers, NoBias: f.noBias, OutputBN: f.outputBN, Gain: f.gain, Heads: f.heads, Dropout: f.dropout}
	if cfg.Sequence() && !f.blockSet {
		cfg.Block = words.MaxLen() + 1
	}
	if err := cfg.FitsWords(words.MaxLen()); err != nil {
		return model.Config{}, fmt.Errorf("%s: %v", words.Name, err)
	}
	if !f.batchnorm && !cfg.Sequence() {
		// A preset drops the hidden biases because the batchnorm after each
		// cancels them, and part3 normalises its logits: without batchnorm
		// the biases count again, and there is no batchnorm to put anywhere.
		cfg.NoBN, cfg.NoBias, cfg.OutputBN = true, false, false
	}
	if err := cfg.Validate(); err != nil {
		return model.Config{}, usagef("%s: %v", words.Name, err)
	}
	net, _ := cfg.Network() // valid, as Validate said
	if err := net.CheckBatch(f.batch); err != nil {
		return model.Config{}, usagef("--batch-size: %v", err)
	}
	return cfg, nil
}

// newSampler returns a sampler of the checkpoint's model, on a pool of its own
// to close: one worker, since it runs one row at a time and there is nothing
// to split.
func newSampler(ck *workdir.Checkpoint) (*sample.Sampler, *kernels.Pool) {
	pool := kernels.NewPool(1)
	return sample.New(ck.Model, pool, ck.Vocab, ck.Meta.MaxWordLen), pool
}

// logger prints progress and diagnostics to a command's stderr, keeping
// stdout for results; --quiet silences it.
type logger struct {
	w       io.Writer
	display *prog.Display // the phases' progress, on w
}

func newLogger(cmd *cobra.Command) logger {
	w := cmd.ErrOrStderr()
	if quiet, _ := cmd.Flags().GetBool("quiet"); quiet {
		w = io.Discard
	}
	return logger{w, prog.NewDisplay(w)}
}

// outputPhase starts the phase name of writing to out, unless out is a
// terminal, where the lines written show the progress and a bar on the same
// screen would break them.
func (l logger) outputPhase(out io.Writer, name string) prog.Func {
	if f := fileOf(out); f != nil && prog.IsTerminal(f) {
		return nil
	}
	return l.display.Phase(name)
}

// fileOf is the file out writes to, seen through run's errWriter; nil when
// out is not a file (a test's buffer).
func fileOf(out io.Writer) *os.File {
	if e, ok := out.(*errWriter); ok {
		out = e.w
	}
	f, _ := out.(*os.File)
	return f
}

// flushEvery is how long a line may wait in a buffer before its reader gets
// it. A write per line would cost sample into a pipe two thirds more CPU time
// (100,000 names: 1.9 s against 3.2–3.5 s); at this interval a fast stream
// still takes one write for hundreds of lines.
const flushEvery = 50 * time.Millisecond

// lineWriter buffers lines that a reader may act on as they come, in a pipe
// or on a terminal: at the end of a line it flushes when its last flush is
// older than flushEvery. So the first line goes out at once, and each other
// waits at most flushEvery and the making of the line after it.
type lineWriter struct {
	*bufio.Writer
	last time.Time
}

func newLineWriter(w io.Writer) *lineWriter { return &lineWriter{Writer: bufio.NewWriter(w)} }

// endLine follows each line written; its error is a failed flush.
func (w *lineWriter) endLine() error {
	if now := time.Now(); now.Sub(w.last) >= flushEvery {
		w.last = now
		return w.Flush()
	}
	return nil
}

func (l logger) printf(format string, args ...any) {
	fmt.Fprintf(l.w, format+"\n", args...)
}

// addEvalExamplesFlag adds --eval-examples to cmd, which checkEvalExamples
// validates.
func addEvalExamplesFlag(cmd *cobra.Command, n *int) {
	cmd.Flags().IntVar(n, "eval-examples", train.DefaultEvalExamples, "the most examples of a split to measure the loss over (and, in train, to calibrate batchnorm on): a bigger split's are a uniform random sample of that many, drawn from the seed (0: all)")
}

func checkEvalExamples(n int) error {
	if n < 0 {
		return usagef("--eval-examples must be 0 (every example) or more, got %d", n)
	}
	return nil
}

// lossLine is a split's loss as train and eval print it; over a sample, with
// its size and standard error. The error has two digits of its own: one far
// below the loss's last would print as 0.0000.
func lossLine(split string, l train.SplitLoss) string {
	if !l.Sampled() {
		return fmt.Sprintf("%s %.4f\n", split, l.Mean)
	}
	return fmt.Sprintf("%s %.4f (%s of %s examples, standard error %#.2g)\n", split, l.Mean, thousands(l.Examples), thousands(l.Of), l.SE)
}

// thousands writes n ≥ 0 with a comma between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// sampleJSON is, in --json beside a split's loss, the sample it was measured
// over; a loss over every example has none.
type sampleJSON struct {
	Examples int     `json:"examples"`
	Of       int     `json:"of"`
	SE       float64 `json:"se"`
}

func sampleOf(l train.SplitLoss) *sampleJSON {
	if !l.Sampled() {
		return nil
	}
	return &sampleJSON{Examples: l.Examples, Of: l.Of, SE: l.SE}
}
