// Package version is the `mlops-lab version` command.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
)

// VersionOptions is what `version` needs.
type VersionOptions struct {
	IO      *iostreams.IOStreams
	Version string
}

// NewCmdVersion returns the version command; runF, when not nil, runs
// instead of the command (for tests).
func NewCmdVersion(f *cmdutil.Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: f.IOStreams, Version: f.Version}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of mlops-lab",
		Args:  cobra.NoArgs,
		RunE:  cmdutil.RunE(opts, nil, runF, versionRun),
	}
}

func versionRun(opts *VersionOptions) error {
	_, err := fmt.Fprintf(opts.IO.Out, "mlops-lab %s (%s, %s/%s)\n", opts.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}
