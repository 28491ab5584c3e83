package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/makemore/makemore/internal/diagplot"
	"github.com/makemore/makemore/internal/embedplot"
	"github.com/makemore/makemore/internal/fileio"
	"github.com/makemore/makemore/internal/lossplot"
	"github.com/makemore/makemore/internal/workdir"
	"github.com/spf13/cobra"
)

func newPlotCmd() *cobra.Command {
	var (
		workDir    string
		embeddings bool
	)
	cmd := &cobra.Command{
		Use:   "plot",
		Short: "Draw WORK-DIR/loss.png from the loss log, or the embedding map",
		Long: `Plot reads WORK-DIR/loss.csv and draws WORK-DIR/loss.png: log10 of the minibatch
loss averaged over 1,000-step windows (smaller for short runs), the val loss probed
every --eval-every steps, and a dashed line where the learning rate decays.
makemore train draws it too; plot redraws it, for example during a run.

With --embeddings it draws WORK-DIR/embedding.png instead, as lecture 2 does: each
character of the checkpoint's vocabulary written at its embedding's two coordinates
(n_embd 2), or at its first two principal components when the embedding is wider;
the title and axes say which.

After a run with --diagnostics, plot redraws WORK-DIR/update.png from update.csv too.`,
		Example: `  makemore plot
  makemore plot -o runs/words
  makemore plot --embeddings`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := newLogger(cmd)
			if embeddings {
				if err := writeEmbeddingPlot(workDir); err != nil {
					return err
				}
				log.printf("makemore: wrote %s", workdir.EmbeddingPlotPath(workDir))
				return nil
			}
			if err := writePlot(workDir); err != nil {
				return err
			}
			log.printf("makemore: wrote %s", workdir.PlotPath(workDir))
			// A run with --diagnostics left an update log: its picture is redrawn too.
			if _, err := os.Stat(workdir.UpdateLogPath(workDir)); err == nil {
				if err := writeUpdatePlot(workDir); err != nil {
					return err
				}
				log.printf("makemore: wrote %s", workdir.UpdatePlotPath(workDir))
			}
			return nil
		},
	}
	addWorkDirFlag(cmd, &workDir, "directory holding loss.csv, or with --embeddings model.safetensors")
	cmd.Flags().BoolVar(&embeddings, "embeddings", false, "draw the character embeddings of the checkpoint in embedding.png instead")
	return cmd
}

// writeEmbeddingPlot draws WORK-DIR/embedding.png from the checkpoint's
// embedding table.
func writeEmbeddingPlot(workDir string) error {
	ck, err := workdir.Load(workDir)
	if err != nil {
		return err
	}
	m := ck.Model
	labels := make([]string, m.Vocab)
	for t := range labels {
		labels[t] = string(ck.Vocab.Char(t))
	}
	return writePicture(workdir.EmbeddingPlotPath(workDir), func() ([]byte, error) {
		pm, err := embedplot.Project(m.Net.Embed.C.Of(m.Weights), m.Vocab, m.Embd)
		if err != nil {
			return nil, err
		}
		return embedplot.Render(pm, labels)
	})
}

// writePlot draws WORK-DIR/loss.png from WORK-DIR/loss.csv, replacing the old
// picture atomically.
func writePlot(workDir string) error {
	return redraw(workdir.LossLogPath(workDir), workdir.PlotPath(workDir), "loss log", "makemore train -o "+workDir, lossplot.Parse, lossplot.Render)
}

// writeUpdatePlot draws WORK-DIR/update.png from WORK-DIR/update.csv.
func writeUpdatePlot(workDir string) error {
	return redraw(workdir.UpdateLogPath(workDir), workdir.UpdatePlotPath(workDir), "update log", "makemore train --diagnostics -o "+workDir, diagplot.ParseUpdates, diagplot.Update)
}

// redraw draws the picture png of the log csv (what it is, written by the
// command run), replacing the old picture atomically.
func redraw[L any](csv, png, what, run string, parse func(string, io.Reader) (L, error), render func(L) ([]byte, error)) error {
	b, err := os.ReadFile(csv)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: no %s; run '%s' first, or pass the work dir with -o", csv, what, run)
	}
	if err != nil {
		return fmt.Errorf("%s: cannot read the %s: %v", csv, what, fileio.Cause(err))
	}
	l, err := parse(csv, bytes.NewReader(b))
	if err != nil {
		return err
	}
	return writePicture(png, func() ([]byte, error) { return render(l) })
}

// writePicture draws a picture with render and stores it at path
// atomically, creating its directory.
func writePicture(path string, render func() ([]byte, error)) error {
	img, err := render()
	if err != nil {
		return fmt.Errorf("%s: cannot draw the picture: %v", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("%s: cannot create the directory: %v", filepath.Dir(path), fileio.Cause(err))
	}
	if err := fileio.WriteAtomic(path, img); err != nil {
		return fmt.Errorf("%s: cannot write the picture: %v; check that the directory is writable and has free space", path, fileio.Cause(err))
	}
	return nil
}
