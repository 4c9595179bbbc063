package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/testrunner"
)

type ksqlTestOptions struct {
	statements  string
	input       string
	output      string
	writeActual string
}

// newKsqlTestCmd is `mlops-lab ksql test`: ksql-test-runner on the embedded
// engine.
func newKsqlTestCmd(app *App) *cobra.Command {
	opts := &ksqlTestOptions{}
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
		Args: exactArgs(0, "usage: mlops-lab ksql test --statements S.sql --input IN.json --output OUT.json"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runKsqlTest(cmd.Context(), app, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.statements, "statements", "s", "", "SQL file with the statements to test")
	fl.StringVarP(&opts.input, "input", "i", "", `JSON file of input records ({"inputs": [...]})`)
	fl.StringVarP(&opts.output, "output", "o", "", `JSON file of expected output records ({"outputs": [...]})`)
	fl.StringVar(&opts.writeActual, "write-actual", "", "also write the records the statements produced to this file, in the output file's format")
	return cmd
}

func runKsqlTest(ctx context.Context, app *App, opts *ksqlTestOptions) error {
	cannot := func(err error) error { return &exitError{code: 2, err: err} }
	if opts.statements == "" || opts.output == "" {
		return cannot(errors.New("--statements and --output are required (and usually --input): mlops-lab ksql test --statements S.sql --input IN.json --output OUT.json"))
	}
	read := func(name string) ([]byte, error) {
		path := name
		if !filepath.IsAbs(path) {
			path = filepath.Join(app.workdir(), path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%s: no such file", name)
			}
			return nil, err
		}
		return data, nil
	}
	sql, err := read(opts.statements)
	if err != nil {
		return cannot(err)
	}
	c := testrunner.Case{Name: opts.statements, Statements: string(sql), StatementsFile: opts.statements}
	if opts.input != "" {
		data, err := read(opts.input)
		if err != nil {
			return cannot(err)
		}
		if c.Inputs, err = testrunner.ParseInputs(opts.input, data); err != nil {
			return cannot(err)
		}
	}
	data, err := read(opts.output)
	if err != nil {
		return cannot(err)
	}
	if c.Outputs, err = testrunner.ParseOutputs(opts.output, data); err != nil {
		return cannot(err)
	}
	res, err := testrunner.Run(ctx, c)
	if err != nil {
		return cannot(err)
	}
	if opts.writeActual != "" {
		var b bytes.Buffer
		if err := testrunner.FormatOutputs(&b, res.Outputs); err != nil {
			return cannot(err)
		}
		path := opts.writeActual
		if !filepath.IsAbs(path) {
			path = filepath.Join(app.workdir(), path)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			return cannot(fmt.Errorf("writing actual outputs: %w", err))
		}
	}
	if err := res.WriteDiff(app.Out); err != nil {
		return cannot(err)
	}
	if !res.Passed {
		return silentExit(1)
	}
	return nil
}
