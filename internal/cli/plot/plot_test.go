package plot

import (
	"bytes"
	"context"
	"encoding/binary"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/pkg/charts"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// runPlot runs `mlops-lab plot ARGS...` in dir.
func runPlot(t *testing.T, dir, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	f := cmdutil.NewFactory(iostreams.New(strings.NewReader(stdin), &out, &errOut))
	f.WorkDir = dir
	root := NewCmdPlot(f)
	root.SilenceUsage, root.SilenceErrors = true, true
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// parseWindows parses `plot windows ARGS...` with a runF that captures the
// options instead of drawing anything.
func parseWindows(t *testing.T, args ...string) (*WindowsOptions, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.NewFactory(ios)
	f.WorkDir = t.TempDir()
	var got *WindowsOptions
	cmd := NewCmdWindows(f, func(o *WindowsOptions) error { got = o; return nil })
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.ExecuteContext(context.Background())
	return got, err
}

func startCmdTestBroker(t *testing.T) string {
	t.Helper()
	b, err := kafkautil.StartBroker(context.Background(), kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addr()
}

func TestWindowsFlags(t *testing.T) {
	opts, err := parseWindows(t, "--topic", "T", "--output", "c.PNG")
	if err != nil {
		t.Fatal(err)
	}
	want := charts.Fields{Key: "key", Start: "window_start", Value: "sum"}
	if opts.Topic != "T" || opts.Output != "c.PNG" || opts.Fields != want || opts.MaxKeys != 8 || opts.Width != 900 || opts.Height != 500 ||
		opts.Keys != nil || opts.Title != "" || opts.Env.Runtime != "embedded" || opts.Ctx == nil {
		t.Errorf("defaults: %+v", opts)
	}
	opts, err = parseWindows(t, "-i", "-", "-o", "x.png", "--key", "k", "--start", "s", "--value", "v", "--keys", "a,b", "--max-keys", "0",
		"--width", "100", "--height", "10000", "--title", "T", "--bootstrap", "h:1")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Input != "-" || opts.Fields != (charts.Fields{Key: "k", Start: "s", Value: "v"}) || len(opts.Keys) != 2 || opts.Keys[1] != "b" ||
		opts.MaxKeys != 0 || opts.Width != 100 || opts.Height != 10000 || opts.Title != "T" || opts.Env.Bootstrap != "h:1" {
		t.Errorf("flags: %+v", opts)
	}
	if opts.Units != "" || opts.FinalsInput != "" || opts.FinalsTopic != "" {
		t.Errorf("units and finals by default: %+v", opts)
	}
	opts, err = parseWindows(t, "--topic", "u", "--finals-topic", "f", "--units", "orders", "-o", "x.png")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Units != "orders" || opts.FinalsTopic != "f" || opts.FinalsInput != "" {
		t.Errorf("--units, --finals-topic: %+v", opts)
	}
	if opts, err = parseWindows(t, "--input", "-", "--finals-input", "f.json", "-o", "x.png"); err != nil || opts.FinalsInput != "f.json" {
		t.Errorf("--finals-input: %v, %+v", err, opts)
	}
}

func TestWindowsFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--output", "x.png"}, "name the records to draw: --input FILE"},
		{[]string{"--input", "a.json", "--topic", "t", "--output", "x.png"}, "--input and --topic both name the records"},
		{[]string{"--topic", "t"}, "name the chart to write with --output"},
		{[]string{"--topic", "t", "--output", "x.jpg"}, "--output x.jpg: the chart is a PNG, so its name must end in .png"},
		{[]string{"--topic", "t", "--output", "x.png", "--height", "10001"}, "--width 900 --height 10001: both must be from 100 to 10000 pixels"},
		{[]string{"--topic", "t", "--output", "x.png", "--width", "99"}, "must be from 100 to 10000 pixels"},
		{[]string{"--topic", "t", "--output", "x.png", "--max-keys", "-2"}, "--max-keys -2: give 0 (every key) or more"},
		{[]string{"extra", "--topic", "t", "--output", "x.png"}, "plot windows takes no arguments"},
		{[]string{"--topic", "t", "--output", "x.png", "--width", "wide"}, `invalid argument "wide" for "--width"`},
		{[]string{"--topic", "t", "--finals-topic", "f", "--finals-input", "f.json", "--output", "x.png"}, "--finals-input and --finals-topic both name the final results"},
		{[]string{"--input", "-", "--finals-input", "-", "--output", "x.png"}, "--input - and --finals-input - both read standard input"},
	} {
		opts, err := parseWindows(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("plot windows %v: %v; want an error containing %q", c.args, err, c.want)
		}
		if opts != nil {
			t.Errorf("plot windows %v: ran despite the error", c.args)
		}
	}
}

// checkPNG checks that path is a PNG of w x h pixels.
func checkPNG(t *testing.T, path string, w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("%s is %dx%d pixels, want %dx%d", path, b.Dx(), b.Dy(), w, h)
	}
}

const plotResults = `{"key":"State_1","window_start":1772445600000,"window_end":1772445660000,"count":1,"sum":2}
{"key":"State_2","window_start":1772445600000,"window_end":1772445660000,"count":1,"sum":1.5}
{"key":"State_1","window_start":1772445600000,"window_end":1772445660000,"count":2,"sum":5}
{"key":"State_1","window_start":1772445660000,"window_end":1772445720000,"count":1,"sum":4}
`

func TestPlotWindowsFromFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "updates.json"), []byte(plotResults), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runPlot(t, dir, "", "windows", "--input", "updates.json", "--output", "units.png")
	if err != nil {
		t.Fatal(err)
	}
	if want := "wrote units.png: 3 windows of 2 keys, sum (from 4 records of updates.json)"; !strings.Contains(out, want) {
		t.Fatalf("output %q; want it to say %q", out, want)
	}
	checkPNG(t, filepath.Join(dir, "units.png"), 900, 500)

	// Standard input, ksqlDB's capitals, another size.
	ksql := strings.ReplaceAll(strings.ReplaceAll(plotResults, `"sum"`, `"UNITS"`), `"window_start"`, `"WINDOW_START"`)
	if _, _, err := runPlot(t, dir, ksql, "windows", "-i", "-", "--value", "units", "-o", "stdin.png", "--width", "400", "--height", "300"); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, filepath.Join(dir, "stdin.png"), 400, 300)

	// One key of two, by name.
	out, _, err = runPlot(t, dir, "", "windows", "--input", "updates.json", "--keys", "State_2", "--output", "one.png")
	if err != nil {
		t.Fatal(err)
	}
	if want := "wrote one.png: 1 window of 1 key, sum (from 4 records of updates.json)\n"; out != want {
		t.Fatalf("output %q; want %q", out, want)
	}
	out, _, err = runPlot(t, dir, "", "windows", "--input", "updates.json", "--max-keys", "1", "--output", "top.png")
	if err != nil {
		t.Fatal(err)
	}
	if want := "wrote top.png: 3 windows of 2 keys, sum (from 4 records of updates.json); drawn: the 1 with the largest totals (--max-keys)\n"; out != want {
		t.Fatalf("output %q; want %q", out, want)
	}
	checkPNG(t, filepath.Join(dir, "one.png"), 900, 500)
}

func TestPlotWindowsWithFinals(t *testing.T) {
	dir := t.TempDir()
	finals := `{"key":"State_1","window_start":1772445600000,"window_end":1772445660000,"count":2,"sum":5}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "updates.json"), []byte(plotResults), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "finals.json"), []byte(finals), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runPlot(t, dir, "", "windows", "--input", "updates.json", "--finals-input", "finals.json", "--units", "units", "--output", "both.png", "--height", "700")
	if err != nil {
		t.Fatal(err)
	}
	want := "wrote both.png: 3 windows of 2 keys, sum (from 4 records of updates.json)\n  below, the final results: 1 window (from 1 record of finals.json)\n"
	if out != want {
		t.Fatalf("output %q; want %q", out, want)
	}
	checkPNG(t, filepath.Join(dir, "both.png"), 900, 700)

	// The final results from standard input; none yet is no error.
	out, _, err = runPlot(t, dir, "\n", "windows", "--input", "updates.json", "--finals-input", "-", "--output", "none.png")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "below, the final results: 0 windows (from 0 records of standard input)") {
		t.Fatalf("output %q; want it to say there is no final result", out)
	}
	checkPNG(t, filepath.Join(dir, "none.png"), 900, 500)

	if _, _, err := runPlot(t, dir, "", "windows", "--input", "updates.json", "--finals-input", "nope.json", "--output", "x.png"); err == nil || err.Error() != "--finals-input nope.json: no such file" {
		t.Fatalf("a missing finals file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.png")); err == nil {
		t.Error("a failed plot wrote x.png")
	}
}

func TestPlotWindowsErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte(plotResults+`{"key":"State_1","count":1}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "good.json"), []byte(plotResults), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.json"), []byte("\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"windows", "--output", "x.png"}, "name the records to draw: --input FILE"},
		{[]string{"windows", "--input", "a.json", "--topic", "t", "--output", "x.png"}, "--input and --topic both name the records"},
		{[]string{"windows", "--input", "bad.json"}, "name the chart to write with --output"},
		{[]string{"windows", "--input", "bad.json", "--output", "x.jpg"}, "its name must end in .png"},
		{[]string{"windows", "--input", "nope.json", "--output", "x.png"}, "--input nope.json: no such file"},
		{[]string{"windows", "--input", "bad.json", "--output", "x.png"}, "bad.json: line 5: no field window_start (the window start) among count, key: name it with --start"},
		{[]string{"windows", "--input", "bad.json", "--output", "x.png", "--value", "units"}, "line 1: no field units (the value to draw)"},
		{[]string{"windows", "--input", "empty.json", "--output", "x.png"}, "empty.json holds no windowed record to draw"},
		{[]string{"windows", "--input", "bad.json", "--output", "x.png", "--width", "5"}, "must be from 100 to 10000 pixels"},
		{[]string{"windows", "extra", "--input", "bad.json", "--output", "x.png"}, "plot windows takes no arguments"},
		{[]string{"windows", "--input", "bad.json", "--output", "x.png", "--max-keys", "-1"}, "--max-keys -1: give 0 (every key) or more"},
		{[]string{"windows", "--input", "good.json", "--output", "x.png", "--keys", "State_9,State_8"}, "good.json holds no window of the keys State_9, State_8"},
	}
	for _, c := range cases {
		_, _, err := runPlot(t, dir, "", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("plot %v: %v; want an error containing %q", c.args, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("plot %v: the error %q spans lines; errors are one line", c.args, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.png")); err == nil {
		t.Error("a failed plot wrote x.png")
	}
}

func TestPlotWindowsFromTopic(t *testing.T) {
	bs := startCmdTestBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := kafkautil.EnsureTopics(ctx, bs, []kafkautil.TopicSpec{{Name: "UNITS_PER_MINUTE", Partitions: 1}}); err != nil {
		t.Fatal(err)
	}
	// As ksqlDB writes a windowed table: the key, then the window start in
	// 8 bytes; the window in the value too. A tombstone and a stray record
	// among them.
	windowed := func(key string, start int64) []byte {
		return binary.BigEndian.AppendUint64([]byte(key), uint64(start))
	}
	msg := func(key []byte, value string) *sarama.ProducerMessage {
		m := &sarama.ProducerMessage{Topic: "UNITS_PER_MINUTE", Key: sarama.ByteEncoder(key)}
		if value != "" {
			m.Value = sarama.StringEncoder(value)
		}
		return m
	}
	cfg := kafkautil.NewConfig("plot-test")
	cfg.Producer.Return.Successes = true
	producer, err := sarama.NewSyncProducer(kafkautil.SplitBootstrap(bs), cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = producer.SendMessages([]*sarama.ProducerMessage{
		msg(windowed("State_1", 1772445600000), `{"WINDOW_START":1772445600000,"WINDOW_END":1772445660000,"ORDERS":1,"UNITS":2}`),
		msg(windowed("State_2", 1772445600000), `{"WINDOW_START":1772445600000,"WINDOW_END":1772445660000,"ORDERS":1,"UNITS":1.5}`),
		msg(windowed("State_1", 1772445660000), `{"WINDOW_START":1772445660000,"WINDOW_END":1772445720000,"ORDERS":1,"UNITS":4}`),
		msg(windowed("State_2", 1772445660000), ""),
		msg([]byte("x"), `not json`),
	})
	producer.Close()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, errOut, err := runPlot(t, dir, "", "windows", "--topic", "UNITS_PER_MINUTE", "--value", "units", "--output", "ksql.png", "--bootstrap", bs)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if want := "wrote ksql.png: 3 windows of 2 keys, units (from 3 records of topic UNITS_PER_MINUTE)"; !strings.Contains(out, want) {
		t.Fatalf("output %q; want it to say %q", out, want)
	}
	if !strings.Contains(errOut, "skipped 1 record of topic UNITS_PER_MINUTE that is not a windowed aggregate") {
		t.Errorf("stderr %q; want it to mention the record that is not an aggregate", errOut)
	}
	checkPNG(t, filepath.Join(dir, "ksql.png"), 900, 500)

	if _, _, err := runPlot(t, dir, "", "windows", "--topic", "nope", "--output", "x.png", "--bootstrap", bs); err == nil || !strings.Contains(err.Error(), "topic nope does not exist") {
		t.Fatalf("plotting a missing topic: %v; want it to say the topic does not exist", err)
	}

	// Updates and final results from two topics (here the same one).
	out, _, err = runPlot(t, dir, "", "windows", "--topic", "UNITS_PER_MINUTE", "--finals-topic", "UNITS_PER_MINUTE", "--value", "units", "--output", "both.png", "--bootstrap", bs)
	if err != nil {
		t.Fatal(err)
	}
	if want := "below, the final results: 3 windows (from 3 records of topic UNITS_PER_MINUTE)"; !strings.Contains(out, want) {
		t.Fatalf("output %q; want it to say %q", out, want)
	}
	checkPNG(t, filepath.Join(dir, "both.png"), 900, 500)
	if _, _, err := runPlot(t, dir, "", "windows", "--topic", "UNITS_PER_MINUTE", "--finals-topic", "nope", "--value", "units", "--output", "x.png", "--bootstrap", bs); err == nil || !strings.Contains(err.Error(), "topic nope does not exist") {
		t.Fatalf("plotting a missing finals topic: %v; want it to say the topic does not exist", err)
	}
}
