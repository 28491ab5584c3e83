// Package workdir is the layout of a work dir, where makemore train keeps a run
// and the other commands find it: the checkpoint, the loss log and its plot.
package workdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/makemore/makemore/internal/checkpoint"
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/model"
)

// CheckpointPath is where dir keeps its model.
func CheckpointPath(dir string) string { return filepath.Join(dir, "model.safetensors") }

// BestPath is where dir keeps the model of a train --keep-best run's lowest
// val probe.
func BestPath(dir string) string { return filepath.Join(dir, "best.safetensors") }

// LossLogPath is where dir keeps the loss of every step.
func LossLogPath(dir string) string { return filepath.Join(dir, "loss.csv") }

// PlotPath is where dir keeps the picture of the loss log.
func PlotPath(dir string) string { return filepath.Join(dir, "loss.png") }

// UpdateLogPath is where dir keeps train --diagnostics' update:data ratios.
func UpdateLogPath(dir string) string { return filepath.Join(dir, "update.csv") }

// UpdatePlotPath is where dir keeps the picture of the update log.
func UpdatePlotPath(dir string) string { return filepath.Join(dir, "update.png") }

// EmbeddingPlotPath is where plot --embeddings draws the characters' embeddings.
func EmbeddingPlotPath(dir string) string { return filepath.Join(dir, "embedding.png") }

// Checkpoint is a loaded model.safetensors.
type Checkpoint struct {
	Path     string
	Model    *model.Model
	Meta     model.Meta
	Vocab    *data.Vocab         // parsed from Meta.Vocab
	Metadata map[string]string   // all of the file's, a trainer's state included
	Extra    []checkpoint.Tensor // saved beside the model's: an optimizer's state
}

// Load reads the checkpoint of dir, with a hint when there is none (an
// error that is fs.ErrNotExist, for a command to add its own).
func Load(dir string) (*Checkpoint, error) {
	path := CheckpointPath(dir)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if pid, ok := training(dir); ok {
			return nil, fmt.Errorf("%s: no checkpoint yet: %s is training in this work dir and has not saved one; wait for its first (every --checkpoint-every steps, and at its end), or interrupt it, which saves one%w", path, trainRun(pid), noCheckpoint{})
		}
		return nil, fmt.Errorf("%s: no checkpoint; run 'makemore train -o %s' first, or pass the work dir with -o%w", path, dir, noCheckpoint{})
	}
	return load(path)
}

// noCheckpoint marks Load's error as a missing file and adds nothing to its text.
type noCheckpoint struct{}

func (noCheckpoint) Error() string        { return "" }
func (noCheckpoint) Is(target error) bool { return target == fs.ErrNotExist }

// LoadBest reads the best model of dir's train --keep-best run.
func LoadBest(dir string) (*Checkpoint, error) {
	path := BestPath(dir)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: no best model; train with --keep-best (and --eval-every) to keep one, or leave --best out for the last model", path)
	}
	return load(path)
}

func load(path string) (*Checkpoint, error) {
	m, meta, kv, extra, err := model.Load(path)
	if err != nil {
		return nil, err
	}
	vocab, err := data.ParseVocab(meta.Vocab)
	if err != nil {
		return nil, fmt.Errorf("%s: %v; the file is damaged", path, err)
	}
	return &Checkpoint{Path: path, Model: m, Meta: meta, Vocab: vocab, Metadata: kv, Extra: extra}, nil
}

// CheckWords makes sure words is the file the checkpoint was trained on, so
// that the split rebuilt from it is the same.
func (c *Checkpoint) CheckWords(words *data.File) error {
	// The character set first: when it differs, it says more than the hash.
	// A few of the characters are enough to tell the file apart; the
	// vocabulary itself would be a screenful for some files.
	if miss := c.Vocab.Missing(words); len(miss) > 0 {
		const shown = 10
		chars := fmt.Sprintf("%q", string(miss[:min(len(miss), shown)]))
		if len(miss) > shown {
			chars += fmt.Sprintf(" and %d more", len(miss)-shown)
		}
		return fmt.Errorf("%s: not the words file this model was trained on: it has characters the model never saw, %s; pass the training file with -i", words.Name, chars)
	}
	if !words.Matches(c.Meta.WordsSHA256) {
		return fmt.Errorf("%s: not the words file this model was trained on (sha256 %.12s…, checkpoint has %.12s…); pass the training file with -i", words.Name, words.SHA256, c.Meta.WordsSHA256)
	}
	return nil
}
