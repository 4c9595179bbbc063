package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/plotkit"
)

// newPlotCmd is `mlops-lab plot`: charts of what the labs' streams hold.
func newPlotCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plot",
		Short: "Draw charts of windowed aggregates to PNG files",
		Long: `Draw charts of what the labs' streams hold, as PNG images.

  plot windows   windowed aggregates over time, one line per key (lab 3)`,
	}
	cmd.AddCommand(newPlotWindowsCmd(app))
	return cmd
}

type plotWindowsOptions struct {
	env     envFlags
	input   string
	topic   string
	output  string
	fields  plotkit.Fields
	title   string
	keys    []string
	maxKeys int
	width   int
	height  int
}

func newPlotWindowsCmd(app *App) *cobra.Command {
	opts := &plotWindowsOptions{}
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
		Args: exactArgs(0, "plot windows takes no arguments: name the records with --input FILE or --topic TOPIC, and the chart with --output CHART.png"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlotWindows(cmd.Context(), app, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.input, "input", "i", "", "file of JSON records, one per line (- for standard input)")
	fl.StringVarP(&opts.topic, "topic", "t", "", "topic to read the records from (everything it holds now)")
	fl.StringVarP(&opts.output, "output", "o", "", "PNG file to write")
	fl.StringVar(&opts.fields.Key, "key", plotkit.DefaultKeyField, "field holding the key (else the record's key)")
	fl.StringVar(&opts.fields.Start, "start", plotkit.DefaultStartField, "field holding the window start")
	fl.StringVar(&opts.fields.Value, "value", plotkit.DefaultValueField, "field holding the value to draw")
	fl.StringVar(&opts.title, "title", "", "the chart's title (default: VALUE per window)")
	fl.StringSliceVar(&opts.keys, "keys", nil, "draw only these keys (comma-separated)")
	fl.IntVar(&opts.maxKeys, "max-keys", plotkit.DefaultMaxKeys, "draw at most this many keys, those with the largest totals (0: all)")
	fl.IntVar(&opts.width, "width", 900, "width in pixels")
	fl.IntVar(&opts.height, "height", 500, "height in pixels")
	opts.env.register(cmd)
	return cmd
}

func runPlotWindows(ctx context.Context, app *App, opts *plotWindowsOptions) error {
	switch {
	case opts.input == "" && opts.topic == "":
		return errors.New("name the records to draw: --input FILE (one JSON record per line) or --topic TOPIC")
	case opts.input != "" && opts.topic != "":
		return errors.New("--input and --topic both name the records to draw: keep one")
	case opts.output == "":
		return errors.New("name the chart to write with --output CHART.png")
	case !strings.EqualFold(filepath.Ext(opts.output), ".png"):
		return fmt.Errorf("--output %s: the chart is a PNG, so its name must end in .png", opts.output)
	case opts.width < 100 || opts.height < 100 || opts.width > 10000 || opts.height > 10000:
		return fmt.Errorf("--width %d --height %d: both must be from 100 to 10000 pixels", opts.width, opts.height)
	case opts.maxKeys < 0:
		return fmt.Errorf("--max-keys %d: give 0 (every key) or more", opts.maxKeys)
	}

	var points []plotkit.Point
	var source string
	var err error
	if opts.input != "" {
		points, source, err = plotPointsFromFile(app, opts)
	} else {
		points, source, err = plotPointsFromTopic(ctx, app, opts)
	}
	if err != nil {
		return err
	}
	if len(points) == 0 {
		return fmt.Errorf("%s holds no windowed record to draw", source)
	}

	title := opts.title
	if title == "" {
		title = opts.fields.Value + " per window"
	}
	maxKeys := opts.maxKeys
	if maxKeys == 0 {
		maxKeys = -1 // every key
	}
	p, err := plotkit.WindowChart(points, plotkit.ChartOptions{Title: title, YLabel: opts.fields.Value, Keys: opts.keys, MaxKeys: maxKeys})
	if errors.Is(err, plotkit.ErrNoPoints) && len(opts.keys) > 0 {
		return fmt.Errorf("%s holds no window of the keys %s", source, strings.Join(opts.keys, ", "))
	}
	if err != nil {
		return err
	}
	var png bytes.Buffer
	if err := plotkit.WritePNG(&png, p, opts.width, opts.height); err != nil {
		return err
	}
	out := opts.output
	if !filepath.IsAbs(out) {
		out = filepath.Join(app.workdir(), out)
	}
	if err := os.WriteFile(out, png.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing the chart: %w", err)
	}
	windows, keys := 0, map[string]bool{}
	for _, pt := range plotkit.Latest(points) {
		if len(opts.keys) == 0 || slices.Contains(opts.keys, pt.Key) {
			windows++
			keys[pt.Key] = true
		}
	}
	drawn := ""
	if opts.maxKeys > 0 && len(keys) > opts.maxKeys {
		drawn = fmt.Sprintf("; drawn: the %d with the largest totals (--max-keys)", opts.maxKeys)
	}
	fmt.Fprintf(app.Out, "wrote %s: %s of %s, %s (from %s of %s)%s\n", opts.output, countOf(windows, "window"), countOf(len(keys), "key"),
		opts.fields.Value, countOf(len(points), "record"), source, drawn)
	return nil
}

// plotPointsFromFile reads --input: a file, or standard input for "-".
func plotPointsFromFile(app *App, opts *plotWindowsOptions) ([]plotkit.Point, string, error) {
	var r io.Reader
	source := opts.input
	if opts.input == "-" {
		r, source = app.In, "standard input"
	} else {
		path := opts.input
		if !filepath.IsAbs(path) {
			path = filepath.Join(app.workdir(), path)
		}
		f, err := os.Open(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, "", fmt.Errorf("--input %s: no such file", opts.input)
			}
			return nil, "", err
		}
		defer f.Close()
		r = f
	}
	points, err := plotkit.ReadJSONLines(r, opts.fields)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", source, err)
	}
	return points, source, nil
}

// plotPointsFromTopic reads everything --topic holds now. Records that are
// not windowed aggregates are skipped and counted; when nothing can be
// read, the first one's problem is the error.
func plotPointsFromTopic(ctx context.Context, app *App, opts *plotWindowsOptions) ([]plotkit.Point, string, error) {
	source := "topic " + opts.topic
	var points []plotkit.Point
	bad, firstBad := 0, ""
	err := withKafkaTool(ctx, app, &opts.env, func(bootstrap string) error {
		return stream.Scan(ctx, bootstrap, opts.topic, func(r stream.Record) error {
			p, ok, err := plotkit.ParsePoint(r.Value, r.Key, opts.fields)
			switch {
			case err != nil:
				if bad == 0 {
					firstBad = fmt.Sprintf("%s: %v", r, err)
				}
				bad++
			case ok:
				points = append(points, p)
			}
			return nil
		})
	})
	switch {
	case errors.Is(err, stream.ErrUnknownTopic):
		return nil, "", fmt.Errorf("topic %s does not exist: see the topics with `mlops-lab topic list`", opts.topic)
	case err != nil:
		return nil, "", err
	case len(points) == 0 && bad > 0:
		return nil, "", fmt.Errorf("no record of %s is a windowed aggregate (%s)", source, firstBad)
	case bad > 0:
		what := "are not windowed aggregates"
		if bad == 1 {
			what = "is not a windowed aggregate"
		}
		fmt.Fprintf(app.Err, "skipped %s of %s that %s (the first: %s)\n", countOf(bad, "record"), source, what, firstBad)
	}
	return points, source, nil
}
