package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/labs"
)

// exactArgs is cobra.ExactArgs with a message that says what to type.
func exactArgs(n int, help string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return fmt.Errorf("%s", help)
		}
		return nil
	}
}

// rangeArgs accepts between lo and hi arguments.
func rangeArgs(lo, hi int, help string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || len(args) > hi {
			return fmt.Errorf("%s", help)
		}
		return nil
	}
}

// completeLabs completes lab names in the shell.
func completeLabs(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
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
