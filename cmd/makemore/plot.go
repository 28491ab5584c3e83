package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

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
	csv, png := workdir.LossLogPath(workDir), workdir.PlotPath(workDir)
	b, err := os.ReadFile(csv)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: no loss log; run 'makemore train -o %s' first, or pass the work dir with -o", csv, workDir)
	}
	if err != nil {
		return fmt.Errorf("%s: cannot read the loss log: %v", csv, fileio.Cause(err))
	}
	l, err := lossplot.Parse(csv, bytes.NewReader(b))
	if err != nil {
		return err
	}
	return writePicture(png, func() ([]byte, error) { return lossplot.Render(l) })
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
