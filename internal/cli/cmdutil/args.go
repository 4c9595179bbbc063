package cmdutil

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/labs"
)

// ExactArgs is cobra.ExactArgs with a message that says what to type.
func ExactArgs(n int, help string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return fmt.Errorf("%s", help)
		}
		return nil
	}
}

// RangeArgs accepts between lo and hi arguments, with a message that says
// what to type.
func RangeArgs(lo, hi int, help string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || len(args) > hi {
			return fmt.Errorf("%s", help)
		}
		return nil
	}
}

// FlagErrorFunc is the root command's handler of unknown and malformed
// flags: the message points at the command's help.
func FlagErrorFunc(cmd *cobra.Command, err error) error {
	return fmt.Errorf("%w (see `%s --help`)", err, cmd.CommandPath())
}

// CompleteLabs completes lab names (the first argument) in the shell.
func CompleteLabs(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	cat, err := labs.Default()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var names []string
	for _, l := range cat.Labs() {
		names = append(names, l.ID+"\t"+l.Title)
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// RunE is the RunE of a command built on the pattern of this package: prepare
// (when not nil) takes what the command needs from cobra and the arguments
// into opts and checks them; then runF runs when it is not nil (tests), else
// run.
func RunE[O any](opts *O, prepare func(cmd *cobra.Command, args []string) error, runF, run func(*O) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if prepare != nil {
			if err := prepare(cmd, args); err != nil {
				return err
			}
		}
		if runF != nil {
			return runF(opts)
		}
		return run(opts)
	}
}

// LabArgs is the prepare step (see RunE) of a command whose arguments are
// LAB and, when second is not nil, an optional second one: it takes them
// into lab and second.
func LabArgs(lab, second *string) func(*cobra.Command, []string) error {
	return func(_ *cobra.Command, args []string) error {
		*lab = args[0]
		if second != nil && len(args) > 1 {
			*second = args[1]
		}
		return nil
	}
}
