package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/makemore/makemore/internal/fileio"
	"github.com/makemore/makemore/internal/workdir"
	"github.com/spf13/cobra"
)

type exportOptions struct {
	workDir, to string
	foldBN      bool
	overwrite   bool
	asJSON      bool

	out io.Writer
	log logger
}

func newExportCmd() *cobra.Command {
	var o exportOptions
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the trained model with its batchnorm folded into the Linears",
		Long: `Export --fold-bn reads WORK-DIR/model.safetensors and folds each calibrated batchnorm
into the Linear before it (lecture 3's exercise E02): with mean μ, variance σ², gain γ
and bias β, the Linear's weights become W·s and its bias (b − μ)·s + β, s = γ/√(σ² + 1e-5)
per output column; a Linear without bias gains one. The sums are taken in float64 and
rounded once. The model written to --to DIR (as DIR/model.safetensors, which eval,
sample and score load with -o DIR) has no batchnorm tensors and computes what the
original computes in eval mode, to float32 rounding. It is for inference: it keeps the
words file's hash and the seed, but not the trainer's state, and train --resume refuses
it. An existing export is replaced only with --overwrite.`,
		Example: `  makemore export --fold-bn --to folded
  makemore eval -o folded`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.out, o.log = cmd.OutOrStdout(), newLogger(cmd)
			return runExport(&o)
		},
	}
	addWorkDirFlag(cmd, &o.workDir, "directory holding model.safetensors")
	fl := cmd.Flags()
	fl.BoolVar(&o.foldBN, "fold-bn", false, "fold each batchnorm into the Linear before it (required: the one conversion export makes)")
	fl.StringVar(&o.to, "to", "", "directory to write the folded model to, as DIR/model.safetensors (required; DIR/model.safetensors itself is taken too)")
	fl.BoolVar(&o.overwrite, "overwrite", false, "replace an existing export at --to")
	fl.BoolVar(&o.asJSON, "json", false, "print one JSON object (docs/commands.md has its fields) instead of text")
	return cmd
}

func runExport(o *exportOptions) error {
	switch {
	case !o.foldBN:
		return usagef("export needs --fold-bn, the one conversion it makes")
	case o.to == "":
		return usagef("export needs --to DIR, where to write the folded model (as DIR/model.safetensors)")
	}
	to, err := exportPath(o.to)
	if err != nil {
		return err
	}
	o.to = to
	src := workdir.CheckpointPath(o.workDir)
	if same, _ := sameFile(src, o.to); same {
		return usagef("--to %s is the checkpoint itself; write the folded model elsewhere, so that the original keeps its trainer state", o.to)
	}
	if _, err := os.Stat(o.to); err == nil && !o.overwrite {
		return fmt.Errorf("%s exists; pass --overwrite to replace it, or another --to", o.to)
	}
	ck, err := workdir.Load(o.workDir)
	if err != nil {
		return err
	}
	folded, folds, err := ck.Model.FoldBatchNorm()
	if err != nil {
		return fmt.Errorf("%s: %v; pass the work dir of a model trained with batchnorm", ck.Path, err)
	}
	if err := os.MkdirAll(filepath.Dir(o.to), 0o755); err != nil {
		return fmt.Errorf("%s: cannot create the directory: %v", filepath.Dir(o.to), fileio.Cause(err))
	}
	if err := folded.Save(o.to, ck.Meta, nil); err != nil {
		return err
	}
	o.log.printf("makemore: wrote %s", o.to)
	res := exportResult{To: o.to, Params: folded.Net.NumParams(), ParamsBefore: ck.Model.Net.NumParams(), Folded: []foldJSON{}}
	for _, f := range folds {
		res.Folded = append(res.Folded, foldJSON(f))
	}
	if o.asJSON {
		return json.NewEncoder(o.out).Encode(res)
	}
	for _, f := range folds {
		bias := ""
		if f.NewBias {
			bias = ", a new bias"
		}
		fmt.Fprintf(o.out, "folded batchnorm %s into %s and %s%s\n", f.BatchNorm, f.Weight, f.Bias, bias)
	}
	_, err = fmt.Fprintf(o.out, "%s: %d parameters (%d before), no batchnorm\n", o.to, res.Params, res.ParamsBefore)
	return err
}

// exportPath is where --to writes: the file a work dir's commands load,
// DIR/model.safetensors, for a directory DIR or that file named outright.
// Any other file name would be one that nothing here loads.
func exportPath(to string) (string, error) {
	name := filepath.Base(workdir.CheckpointPath("."))
	if filepath.Base(to) == name {
		return to, nil
	}
	if fi, err := os.Stat(to); err == nil && !fi.IsDir() {
		return "", usagef("--to %s is a file; eval, sample and score load DIR/%s: name a directory", to, name)
	}
	if filepath.Ext(to) == ".safetensors" {
		return "", usagef("--to %s: eval, sample and score load DIR/%s: name a directory, or DIR/%s", to, name, name)
	}
	return filepath.Join(to, name), nil
}

// exportResult is export's --json object.
type exportResult struct {
	To           string     `json:"to"`
	Params       int        `json:"params"`
	ParamsBefore int        `json:"params_before"`
	Folded       []foldJSON `json:"folded"`
}

type foldJSON struct {
	BatchNorm string `json:"batchnorm"`
	Weight    string `json:"weight"`
	Bias      string `json:"bias"`
	NewBias   bool   `json:"new_bias"`
}

// sameFile reports whether a and b are one file; a missing file is no other.
func sameFile(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}
