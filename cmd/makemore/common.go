package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	makemore "github.com/makemore/makemore"
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/sample"
	"github.com/spf13/cobra"
)

var errInterrupted = errors.New("interrupted")

// bundledName labels the embedded names.txt in messages.
const bundledName = "names.txt (bundled)"

// readWords reads the words file at path, or the bundled names.txt when path is empty.
func readWords(path string) (*data.File, error) {
	if path == "" {
		return data.Parse(bundledName, makemore.Names)
	}
	return data.ReadFile(path)
}

// checkpointPath is where a work dir keeps its model.
func checkpointPath(workDir string) string { return filepath.Join(workDir, "model.safetensors") }

// splits are the examples of the three parts of the data.
type splits struct {
	words            data.Split
	train, val, test *data.Dataset
}

func buildSplits(f *data.File, v *data.Vocab, block int, seed uint64) (*splits, error) {
	ws, err := data.SplitWords(f.Name, f.Words, seed)
	if err != nil {
		return nil, err
	}
	return &splits{
		words: ws,
		train: data.Build(ws.Train, v, block),
		val:   data.Build(ws.Val, v, block),
		test:  data.Build(ws.Test, v, block),
	}, nil
}

// addThreadsFlag adds --threads/-j to cmd.
func addThreadsFlag(cmd *cobra.Command, threads *int) {
	cmd.Flags().IntVarP(threads, "threads", "j", defaultThreads(), "worker threads for the matrix products")
}

// maxThreads bounds --threads: the products are split by rows, so more
// workers than this only spin; a typo like -j 1000000 must not start a million.
const maxThreads = 256

func newPool(threads int) (*kernels.Pool, error) {
	if threads < 1 || threads > maxThreads {
		return nil, usagef("--threads must be between 1 and %d, got %d", maxThreads, threads)
	}
	return kernels.NewPool(threads), nil
}

// loadModel reads the checkpoint of a work dir, with a hint when there is
// none, and the vocabulary stored in it.
func loadModel(workDir string) (*model.Model, model.Meta, *data.Vocab, error) {
	path := checkpointPath(workDir)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, model.Meta{}, nil, fmt.Errorf("%s: no checkpoint; run 'makemore train -o %s' first, or pass the work dir with -o", path, workDir)
	}
	m, meta, err := model.Load(path)
	if err != nil {
		return nil, model.Meta{}, nil, err
	}
	vocab, err := data.ParseVocab(meta.Vocab)
	if err != nil {
		return nil, model.Meta{}, nil, fmt.Errorf("%s: %v; the file is damaged", path, err)
	}
	return m, meta, vocab, nil
}

// newSampler returns a sampler of m, on a pool of its own to close: one
// worker, since it runs one row at a time and there is nothing to split.
func newSampler(m *model.Model, meta model.Meta, vocab *data.Vocab) (*sample.Sampler, *kernels.Pool) {
	pool := kernels.NewPool(1)
	return sample.New(m, model.NewEvaluator(m, pool), vocab, meta.MaxWordLen), pool
}

// quiet is --quiet: no progress or log lines, only results and errors.
var quiet bool

// logf prints progress and diagnostics to stderr, keeping stdout for results.
func logf(format string, args ...any) {
	if !quiet {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
	}
}
