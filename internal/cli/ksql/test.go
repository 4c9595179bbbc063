package ksql

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/testrunner"
)

// TestOptions is what `ksql test` needs.
type TestOptions struct {
	IO          *iostreams.IOStreams
	Ctx         context.Context
	ResolvePath func(string) string
	// LabFile finds the files to read: in the working folder, else in the
	// lab folders (see Factory.LabFile).
	LabFile func(string) (string, error)

	Statements  string
	Input       string
	Output      string
	WriteActual string
}

// NewCmdTest returns `ksql test`, ksql-test-runner on the embedded engine;
// runF, when not nil, runs instead of the command once the flags are
// checked (for tests).
func NewCmdTest(f *cmdutil.Factory, runF func(*TestOptions) error) *cobra.Command {
	opts := &TestOptions{IO: f.IOStreams, ResolvePath: f.ResolvePath, LabFile: f.LabFile}
	cmd := &cobra.Command{
		Use:   "test --statements S.sql --input IN.json --output OUT.json",
		Short: "Test SQL statements against input and expected output records, like ksql-test-runner",
		Long: `Runs the statements on a fresh embedded ksqlDB engine (no Kafka needed), feeds
it the input records in order and compares what the statements write to every
sink topic with the expected output records, topic by topic and in order.

The files use ksql-test-runner's format:

  input:  {"inputs":  [{"topic": "orders", "key": 1, "value": {"AMOUNT": 9.5}, "timestamp": 1000}]}
  output: {"outputs": [{"topic": "BIG_ORDERS", "key": 1, "value": {"AMOUNT": 9.5}, "timestamp": 1000,
                        "window": {"start": 0, "end": 60000, "type": "time"}}]}

JSON values are compared by meaning (1 equals 1.0), DELIMITED values are
strings ("1,alice"), a null value is a tombstone; a timestamp or window left
out of an expected record is not checked.

Exit status: 0 when the outputs match, 1 when they do not (with a diff),
2 when a file cannot be read or a statement fails.`,
		Example: `  mlops-lab ksql test --statements views.sql --input input.json --output output.json
  mlops-lab ksql test -s views.sql -i input.json -o output.json --write-actual actual.json`,
		Args: cmdutil.ExactArgs(0, "usage: mlops-lab ksql test --statements S.sql --input IN.json --output OUT.json"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if opts.Statements == "" || opts.Output == "" {
				return cmdutil.CannotRun(errors.New("--statements and --output are required (and usually --input): mlops-lab ksql test --statements S.sql --input IN.json --output OUT.json"))
			}
			if runF != nil {
				return runF(opts)
			}
			return testRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Statements, "statements", "s", "", "SQL file with the statements to test")
	fl.StringVarP(&opts.Input, "input", "i", "", `JSON file of input records ({"inputs": [...]})`)
	fl.StringVarP(&opts.Output, "output", "o", "", `JSON file of expected output records ({"outputs": [...]})`)
	fl.StringVar(&opts.WriteActual, "write-actual", "", "also write the records the statements produced to this file, in the output file's format")
	return cmd
}

func testRun(opts *TestOptions) error {
	cannot := cmdutil.CannotRun
	read := func(name string) ([]byte, error) { return readFile(opts.ResolvePath, opts.LabFile, name) }
	sql, err := read(opts.Statements)
	if err != nil {
		return cannot(err)
	}
	c := testrunner.Case{Name: opts.Statements, Statements: string(sql), StatementsFile: opts.Statements}
	if opts.Input != "" {
		data, err := read(opts.Input)
		if err != nil {
			return cannot(err)
		}
		if c.Inputs, err = testrunner.ParseInputs(opts.Input, data); err != nil {
			return cannot(err)
		}
	}
	data, err := read(opts.Output)
	if err != nil {
		return cannot(err)
	}
	if c.Outputs, err = testrunner.ParseOutputs(opts.Output, data); err != nil {
		return cannot(err)
	}
	res, err := testrunner.Run(opts.Ctx, c)
	if err != nil {
		return cannot(err)
	}
	if opts.WriteActual != "" {
		var b bytes.Buffer
		if err := testrunner.FormatOutputs(&b, res.Outputs); err != nil {
			return cannot(err)
		}
		if err := os.WriteFile(opts.ResolvePath(opts.WriteActual), b.Bytes(), 0o644); err != nil {
			return cannot(fmt.Errorf("writing actual outputs: %w", err))
		}
	}
	if err := res.WriteDiff(opts.IO.Out); err != nil {
		return cannot(err)
	}
	if !res.Passed {
		return cmdutil.SilentExit(1)
	}
	return nil
}
