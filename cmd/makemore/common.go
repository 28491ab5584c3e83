package main

import (
	"errors"
	"fmt"
	"io"

	makemore "github.com/makemore/makemore"
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/sample"
	"github.com/makemore/makemore/internal/workdir"
	"github.com/spf13/cobra"
)

var errInterrupted = errors.New("interrupted")

// bundledName labels the embedded names.txt in messages.
const bundledName = "names.txt (bundled)"

// addInputFlag adds --input-file/-i to cmd; usage says what the file is for.
func addInputFlag(cmd *cobra.Command, input *string, usage string) {
	cmd.Flags().StringVarP(input, "input-file", "i", "", usage+" (default: the bundled names.txt)")
}

// readWords reads the words file of --input-file: the one at path, or the
// bundled names.txt when path is empty.
func readWords(path string) (*data.File, error) {
	if path == "" {
		return data.Parse(bundledName, makemore.Names)
	}
	return data.ReadFile(path)
}

// addWorkDirFlag adds --work-dir/-o to cmd; usage says what the command finds there.
func addWorkDirFlag(cmd *cobra.Command, dir *string, usage string) {
	cmd.Flags().StringVarP(dir, "work-dir", "o", "out", usage)
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
	embd, hidden, block, batch int
}

func addModelFlags(cmd *cobra.Command, f *modelFlags) {
	fl := cmd.Flags()
	fl.IntVar(&f.embd, "n-embd", 10, "embedding width per character")
	fl.IntVar(&f.hidden, "n-hidden", 200, "hidden units")
	fl.IntVar(&f.block, "block-size", 3, "context length in characters")
	fl.IntVarP(&f.batch, "batch-size", "b", 32, "examples per minibatch (at least 2: batchnorm needs a variance)")
}

// validate checks what can be checked before the words file is read.
func (f modelFlags) validate() error {
	if f.batch < model.MinBatch {
		return usagef("--batch-size must be at least %d (batchnorm needs two rows for a variance), got %d", model.MinBatch, f.batch)
	}
	for _, s := range []struct {
		flag string
		v    int
		max  int
	}{{"--n-embd", f.embd, model.MaxDim}, {"--n-hidden", f.hidden, model.MaxDim}, {"--block-size", f.block, model.MaxBlock}, {"--batch-size", f.batch, model.MaxBatch}} {
		if s.v < 1 || s.v > s.max {
			return usagef("%s must be between 1 and %d, got %d", s.flag, s.max, s.v)
		}
	}
	return nil
}

// config is the model of these flags over the vocabulary of words, which must
// also be small enough for this build, with its batch.
func (f modelFlags) config(words *data.File, vocab *data.Vocab) (model.Config, error) {
	cfg := model.Config{Vocab: vocab.Size(), Block: f.block, Embd: f.embd, Hidden: f.hidden}
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
	return sample.New(ck.Model, model.NewEvaluator(ck.Model, pool), ck.Vocab, ck.Meta.MaxWordLen), pool
}

// logger prints progress and diagnostics to a command's stderr, keeping
// stdout for results; --quiet silences it.
type logger struct{ w io.Writer }

func newLogger(cmd *cobra.Command) logger {
	if quiet, _ := cmd.Flags().GetBool("quiet"); quiet {
		return logger{io.Discard}
	}
	return logger{cmd.ErrOrStderr()}
}

func (l logger) printf(format string, args ...any) {
	fmt.Fprintf(l.w, format+"\n", args...)
}
