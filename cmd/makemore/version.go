package main

import (
	"fmt"
	"runtime/debug"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/spf13/cobra"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print makemore's version, the commit it was built from, and its kernels",
		Example: `  makemore version`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), version())
			return err
		},
	}
}

// version describes this build from what the Go toolchain recorded in it:
// the module version ("(devel)" for a build from a checkout) and, when built
// in a git checkout, the commit and whether the tree had local changes.
func version() string {
	v, extra := "(unknown)", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		v = bi.Main.Version
		settings := map[string]string{}
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
		if rev := settings["vcs.revision"]; rev != "" {
			extra = ", commit " + rev[:min(12, len(rev))]
			if settings["vcs.modified"] == "true" {
				extra += " with local changes"
			}
		}
		extra = ", " + bi.GoVersion + extra
	}
	return fmt.Sprintf("makemore %s (kernels %s%s)", v, kernels.Kernel(), extra)
}
