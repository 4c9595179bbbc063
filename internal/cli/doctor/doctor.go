// Package doctor is the `mlops-lab doctor` command: checks that the machine
// and the course workspace are ready for the labs (see internal/doctor), as
// text or JSON, with exit status 1 when a check fails.
package doctor

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/doctor"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/labs"
)

// DoctorOptions is what `doctor` needs.
type DoctorOptions struct {
	IO *iostreams.IOStreams
	// Ctx bounds the checks (Ctrl+C).
	Ctx context.Context
	// Dir is the folder the checks start from.
	Dir string
	// Checks runs the checks; nil runs the real ones (tests replace it).
	Checks func(ctx context.Context, dir string, cat *labs.Catalogue) []doctor.Check

	Format string
}

// NewCmdDoctor returns the doctor command; runF, when not nil, runs instead
// of the command (for tests).
func NewCmdDoctor(f *cmdutil.Factory, runF func(*DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check that this machine and workspace are ready for the labs, and say what to fix",
		Long: `Doctor checks what the labs need: Go and its test2json tool, the course
workspace and its go.mod, the lab folders and the progress file, a running
` + "`mlops-lab start`" + `, the ports the embedded runtime prefers (9092, 8088) and
Docker (only --runtime docker needs it). Each problem comes with what to do.

Exit status: 0 when nothing failed (warnings included), 1 when a check failed.`,
		Example: `  mlops-lab doctor
  mlops-lab doctor --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.Dir = f.Dir()
			if runF != nil {
				return runF(opts)
			}
			return doctorRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "text", "output format: text or json")
	return cmd
}

func doctorRun(opts *DoctorOptions) error {
	if opts.Format != "text" && opts.Format != "json" {
		return fmt.Errorf("unknown --format %q: use text or json", opts.Format)
	}
	cat, err := labs.Default()
	if err != nil {
		return err
	}
	run := opts.Checks
	if run == nil {
		run = func(ctx context.Context, dir string, cat *labs.Catalogue) []doctor.Check {
			return doctor.New(dir, cat).Run(ctx)
		}
	}
	ctx := opts.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	checks := run(ctx, opts.Dir, cat)
	if opts.Format == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Ready  bool           `json:"ready"`
			Checks []doctor.Check `json:"checks"`
		}{!doctor.Failed(checks), checks}); err != nil {
			return err
		}
	} else {
		doctor.Render(opts.IO.Out, checks)
	}
	if doctor.Failed(checks) {
		return cmdutil.SilentExit(1)
	}
	return nil
}
