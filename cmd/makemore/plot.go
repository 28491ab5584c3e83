package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/makemore/makemore/internal/diagplot"
	"github.com/makemore/makemore/internal/fileio"
	"github.com/makemore/makemore/internal/lossplot"
	"github.com/makemore/makemore/internal/workdir"
	"github.com/spf13/cobra"
)

func newPlotCmd() *cobra.Command {
	var workDir string
	cmd := &cobra.Command{
		Use:   "plot",
		Short: "Draw WORK-DIR/loss.png from the loss log",
		Long: `Plot reads WORK-DIR/loss.csv and draws WORK-DIR/loss.png: log10 of the minibatch
loss averaged over 1,000-step windows (smaller for short runs), the val loss probed
every --eval-every steps, and a dashed line where the learning rate decays.
makemore train draws it too; plot redraws it, for example during a run.`,
		Example: `  makemore plot
  makemore plot -o runs/words`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := writePlot(workDir); err != nil {
				return err
			}
			newLogger(cmd).printf("makemore: wrote %s", workdir.PlotPath(workDir))
			return nil
		},
	}
	addWorkDirFlag(cmd, &workDir, "directory holding loss.csv")
	return cmd
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
	img, err := render(l)
	if err != nil {
		return fmt.Errorf("%s: cannot draw the plot: %v", png, err)
	}
	if err := fileio.WriteAtomic(png, img); err != nil {
		return fmt.Errorf("%s: cannot write the plot: %v; check that the directory is writable and has free space", png, fileio.Cause(err))
	}
	return nil
}
