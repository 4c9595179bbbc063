// Package plot is the `mlops-lab plot` command group: charts of what the
// labs' streams hold. The charts themselves are internal/windowchart's.
package plot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/cli/kafkatool"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/text"
	"github.com/mlops-lab/mlops-lab/internal/windowchart"
	"github.com/mlops-lab/mlops-lab/pkg/charts"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// NewCmdPlot returns the plot command group.
func NewCmdPlot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plot",
		Short: "Draw charts of windowed aggregates to PNG files",
		Long: `Draw charts of what the labs' streams hold, as PNG images.

  plot windows   windowed aggregates over time, one line per key (lab 3)`,
	}
	cmd.AddCommand(NewCmdWindows(f, nil))
	return cmd
}

// WindowsOptions is what `plot windows` needs.
type WindowsOptions struct {
	IO          *iostreams.IOStreams
	Ctx         context.Context
	Kafka       *kafkatool.Tool
	ResolvePath func(string) string

	Env     cmdutil.EnvFlags
	Input   string
	Topic   string
	Output  string
	Fields  charts.Fields
	Units   string
	Title   string
	Keys    []string
	MaxKeys int
	Width   int
	Height  int
	// FinalsInput and FinalsTopic name the same aggregation's final
	// results, drawn below its updates.
	FinalsInput string
	FinalsTopic string
}

// NewCmdWindows returns `plot windows`; runF, when not nil, runs instead of
// the command once the flags are checked (for tests).
func NewCmdWindows(f *cmdutil.Factory, runF func(*WindowsOptions) error) *cobra.Command {
	opts := &WindowsOptions{IO: f.IOStreams, Kafka: kafkatool.New(f), ResolvePath: f.ResolvePath}
	cmd := &cobra.Command{
		Use:   "windows (--input FILE | --topic TOPIC) --output CHART.png",
		Short: "Draw windowed aggregates over time: one line per key, x the window start",
		Long: `Draw windowed aggregates over time to a PNG: one line per key, x the window
start (UTC), y a value of the window. For each key and window the last record
counts (an aggregation writes an update per record: the last is the window's
value now); tombstones (deleted sessions) are skipped.

The records are JSON objects, read from a file with one per line (--input, or -
for standard input) or from a topic as it is now (--topic). Each holds the key,
the window start (milliseconds since the epoch, or an RFC 3339 time) and the
value, in fields named by --key, --start and --value (case-insensitive):

  lab 3's Go results    {"key":"State_1","window_start":1772445600000,"window_end":...,"count":3,"sum":12.5}
  a ksqlDB table        {"WINDOW_START":1772445600000,"WINDOW_END":...,"ORDERS":3,"UNITS":12.5}
                        (the key is the record's key: --value units)
  topic consume --format json lines, whose "value" is one of the above

A ksqlDB windowed key (the key, then the window's bytes) is read up to its first
zero byte. With many keys, the chart shows the --max-keys (8) with the largest
totals; --keys picks them by name.`,
		Example: `  mlops-lab plot windows --topic units-per-minute-go --output units.png
  mlops-lab plot windows --topic UNITS_PER_MINUTE --value units --keys State_1,State_2 --output ksql-units.png
  mlops-lab plot windows --topic PAGEVIEW_SESSIONS --start session_start --value views --output sessions.png
  mlops-lab topic consume UNITS_PER_MINUTE --from-beginning --format json --timeout 2s > units.json
  mlops-lab plot windows --input units.json --value units --output units.png`,
		Args: cmdutil.ExactArgs(0, "plot windows takes no arguments: name the records with --input FILE or --topic TOPIC, and the chart with --output CHART.png"),
		RunE: cmdutil.RunE(opts, func(cmd *cobra.Command, _ []string) error {
			opts.Ctx = cmd.Context()
			return opts.check()
		}, runF, windowsRun),
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Input, "input", "i", "", "file of JSON records, one per line (- for standard input)")
	fl.StringVarP(&opts.Topic, "topic", "t", "", "topic to read the records from (everything it holds now)")
	fl.StringVarP(&opts.Output, "output", "o", "", "PNG file to write")
	fl.StringVar(&opts.Fields.Key, "key", charts.DefaultKeyField, "field holding the key (else the record's key)")
	fl.StringVar(&opts.Fields.Start, "start", charts.DefaultStartField, "field holding the window start")
	fl.StringVar(&opts.Fields.Value, "value", charts.DefaultValueField, "field holding the value to draw")
	fl.StringVar(&opts.Units, "units", "", "the value's units, to name the y axis (e.g. units, orders)")
	fl.StringVar(&opts.FinalsTopic, "finals-topic", "", "topic of the same aggregation's final results, drawn below with the same keys and colours")
	fl.StringVar(&opts.FinalsInput, "finals-input", "", "file of the final results' JSON records (- for standard input), drawn below")
	fl.StringVar(&opts.Title, "title", "", "the chart's title (default: VALUE per window)")
	fl.StringSliceVar(&opts.Keys, "keys", nil, "draw only these keys (comma-separated)")
	fl.IntVar(&opts.MaxKeys, "max-keys", charts.DefaultMaxKeys, "draw at most this many keys, those with the largest totals (0: all)")
	fl.IntVar(&opts.Width, "width", 900, "width in pixels")
	fl.IntVar(&opts.Height, "height", 500, "height in pixels")
	opts.Env.Register(cmd)
	return cmd
}

// check says what is wrong with the flags, before anything is read.
func (opts *WindowsOptions) check() error {
	switch {
	case opts.Input == "" && opts.Topic == "":
		return errors.New("name the records to draw: --input FILE (one JSON record per line) or --topic TOPIC")
	case opts.Input != "" && opts.Topic != "":
		return errors.New("--input and --topic both name the records to draw: keep one")
	case opts.FinalsInput != "" && opts.FinalsTopic != "":
		return errors.New("--finals-input and --finals-topic both name the final results: keep one")
	case opts.Input == "-" && opts.FinalsInput == "-":
		return errors.New("--input - and --finals-input - both read standard input: give one of them a file")
	case opts.Output == "":
		return errors.New("name the chart to write with --output CHART.png")
	case !strings.EqualFold(filepath.Ext(opts.Output), ".png"):
		return fmt.Errorf("--output %s: the chart is a PNG, so its name must end in .png", opts.Output)
	case opts.Width < 100 || opts.Height < 100 || opts.Width > 10000 || opts.Height > 10000:
		return fmt.Errorf("--width %d --height %d: both must be from 100 to 10000 pixels", opts.Width, opts.Height)
	case opts.MaxKeys < 0:
		return fmt.Errorf("--max-keys %d: give 0 (every key) or more", opts.MaxKeys)
	}
	return nil
}

func windowsRun(opts *WindowsOptions) error {
	if opts.Topic == "" && opts.FinalsTopic == "" {
		return drawWindows(opts, "")
	}
	// One connection for both topics.
	return opts.Kafka.With(opts.Ctx, &opts.Env, func(bootstrap string) error { return drawWindows(opts, bootstrap) })
}

// drawWindows reads the records (from the cluster at bootstrap, for
// topics) and writes the chart.
func drawWindows(opts *WindowsOptions, bootstrap string) error {
	var points []charts.Point
	var source string
	var err error
	if opts.Input != "" {
		points, source, err = pointsFromFile(opts, opts.Input)
	} else {
		points, source, err = pointsFromTopic(opts, bootstrap, opts.Topic)
	}
	if err != nil {
		return err
	}
	if len(points) == 0 {
		return fmt.Errorf("%s holds no windowed record to draw", source)
	}
	var finals []charts.Point
	var finalsSource string
	switch {
	case opts.FinalsInput != "":
		finals, finalsSource, err = pointsFromFile(opts, opts.FinalsInput)
	case opts.FinalsTopic != "":
		finals, finalsSource, err = pointsFromTopic(opts, bootstrap, opts.FinalsTopic)
	}
	if err != nil {
		return err
	}

	chartOpts := windowchart.Options{
		Fields: opts.Fields, Units: opts.Units, Title: opts.Title, Keys: opts.Keys, MaxKeys: opts.MaxKeys, Width: opts.Width, Height: opts.Height,
	}
	var png []byte
	var sum windowchart.Summary
	if finalsSource == "" {
		png, sum, err = windowchart.Render(points, chartOpts)
	} else {
		png, sum, err = windowchart.RenderPair(points, finals, chartOpts)
	}
	if errors.Is(err, windowchart.ErrNoKeyWindows) {
		return fmt.Errorf("%s holds no window of the keys %s", source, strings.Join(opts.Keys, ", "))
	}
	if err != nil {
		return err
	}
	if err := os.WriteFile(opts.ResolvePath(opts.Output), png, 0o644); err != nil {
		return fmt.Errorf("writing the chart: %w", err)
	}
	drawn := ""
	if sum.Capped {
		drawn = fmt.Sprintf("; drawn: the %d with the largest totals (--max-keys)", opts.MaxKeys)
	}
	fmt.Fprintf(opts.IO.Out, "wrote %s: %s of %s, %s (from %s of %s)%s\n", opts.Output, text.Pluralize(sum.Windows, "window"), text.Pluralize(sum.Keys, "key"),
		opts.Fields.Value, text.Pluralize(len(points), "record"), source, drawn)
	if finalsSource != "" {
		fmt.Fprintf(opts.IO.Out, "  below, the final results: %s (from %s of %s)\n", text.Pluralize(sum.FinalWindows, "window"), text.Pluralize(len(finals), "record"), finalsSource)
	}
	return nil
}

// pointsFromFile reads --input (or --finals-input, name): a file, or
// standard input for "-".
func pointsFromFile(opts *WindowsOptions, name string) ([]charts.Point, string, error) {
	var r io.Reader
	source := name
	if name == "-" {
		r, source = opts.IO.In, "standard input"
	} else {
		f, err := os.Open(opts.ResolvePath(name))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				flag := "--input"
				if name != opts.Input {
					flag = "--finals-input"
				}
				return nil, "", fmt.Errorf("%s %s: no such file", flag, name)
			}
			return nil, "", err
		}
		defer f.Close()
		r = f
	}
	points, err := charts.ReadJSONLines(r, opts.Fields)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", source, err)
	}
	return points, source, nil
}

// pointsFromTopic reads everything topic (--topic or --finals-topic) holds
// now at bootstrap. Records that are not windowed aggregates are skipped
// and counted; when nothing can be read, the first one's problem is the
// error.
func pointsFromTopic(opts *WindowsOptions, bootstrap, topic string) ([]charts.Point, string, error) {
	source := "topic " + topic
	tp, err := windowchart.ScanTopic(opts.Ctx, bootstrap, topic, opts.Fields)
	switch {
	case errors.Is(err, stream.ErrUnknownTopic):
		return nil, "", fmt.Errorf("topic %s does not exist: see the topics with `mlops-lab topic list`", topic)
	case err != nil:
		return nil, "", err
	case len(tp.Points) == 0 && tp.Skipped > 0:
		return nil, "", fmt.Errorf("no record of %s is a windowed aggregate (%s)", source, tp.FirstSkipped)
	case tp.Skipped > 0:
		what := "are not windowed aggregates"
		if tp.Skipped == 1 {
			what = "is not a windowed aggregate"
		}
		fmt.Fprintf(opts.IO.ErrOut, "skipped %s of %s that %s (the first: %s)\n", text.Pluralize(tp.Skipped, "record"), source, what, tp.FirstSkipped)
	}
	return tp.Points, source, nil
}
