package topic

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// runToolCmd runs one command group (built by newCmd) as the CLI would, with
// stdin and buffers for its outputs, in an empty folder (no workspace).
func runToolCmd(t *testing.T, newCmd func(*cmdutil.Factory) *cobra.Command, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return runToolCmdContext(ctx, t, newCmd, stdin, args...)
}

// runToolCmdContext is runToolCmd with the context the command runs in.
func runToolCmdContext(ctx context.Context, t *testing.T, newCmd func(*cmdutil.Factory) *cobra.Command, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	f := cmdutil.NewFactory(iostreams.New(strings.NewReader(stdin), &out, &errOut))
	f.WorkDir = t.TempDir()
	root := &cobra.Command{Use: "mlops-lab", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newCmd(f))
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err = root.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
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

func TestTopicCommandsEndToEnd(t *testing.T) {
	bs := startCmdTestBroker(t)
	topic := func(stdin string, args ...string) (string, string) {
		t.Helper()
		out, errOut, err := runToolCmd(t, NewCmdTopic, stdin, append(append([]string{"topic"}, args...), "--bootstrap", bs)...)
		if err != nil {
			t.Fatalf("topic %v: %v\n%s", args, err, errOut)
		}
		return out, errOut
	}

	out, _ := topic("", "create", "orders", "--partitions", "3", "--config", "retention.ms=60000")
	if out != "created topic orders (3 partitions)\n" {
		t.Errorf("create: %q", out)
	}
	out, _ = topic("", "create", "users", "--compact")
	if out != "created topic users (1 partition, compacted)\n" {
		t.Errorf("create --compact: %q", out)
	}

	out, _ = topic("", "list")
	want := "TOPIC   PARTITIONS  REPLICAS  COMPACTED\n" +
		"orders  3           1         no\n" +
		"users   1           1         yes\n"
	if out != want {
		t.Errorf("list:\n%s\nwant\n%s", out, want)
	}

	_, errOut := topic("u1:{\"region\":\"r1\"}\nu2:{\"region\":\"r2\"}\nu1:NULL\n", "produce", "users", "--key-separator", ":", "--value-format", "json", "--null-marker", "NULL")
	if !strings.HasSuffix(errOut, "sent 3 records to users (partition 0: 3)\n") {
		t.Errorf("produce summary: %q", errOut)
	}

	out, errOut = topic("", "consume", "users", "--from-beginning", "--print-key", "--print-offset", "--timeout", "1s")
	want = "Offset:0\tu1\t{\"region\":\"r1\"}\nOffset:1\tu2\t{\"region\":\"r2\"}\nOffset:2\tu1\tnull\n"
	if out != want {
		t.Errorf("consume text:\n%s\nwant\n%s", out, want)
	}
	if !strings.HasSuffix(errOut, "read 3 records\n") {
		t.Errorf("consume summary: %q", errOut)
	}

	out, _ = topic("", "consume", "users", "--offset", "1", "--partition", "0", "--max-messages", "1", "--format", "json")
	var rec map[string]any
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatalf("consume --format json: %v: %s", err, out)
	}
	if rec["topic"] != "users" || rec["offset"] != 1.0 || rec["key"] != "u2" || rec["value"].(map[string]any)["region"] != "r2" {
		t.Errorf("consume json: %s", out)
	}

	topic("k\tv\n", "produce", "orders", "--key-separator", `\t`)
	out, _ = topic("", "describe", "orders")
	for _, want := range []string{
		"Topic: orders\tPartitions: 3\tRecords: 1\tCompacted: no",
		"PARTITION  LEADER  REPLICAS  IN-SYNC  EARLIEST  LATEST  RECORDS",
		"Configs set on the topic:\n  retention.ms = 60000",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("describe lacks %q:\n%s", want, out)
		}
	}
	if regexp.MustCompile(`(?m)^[012] +0 +0 +0 +0 +[01] +[01]$`).FindAllString(out, -1) == nil {
		t.Errorf("describe's partition rows:\n%s", out)
	}

	out, _ = topic("", "delete", "orders")
	if out != "deleted topic orders\n" {
		t.Errorf("delete: %q", out)
	}
	topic("", "delete", "orders", "--if-exists")
	out, _ = topic("", "list")
	if strings.Contains(out, "orders") {
		t.Errorf("orders still listed after delete:\n%s", out)
	}
}

func TestTopicProduceFromFileAndGroups(t *testing.T) {
	bs := startCmdTestBroker(t)
	if err := kafkautil.CreateTopic(context.Background(), bs, "jobs", kafkautil.CreateTopicOptions{Partitions: 2}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "jobs.txt")
	if err := os.WriteFile(file, []byte("a=1\nb=2\nc=3\nd=4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, err := runToolCmd(t, NewCmdTopic, "", "topic", "produce", "jobs", "-f", file, "--key-separator", "=", "--bootstrap", bs); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	first, _, err := runToolCmd(t, NewCmdTopic, "", "topic", "consume", "jobs", "--group", "g1", "--from-beginning", "-n", "3", "--bootstrap", bs)
	if err != nil {
		t.Fatal(err)
	}
	// --from-beginning applies only to partitions where the group has no
	// committed offset yet: the first run may not have touched them all.
	second, _, err := runToolCmd(t, NewCmdTopic, "", "topic", "consume", "jobs", "--group", "g1", "--from-beginning", "--timeout", "3s", "--bootstrap", bs)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(first + second)
	if len(lines) != 4 || strings.Count(first, "\n") != 3 {
		t.Errorf("the group read %q then %q; want 3 records, then the 1 left", first, second)
	}
}

func TestTopicProduceBadLine(t *testing.T) {
	bs := startCmdTestBroker(t)
	if _, _, err := runToolCmd(t, NewCmdTopic, "", "topic", "create", "events", "--bootstrap", bs); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := runToolCmd(t, NewCmdTopic, "{\"a\":1}\n{\"a\":2}\nnot json\n{\"a\":4}\n", "topic", "produce", "events", "--value-format", "json", "--bootstrap", bs)
	if err == nil || !strings.HasPrefix(err.Error(), "line 3: value is not valid JSON: ") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error = %v", err)
	}
	if !strings.Contains(errOut, "sent 2 records to events") {
		t.Errorf("stderr: %q", errOut)
	}
	out, _, err := runToolCmd(t, NewCmdTopic, "", "topic", "consume", "events", "--from-beginning", "--timeout", "1s", "--bootstrap", bs)
	if err != nil || out != "{\"a\":1}\n{\"a\":2}\n" {
		t.Fatalf("after the bad line the topic holds %q (%v); want the 2 lines before it", out, err)
	}
}

// TestTopicUserErrors: what only the cluster can tell is wrong gets one
// line saying what to do (TestTopicFlagErrors checks the rest without one).
func TestTopicUserErrors(t *testing.T) {
	bs := startCmdTestBroker(t)
	if _, _, err := runToolCmd(t, NewCmdTopic, "", "topic", "create", "exists", "--bootstrap", bs); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"create", "exists"}, `topic "exists" already exists: look at it with ` + "`mlops-lab topic describe exists`"},
		{[]string{"describe", "nope"}, `topic "nope" does not exist: see the topics with ` + "`mlops-lab topic list`"},
		{[]string{"delete", "nope"}, `topic "nope" does not exist`},
		{[]string{"produce", "nope"}, "or create it with `mlops-lab topic create nope`"},
		{[]string{"produce", "exists", "--partition", "3"}, "topic exists has no partition 3: its partitions are 0 to 0"},
		{[]string{"produce", "exists", "--file", "/no/such/file"}, "reading records: open /no/such/file"},
		{[]string{"consume", "nope", "--timeout", "1s"}, `topic "nope" does not exist`},
		{[]string{"consume", "exists", "--offset", "99", "--partition", "0"}, "offset 99 is out of range for partition 0 of exists"},
	}
	for _, tt := range tests {
		args := append(append([]string{"topic"}, tt.args...), "--bootstrap", bs)
		_, _, err := runToolCmd(t, NewCmdTopic, "x\n", args...)
		if err == nil {
			t.Errorf("topic %v succeeded", tt.args)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("topic %v:\n  error %q\n  want one line containing %q", tt.args, err, tt.want)
		}
	}
}

func TestTopicFreshBrokerIsAnnounced(t *testing.T) {
	_, errOut, err := runToolCmd(t, NewCmdTopic, "", "topic", "list")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "note: no `mlops-lab start` runs in this workspace") || !strings.Contains(errOut, "no topics yet") {
		t.Errorf("stderr: %q", errOut)
	}
}

func TestUnescapeSeparator(t *testing.T) {
	for in, want := range map[string]string{`\t`: "\t", ":": ":", `\\`: `\`, `a"\t`: `a"\t`, "||": "||"} {
		if got := unescapeSeparator(in); got != want {
			t.Errorf("unescapeSeparator(%q) = %q, want %q", in, got, want)
		}
	}
}

// parseTopic runs `topic ARGS...` with a runF on every subcommand that
// captures its options instead of connecting; it returns the options of
// the subcommand that ran (nil when none did).
func parseTopic(t *testing.T, args ...string) (any, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.NewFactory(ios)
	f.WorkDir = t.TempDir()
	var got any
	capture := func(o any) error { got = o; return nil }
	group := &cobra.Command{Use: "topic"}
	group.AddCommand(
		NewCmdList(f, func(o *ListOptions) error { return capture(o) }),
		NewCmdCreate(f, func(o *CreateOptions) error { return capture(o) }),
		NewCmdDescribe(f, func(o *DescribeOptions) error { return capture(o) }),
		NewCmdDelete(f, func(o *DeleteOptions) error { return capture(o) }),
		NewCmdProduce(f, func(o *ProduceOptions) error { return capture(o) }),
		NewCmdConsume(f, func(o *ConsumeOptions) error { return capture(o) }),
	)
	root := &cobra.Command{Use: "mlops-lab", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(group)
	root.SetArgs(append([]string{"topic"}, args...))
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	err := root.ExecuteContext(context.Background())
	return got, err
}

func TestTopicFlagDefaults(t *testing.T) {
	got, err := parseTopic(t, "list")
	if l, ok := got.(*ListOptions); err != nil || !ok || l.All || l.Env.Runtime != "embedded" || l.Env.Bootstrap != "" || l.Ctx == nil {
		t.Errorf("list: %+v, %v", got, err)
	}
	got, err = parseTopic(t, "create", "orders", "--config", "retention.ms=60000", "--compact", "-p", "3")
	if c, ok := got.(*CreateOptions); err != nil || !ok || c.Topic != "orders" || c.Partitions != 3 || c.ReplicationFactor != 0 ||
		!c.Compact || c.IfNotExists || c.ConfigMap["retention.ms"] != "60000" || len(c.ConfigMap) != 1 {
		t.Errorf("create: %+v, %v", got, err)
	}
	got, err = parseTopic(t, "create", "t")
	if c, ok := got.(*CreateOptions); err != nil || !ok || c.Partitions != 1 || len(c.ConfigMap) != 0 {
		t.Errorf("create defaults: %+v, %v", got, err)
	}
	got, err = parseTopic(t, "describe", "orders", "--all-configs", "--bootstrap", "h:1")
	if d, ok := got.(*DescribeOptions); err != nil || !ok || d.Topic != "orders" || !d.AllConfigs || d.Env.Bootstrap != "h:1" {
		t.Errorf("describe: %+v, %v", got, err)
	}
	got, err = parseTopic(t, "delete", "orders", "--if-exists")
	if d, ok := got.(*DeleteOptions); err != nil || !ok || d.Topic != "orders" || !d.IfExists {
		t.Errorf("delete: %+v, %v", got, err)
	}

	got, err = parseTopic(t, "produce", "orders")
	p, ok := got.(*ProduceOptions)
	if err != nil || !ok {
		t.Fatalf("produce: %+v, %v", got, err)
	}
	want := kafkautil.ProduceOptions{ValueFormat: "string", HeadersSeparator: ",", HeadersKeySeparator: ":"}
	if p.Topic != "orders" || p.File != "" || p.Produce != want {
		t.Errorf("produce defaults: %+v", p.Produce)
	}
	got, err = parseTopic(t, "produce", "orders", "--key-separator", `\t`, "--partition", "0", "--value-format", "json", "--parse-headers",
		"--headers-delimiter", "|", "--headers-separator", `\n`, "--null-marker", "NULL", "-f", "in.txt")
	p, ok = got.(*ProduceOptions)
	if err != nil || !ok {
		t.Fatalf("produce: %+v, %v", got, err)
	}
	if p.Produce.KeySeparator != "\t" || p.Produce.Partition == nil || *p.Produce.Partition != 0 || p.Produce.ValueFormat != "json" ||
		!p.Produce.ParseHeaders || p.Produce.HeadersDelimiter != "|" || p.Produce.HeadersSeparator != "\n" || p.Produce.NullMarker != "NULL" || p.File != "in.txt" {
		t.Errorf("produce flags: %+v", p.Produce)
	}

	got, err = parseTopic(t, "consume", "orders")
	c, ok := got.(*ConsumeOptions)
	if err != nil || !ok {
		t.Fatalf("consume: %+v, %v", got, err)
	}
	if c.Consume.From != kafkautil.FromLatest || c.Consume.Partitions != nil || c.Consume.Group != "" || c.Consume.MaxMessages != 0 ||
		c.Consume.Timeout != 0 || c.Printer.Format != "text" || c.Printer.Separator != "" {
		t.Errorf("consume defaults: %+v %+v", c.Consume, c.Printer)
	}
	for _, tc := range []struct {
		args   []string
		from   kafkautil.StartFrom
		offset int64
	}{
		{[]string{"--from-beginning"}, kafkautil.FromBeginning, 0},
		{[]string{"--offset", "Earliest"}, kafkautil.FromBeginning, 0},
		{[]string{"--offset", "end"}, kafkautil.FromLatest, 0},
		{[]string{"--offset", "42", "--partition", "1"}, kafkautil.FromOffset, 42},
	} {
		got, err := parseTopic(t, append([]string{"consume", "orders"}, tc.args...)...)
		c, ok := got.(*ConsumeOptions)
		if err != nil || !ok || c.Consume.From != tc.from || c.Consume.Offset != tc.offset {
			t.Errorf("consume %v: %+v, %v", tc.args, got, err)
		}
	}
	got, err = parseTopic(t, "consume", "orders", "--partition", "2", "-n", "5", "--timeout", "2s", "--separator", `\t`, "--group", "")
	c, ok = got.(*ConsumeOptions)
	if err != nil || !ok || len(c.Consume.Partitions) != 1 || c.Consume.Partitions[0] != 2 || c.Consume.MaxMessages != 5 ||
		c.Consume.Timeout != 2*time.Second || c.Printer.Separator != "\t" {
		t.Errorf("consume flags: %+v, %v", got, err)
	}
}

// TestTopicFlagErrors: whatever a user types, one line saying what to do,
// before anything connects.
func TestTopicFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"list", "x"}, "topic list takes no arguments"},
		{[]string{"list", "--all=maybe"}, `invalid argument "maybe" for "--all"`},
		{[]string{"create"}, "topic create needs the topic's name"},
		{[]string{"create", "a", "b"}, "topic create needs the topic's name"},
		{[]string{"create", "bad name"}, `topic name "bad name" is not valid`},
		{[]string{"create", "t", "--partitions", "0"}, "--partitions must be at least 1"},
		{[]string{"create", "t", "--partitions", "many"}, `invalid argument "many" for "-p, --partitions"`},
		{[]string{"create", "t", "--replication-factor", "-1"}, "--replication-factor must be at least 1, or 0 for the cluster's default (got -1)"},
		{[]string{"create", "t", "--config", "retention"}, `config "retention" is not KEY=VALUE`},
		{[]string{"create", "t", "--config", "retension.ms=5"}, "did you mean retention.ms?"},
		{[]string{"describe"}, "topic describe needs the topic's name"},
		{[]string{"describe", "a/b"}, `topic name "a/b" is not valid`},
		{[]string{"delete"}, "topic delete needs the topic's name"},
		{[]string{"delete", ".."}, `topic name ".." is not allowed`},
		{[]string{"produce"}, "topic produce needs the topic's name"},
		{[]string{"produce", "t", "--value-format", "xml"}, "--value-format must be string or json"},
		{[]string{"produce", "t", "--partition", "-1"}, "--partition must be 0 or more"},
		{[]string{"consume"}, "topic consume needs the topic's name"},
		{[]string{"consume", "t", "--offset", "soon"}, "--offset must be earliest, latest or an offset"},
		{[]string{"consume", "t", "--offset", "-3"}, "--offset must be earliest, latest or an offset of 0 or more"},
		{[]string{"consume", "t", "--offset", "3", "--from-beginning"}, "keep one"},
		{[]string{"consume", "t", "--partition", "-1"}, "--partition must be 0 or more"},
		{[]string{"consume", "t", "--group", "g", "--partition", "0"}, "--group and --partition do not mix"},
		{[]string{"consume", "t", "--group", "g", "--offset", "5"}, "--group and --offset N do not mix"},
		{[]string{"consume", "t", "--format", "xml"}, `--format: unknown format "xml"`},
		{[]string{"consume", "t", "-n", "-1"}, "--max-messages must be 0 (no limit) or more"},
		{[]string{"consume", "t", "--timeout", "-1s"}, "--timeout must be 0"},
		{[]string{"consume", "t", "--timeout", "soon"}, `invalid argument "soon" for "--timeout"`},
	}
	for _, tt := range tests {
		got, err := parseTopic(t, tt.args...)
		if err == nil {
			t.Errorf("topic %v succeeded", tt.args)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("topic %v:\n  error %q\n  want one line containing %q", tt.args, err, tt.want)
		}
		if got != nil {
			t.Errorf("topic %v: ran despite the error", tt.args)
		}
	}
}
