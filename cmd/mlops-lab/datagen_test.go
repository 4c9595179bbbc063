package main

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

func TestDatagenPrint(t *testing.T) {
	out, errOut, err := runToolCmd(t, newDatagenCmd, "", "datagen", "orders", "--print", "--seed", "3")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != datagenPrintCount {
		t.Fatalf("--print wrote %d lines, want %d:\n%s", len(lines), datagenPrintCount, out)
	}
	for i, line := range lines {
		key, value, ok := strings.Cut(line, "\t")
		var order struct {
			OrderID int `json:"orderid"`
		}
		if !ok || json.Unmarshal([]byte(value), &order) != nil || order.OrderID != i || key != strings.TrimSpace(key) {
			t.Fatalf("line %d: %q", i, line)
		}
	}

	// The same seed gives the same records, apart from their timestamps.
	again, _, err := runToolCmd(t, newDatagenCmd, "", "datagen", "orders", "--dry-run", "--seed", "3")
	if err != nil {
		t.Fatal(err)
	}
	stamp := regexp.MustCompile(`"ordertime":\d+`)
	if stamp.ReplaceAllString(out, "") != stamp.ReplaceAllString(again, "") {
		t.Errorf("two runs with --seed 3 differ:\n%s\n%s", out, again)
	}

	out, _, err = runToolCmd(t, newDatagenCmd, "", "datagen", "users", "--print", "--count", "3", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var rec struct {
			Timestamp int64  `json:"timestamp"`
			Key       string `json:"key"`
			Value     struct {
				UserID string `json:"userid"`
			} `json:"value"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Key != rec.Value.UserID || rec.Timestamp == 0 {
			t.Errorf("json line %q (%v)", line, err)
		}
	}
}

func TestDatagenIntoBroker(t *testing.T) {
	bs := startCmdTestBroker(t)
	out, errOut, err := runToolCmd(t, newDatagenCmd, "", "datagen", "pageviews", "--topic", "clicks", "--count", "50", "--rate", "0", "--partitions", "3", "--seed", "1", "--bootstrap", bs)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.HasPrefix(out, "sent 50 records to clicks in ") {
		t.Errorf("stdout: %q", out)
	}
	if !strings.Contains(errOut, "pageviews -> topic clicks at full speed, 50 records (seed 1; Ctrl-C to stop)") {
		t.Errorf("stderr: %q", errOut)
	}
	d, err := kafkautil.DescribeTopic(context.Background(), bs, "clicks")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Partitions) != 3 || d.Records() != 50 {
		t.Errorf("clicks has %d partitions and %d records; want 3 and 50", len(d.Partitions), d.Records())
	}
}

func TestDatagenProgressAndStop(t *testing.T) {
	bs := startCmdTestBroker(t)
	// Stop once a progress line is out: the run must end cleanly then,
	// however long connecting took.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	app := &App{In: strings.NewReader(""), Out: &out, Err: &errOut, Dir: t.TempDir()}
	root := &cobra.Command{Use: "mlops-lab", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newDatagenCmd(app))
	root.SetArgs([]string{"datagen", "orders", "--rate", "200", "--progress-interval", "150ms", "--bootstrap", bs})
	root.SetOut(&out)
	root.SetErr(&errOut)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	progress := regexp.MustCompile(`orders: \d+ records sent \(\d+/s\)`)
	limit := time.After(stopWait)
	for !progress.MatchString(errOut.String()) {
		select {
		case err := <-done:
			t.Fatalf("datagen ended before any progress line: %v\n%s", err, errOut.String())
		case <-limit:
			t.Fatalf("no progress line in stderr within %v:\n%s", stopWait, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("stopping with the context is not an error: %v\n%s", err, errOut.String())
		}
	case <-time.After(stopWait):
		t.Fatalf("datagen did not stop within %v of its context's end", stopWait)
	}
}

func TestDatagenUserErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "datagen needs a generator: `mlops-lab datagen orders` (generators: dataset:NAME, orders, pageviews, points, trades, users"},
		{[]string{"ordres"}, `unknown generator "ordres": known generators are dataset:NAME, orders, pageviews, points, trades, users`},
		{[]string{"dataset"}, "datagen dataset needs one data set: `mlops-lab datagen dataset iris` (data sets: breast_cancer, diabetes, digits, heart_sample, iris, wine)"},
		{[]string{"dataset", "irises", "--print"}, `unknown data set "irises": the data sets are breast_cancer, diabetes, digits, heart_sample, iris, wine`},
		{[]string{"dataset:irises", "--print"}, `unknown data set "irises": the data sets are breast_cancer`},
		{[]string{"orders", "--shuffle", "--print"}, "--shuffle only applies to data sets"},
		{[]string{"orders", "--rate", "-5", "--print"}, "--rate must be a number of records per second"},
		{[]string{"orders", "--count", "-1", "--print"}, "--count must be 0"},
		{[]string{"orders", "--partitions", "0"}, "--partitions must be at least 1"},
		{[]string{"orders", "--print", "--format", "csv"}, "--format must be text or json"},
		{[]string{"orders", "--topic", "no spaces"}, `--topic: topic name "no spaces" is not valid`},
	}
	for _, tt := range tests {
		_, _, err := runToolCmd(t, newDatagenCmd, "", append([]string{"datagen"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("datagen %v:\n  error %v\n  want one line containing %q", tt.args, err, tt.want)
		}
	}
}

func TestDatagenDataset(t *testing.T) {
	out, errOut, err := runToolCmd(t, newDatagenCmd, "", "datagen", "dataset", "heart_sample", "--print", "--count", "20")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 15 {
		t.Fatalf("printed %d lines, want the 15 rows and a stop:\n%s", len(lines), out)
	}
	if lines[0] != "0\t"+`{"id":0,"age":63,"sex":1,"trestbps":233,"target":1}` {
		t.Errorf("first line %q", lines[0])
	}
	if strings.Contains(errOut, "seed") {
		t.Errorf("a replay in file order does not use a seed, but stderr says: %q", errOut)
	}

	// dataset:NAME is the same generator; --shuffle changes only the order.
	shuffled, _, err := runToolCmd(t, newDatagenCmd, "", "datagen", "dataset:heart_sample", "--shuffle", "--seed", "4", "--print", "--count", "15")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(shuffled, "\n"), "\n")
	if slices.Equal(got, lines) {
		t.Error("--shuffle kept the file order")
	}
	slices.Sort(got)
	want := slices.Clone(lines)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("--shuffle must send every row once:\n%s", shuffled)
	}

	bs := startCmdTestBroker(t)
	out, errOut, err = runToolCmd(t, newDatagenCmd, "", "datagen", "dataset", "iris", "--rate", "0", "--bootstrap", bs)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.HasPrefix(out, "sent 150 records to iris in ") {
		t.Errorf("stdout: %q (want the topic named after the data set)", out)
	}
	if !strings.Contains(errOut, "dataset:iris -> topic iris at full speed (150 rows; Ctrl-C to stop)") {
		t.Errorf("stderr: %q", errOut)
	}
	d, err := kafkautil.DescribeTopic(context.Background(), bs, "iris")
	if err != nil {
		t.Fatal(err)
	}
	if d.Records() != 150 {
		t.Errorf("iris holds %d records, want 150", d.Records())
	}
}
