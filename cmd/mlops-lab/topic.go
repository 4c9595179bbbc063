package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

func newTopicCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "topic",
		Short: "List, create, describe and delete topics; produce and consume records",
		Long: `Console tools for Kafka topics, in the spirit of kafka-topics,
kafka-console-producer and kafka-console-consumer.

They talk to the environment of a running ` + "`mlops-lab start`" + ` in this workspace, or to
the cluster given with --bootstrap HOST:PORT.`,
		Example: `  mlops-lab topic list
  mlops-lab topic create orders --partitions 3
  mlops-lab topic create users --compact
  echo 'k1:{"n":1}' | mlops-lab topic produce orders --key-separator : --value-format json
  mlops-lab topic consume orders --from-beginning --print-key --max-messages 10
  mlops-lab topic describe orders`,
	}
	cmd.AddCommand(
		newTopicListCmd(app),
		newTopicCreateCmd(app),
		newTopicDescribeCmd(app),
		newTopicDeleteCmd(app),
		newTopicProduceCmd(app),
		newTopicConsumeCmd(app),
	)
	return cmd
}

// connectKafkaTool returns the Kafka environment for the console tools and
// datagen: the one given by flags, the running `mlops-lab start`, or a fresh
// embedded broker. A cluster given with --bootstrap that does not answer
// fails within env.ConnectTimeout. A fresh one is empty and gone when the
// command ends, which surprises people, so it is announced on app.Err. The
// caller closes the environment (a no-op for environments it attached to).
func connectKafkaTool(ctx context.Context, app *App, flags *envFlags) (env.Environment, error) {
	external := flags.bootstrap != "" || flags.runtime == env.External
	e, err := app.connect(ctx, flags, env.Needs{Kafka: true})
	if err != nil {
		return nil, err
	}
	if !external && !attachedTo(app, e) {
		fmt.Fprintf(app.Err, "note: no `mlops-lab start` runs in this workspace, so this command started its own empty Kafka at %s, which stops when it ends; run `mlops-lab start LAB` in another terminal first, or pass --bootstrap HOST:PORT\n", e.Bootstrap())
	}
	return e, nil
}

// attachedTo says whether e is the environment a running `mlops-lab start`
// recorded in the workspace.
func attachedTo(app *App, e env.Environment) bool {
	ws, err := app.workspace()
	if err != nil {
		return false
	}
	rec, err := env.LiveRecord(ws)
	return err == nil && rec.Bootstrap == e.Bootstrap()
}

// withKafkaTool runs fn with the bootstrap address of the Kafka environment and
// closes what it started afterwards.
func withKafkaTool(ctx context.Context, app *App, flags *envFlags, fn func(bootstrap string) error) error {
	e, err := connectKafkaTool(ctx, app, flags)
	if err != nil {
		return err
	}
	defer e.Close(context.Background())
	return fn(e.Bootstrap())
}

// topicError adds what to do to the errors a learner meets most.
func topicError(err error) error {
	var unknown *kafkautil.UnknownTopicError
	var exists *kafkautil.TopicExistsError
	switch {
	case errors.As(err, &unknown):
		return fmt.Errorf("%w: see the topics with `mlops-lab topic list`, or create it with `mlops-lab topic create %s`", err, unknown.Topic)
	case errors.As(err, &exists):
		return fmt.Errorf("%w: look at it with `mlops-lab topic describe %s`, or pass --if-not-exists", err, exists.Topic)
	}
	return err
}

// unescapeSeparator turns a separator typed on the command line into the
// characters it names: `\t` (which the shell passes as backslash and t) is a
// tab, `\n` a newline, `\\` a backslash.
func unescapeSeparator(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	if u, err := strconv.Unquote(`"` + s + `"`); err == nil {
		return u
	}
	return s
}

// --- list -----------------------------------------------------------------

type topicListOptions struct {
	env envFlags
	all bool
}

func newTopicListCmd(app *App) *cobra.Command {
	opts := &topicListOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List topics with their partitions and cleanup policy",
		Args:  exactArgs(0, "topic list takes no arguments: run `mlops-lab topic list`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTopicList(cmd.Context(), app, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.all, "all", false, "include Kafka's internal topics (__consumer_offsets, ...)")
	opts.env.register(cmd)
	return cmd
}

func runTopicList(ctx context.Context, app *App, opts *topicListOptions) error {
	return withKafkaTool(ctx, app, &opts.env, func(bootstrap string) error {
		topics, err := kafkautil.ListTopics(ctx, bootstrap)
		if err != nil {
			return err
		}
		topics = slices.DeleteFunc(topics, func(t kafkautil.TopicInfo) bool { return t.Internal && !opts.all })
		if len(topics) == 0 {
			fmt.Fprintln(app.Err, "no topics yet: create one with `mlops-lab topic create NAME`")
			return nil
		}
		tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TOPIC\tPARTITIONS\tREPLICAS\tCOMPACTED")
		for _, t := range topics {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", t.Name, t.Partitions, t.ReplicationFactor, topicYesNo(t.Compacted))
		}
		return tw.Flush()
	})
}

func topicYesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// --- create ---------------------------------------------------------------

type topicCreateOptions struct {
	env               envFlags
	topic             string
	partitions        int32
	replicationFactor int16
	configs           []string
	compact           bool
	ifNotExists       bool
}

func newTopicCreateCmd(app *App) *cobra.Command {
	opts := &topicCreateOptions{}
	cmd := &cobra.Command{
		Use:   "create TOPIC",
		Short: "Create a topic",
		Example: `  mlops-lab topic create orders --partitions 3
  mlops-lab topic create users --compact
  mlops-lab topic create clicks --config retention.ms=3600000`,
		Args: exactArgs(1, "topic create needs the topic's name, e.g. `mlops-lab topic create orders --partitions 3`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.topic = args[0]
			return runTopicCreate(cmd.Context(), app, opts)
		},
	}
	fl := cmd.Flags()
	fl.Int32VarP(&opts.partitions, "partitions", "p", 1, "number of partitions")
	fl.Int16Var(&opts.replicationFactor, "replication-factor", 0, "copies of each partition (0: the cluster's default)")
	fl.StringArrayVar(&opts.configs, "config", nil, "topic config KEY=VALUE, repeatable (e.g. retention.ms=60000)")
	fl.BoolVar(&opts.compact, "compact", false, "keep only the latest record per key (cleanup.policy=compact), as a table's changelog")
	fl.BoolVar(&opts.ifNotExists, "if-not-exists", false, "succeed when the topic exists already")
	opts.env.register(cmd)
	return cmd
}

func runTopicCreate(ctx context.Context, app *App, opts *topicCreateOptions) error {
	if err := kafkautil.ValidateTopicName(opts.topic); err != nil {
		return err
	}
	if opts.partitions < 1 {
		return fmt.Errorf("--partitions must be at least 1 (got %d)", opts.partitions)
	}
	if opts.replicationFactor < 0 {
		return fmt.Errorf("--replication-factor must be at least 1, or 0 for the cluster's default (got %d)", opts.replicationFactor)
	}
	configs, err := kafkautil.ParseConfigs(opts.configs)
	if err != nil {
		return err
	}
	for k := range configs {
		if err := kafkautil.ValidateTopicConfig(k); err != nil {
			return err
		}
	}
	return withKafkaTool(ctx, app, &opts.env, func(bootstrap string) error {
		err := kafkautil.CreateTopic(ctx, bootstrap, opts.topic, kafkautil.CreateTopicOptions{
			Partitions:        opts.partitions,
			ReplicationFactor: opts.replicationFactor,
			Configs:           configs,
			Compact:           opts.compact,
			IfNotExists:       opts.ifNotExists,
		})
		if err != nil {
			return topicError(err)
		}
		what := fmt.Sprintf("%d partition", opts.partitions)
		if opts.partitions != 1 {
			what += "s"
		}
		if opts.compact {
			what += ", compacted"
		}
		fmt.Fprintf(app.Out, "created topic %s (%s)\n", opts.topic, what)
		return nil
	})
}

// --- describe -------------------------------------------------------------

type topicDescribeOptions struct {
	env        envFlags
	topic      string
	allConfigs bool
}

func newTopicDescribeCmd(app *App) *cobra.Command {
	opts := &topicDescribeOptions{}
	cmd := &cobra.Command{
		Use:   "describe TOPIC",
		Short: "Show a topic's partitions (leader, earliest and latest offsets) and configs",
		Args:  exactArgs(1, "topic describe needs the topic's name, e.g. `mlops-lab topic describe orders`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.topic = args[0]
			return runTopicDescribe(cmd.Context(), app, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.allConfigs, "all-configs", false, "also list the configs left at the cluster's defaults")
	opts.env.register(cmd)
	return cmd
}

func runTopicDescribe(ctx context.Context, app *App, opts *topicDescribeOptions) error {
	if err := kafkautil.ValidateTopicName(opts.topic); err != nil {
		return err
	}
	return withKafkaTool(ctx, app, &opts.env, func(bootstrap string) error {
		d, err := kafkautil.DescribeTopic(ctx, bootstrap, opts.topic)
		if err != nil {
			return topicError(err)
		}
		writeTopicDescription(app.Out, d, opts.allConfigs)
		return nil
	})
}

func writeTopicDescription(w io.Writer, d kafkautil.TopicDescription, allConfigs bool) {
	fmt.Fprintf(w, "Topic: %s\tPartitions: %d\tRecords: %d\tCompacted: %s\n\n", d.Name, len(d.Partitions), d.Records(), topicYesNo(d.Compacted()))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PARTITION\tLEADER\tREPLICAS\tIN-SYNC\tEARLIEST\tLATEST\tRECORDS")
	for _, p := range d.Partitions {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%d\t%d\t%d\n", p.Partition, p.Leader, joinBrokerIDs(p.Replicas), joinBrokerIDs(p.ISR), p.Earliest, p.Latest, p.Latest-p.Earliest)
	}
	tw.Flush()

	var set, defaults []kafkautil.TopicConfig
	for _, c := range d.Configs {
		if c.Default {
			defaults = append(defaults, c)
		} else {
			set = append(set, c)
		}
	}
	fmt.Fprintln(w)
	if len(set) == 0 {
		fmt.Fprintln(w, "Configs: all at the cluster's defaults")
	} else {
		fmt.Fprintln(w, "Configs set on the topic:")
		writeTopicConfigs(w, set)
	}
	if allConfigs && len(defaults) > 0 {
		fmt.Fprintln(w, "Defaults:")
		writeTopicConfigs(w, defaults)
	}
}

func writeTopicConfigs(w io.Writer, configs []kafkautil.TopicConfig) {
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	for _, c := range configs {
		fmt.Fprintf(tw, "  %s\t= %s\n", c.Name, c.Value)
	}
	tw.Flush()
}

func joinBrokerIDs(ids []int32) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(int(id))
	}
	return strings.Join(parts, ",")
}

// --- delete ---------------------------------------------------------------

type topicDeleteOptions struct {
	env      envFlags
	topic    string
	ifExists bool
}

func newTopicDeleteCmd(app *App) *cobra.Command {
	opts := &topicDeleteOptions{}
	cmd := &cobra.Command{
		Use:   "delete TOPIC",
		Short: "Delete a topic and all its records",
		Args:  exactArgs(1, "topic delete needs the topic's name, e.g. `mlops-lab topic delete orders`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.topic = args[0]
			return runTopicDelete(cmd.Context(), app, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.ifExists, "if-exists", false, "succeed when the topic does not exist")
	opts.env.register(cmd)
	return cmd
}

func runTopicDelete(ctx context.Context, app *App, opts *topicDeleteOptions) error {
	if err := kafkautil.ValidateTopicName(opts.topic); err != nil {
		return err
	}
	return withKafkaTool(ctx, app, &opts.env, func(bootstrap string) error {
		err := kafkautil.DeleteTopic(ctx, bootstrap, opts.topic)
		var unknown *kafkautil.UnknownTopicError
		if errors.As(err, &unknown) && opts.ifExists {
			return nil
		}
		if err != nil {
			return topicError(err)
		}
		fmt.Fprintf(app.Out, "deleted topic %s\n", opts.topic)
		return nil
	})
}

// --- produce --------------------------------------------------------------

type topicProduceOptions struct {
	env                 envFlags
	topic               string
	file                string
	keySeparator        string
	partition           int32
	valueFormat         string
	nullMarker          string
	parseHeaders        bool
	headersDelimiter    string
	headersSeparator    string
	headersKeySeparator string
}

func newTopicProduceCmd(app *App) *cobra.Command {
	opts := &topicProduceOptions{}
	cmd := &cobra.Command{
		Use:   "produce TOPIC",
		Short: "Send records read from standard input (or a file), one per line",
		Long: `Send records read from standard input, one per line, like kafka-console-producer.

Each line is a value; with --key-separator, each line is KEY<separator>VALUE and
the key picks the partition (with the Java client's murmur2 hash, so records land
where a Java producer would put them). Empty lines are skipped. The first line
that cannot be parsed stops the command with its line number; the records of
the lines before it are sent. Type records interactively and end with Ctrl-D.`,
		Example: `  mlops-lab topic produce orders
  printf 'k1\t{"n":1}\nk2\t{"n":2}\n' | mlops-lab topic produce orders --key-separator '\t' --value-format json
  mlops-lab topic produce users --key-separator : --null-marker NULL   # "u1:NULL" deletes u1
  mlops-lab topic produce orders --file orders.txt --partition 0`,
		Args: exactArgs(1, "topic produce needs the topic's name, e.g. `mlops-lab topic produce orders`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.topic = args[0]
			return runTopicProduce(cmd.Context(), app, cmd, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.file, "file", "f", "", "read the records from this file instead of standard input")
	fl.StringVar(&opts.keySeparator, "key-separator", "", `split each line into KEY and VALUE at this separator ('\t' for a tab)`)
	fl.Int32Var(&opts.partition, "partition", 0, "send every record to this partition (default: the key decides)")
	fl.StringVar(&opts.valueFormat, "value-format", kafkautil.ValueFormatString, "string (any text) or json (each value must be valid JSON)")
	fl.StringVar(&opts.nullMarker, "null-marker", "", "text that stands for null: a value equal to it is a tombstone, a key equal to it no key")
	fl.BoolVar(&opts.parseHeaders, "parse-headers", false, `read headers first on each line: h1:v1,h2:v2<TAB>KEY<TAB>VALUE`)
	fl.StringVar(&opts.headersDelimiter, "headers-delimiter", "", "ends the headers part of a line (with --parse-headers; default: a tab)")
	fl.StringVar(&opts.headersSeparator, "headers-separator", ",", "separates headers (with --parse-headers)")
	fl.StringVar(&opts.headersKeySeparator, "headers-key-separator", ":", "separates a header's key from its value (with --parse-headers)")
	opts.env.register(cmd)
	return cmd
}

func runTopicProduce(ctx context.Context, app *App, cmd *cobra.Command, opts *topicProduceOptions) error {
	if err := kafkautil.ValidateTopicName(opts.topic); err != nil {
		return err
	}
	popts := kafkautil.ProduceOptions{
		KeySeparator:        unescapeSeparator(opts.keySeparator),
		ValueFormat:         opts.valueFormat,
		NullMarker:          opts.nullMarker,
		ParseHeaders:        opts.parseHeaders,
		HeadersDelimiter:    unescapeSeparator(opts.headersDelimiter),
		HeadersSeparator:    unescapeSeparator(opts.headersSeparator),
		HeadersKeySeparator: unescapeSeparator(opts.headersKeySeparator),
	}
	if cmd.Flags().Changed("partition") {
		if opts.partition < 0 {
			return fmt.Errorf("--partition must be 0 or more (got %d)", opts.partition)
		}
		popts.Partition = &opts.partition
	}
	if opts.valueFormat != kafkautil.ValueFormatString && opts.valueFormat != kafkautil.ValueFormatJSON {
		return fmt.Errorf("--value-format must be %s or %s (got %q)", kafkautil.ValueFormatString, kafkautil.ValueFormatJSON, opts.valueFormat)
	}
	in := app.In
	if opts.file != "" {
		f, err := os.Open(opts.file)
		if err != nil {
			return fmt.Errorf("reading records: %w", err)
		}
		defer f.Close()
		in = f
	}
	if in == nil {
		in = strings.NewReader("")
	}
	return withKafkaTool(ctx, app, &opts.env, func(bootstrap string) error {
		if inputIsTerminal(in) {
			fmt.Fprintf(app.Err, "type records for %s, one per line; Ctrl-D to finish\n", opts.topic)
		}
		res, err := kafkautil.Produce(ctx, bootstrap, opts.topic, in, popts)
		if res.Sent > 0 || err == nil {
			fmt.Fprintf(app.Err, "sent %s to %s%s\n", countOf(res.Sent, "record"), opts.topic, partitionCounts(res.Partitions))
		}
		var lineErr *kafkautil.LineError
		if errors.As(err, &lineErr) && res.Sent > 0 {
			return fmt.Errorf("%w (the lines before it were sent; send the rest again once it is fixed)", err)
		}
		return topicError(err)
	})
}

func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// partitionCounts renders " (partition 0: 3, partition 2: 1)".
func partitionCounts(counts map[int32]int) string {
	if len(counts) == 0 {
		return ""
	}
	parts := make([]int32, 0, len(counts))
	for p := range counts {
		parts = append(parts, p)
	}
	slices.Sort(parts)
	var b strings.Builder
	b.WriteString(" (")
	for i, p := range parts {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "partition %d: %d", p, counts[p])
	}
	b.WriteString(")")
	return b.String()
}

// inputIsTerminal says whether r is an interactive terminal.
func inputIsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// --- consume --------------------------------------------------------------

type topicConsumeOptions struct {
	env           envFlags
	topic         string
	fromBeginning bool
	offset        string
	partition     int32
	group         string
	maxMessages   int
	timeout       time.Duration
	printer       kafkautil.RecordPrinter
}

func newTopicConsumeCmd(app *App) *cobra.Command {
	opts := &topicConsumeOptions{}
	cmd := &cobra.Command{
		Use:   "consume TOPIC",
		Short: "Print a topic's records as they arrive, or from the beginning",
		Long: `Print a topic's records, like kafka-console-consumer.

By default it waits for new records (add --from-beginning to read what is already
there) and runs until Ctrl-C, --max-messages records, or --timeout without a
record. --format json prints one object per record with topic, partition,
offset, timestamp, key and value (the value as JSON when it is JSON).`,
		Example: `  mlops-lab topic consume orders --from-beginning --max-messages 5
  mlops-lab topic consume orders --print-key --print-partition --print-offset
  mlops-lab topic consume orders --partition 1 --offset 42
  mlops-lab topic consume orders --group reporting --from-beginning --timeout 5s
  mlops-lab topic consume orders --from-beginning --format json --timeout 2s`,
		Args: exactArgs(1, "topic consume needs the topic's name, e.g. `mlops-lab topic consume orders --from-beginning`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.topic = args[0]
			return runTopicConsume(cmd.Context(), app, cmd, opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.fromBeginning, "from-beginning", false, "read the records already in the topic, not only new ones")
	fl.StringVar(&opts.offset, "offset", "", "where to start: earliest, latest, or an offset (in each partition read)")
	fl.Int32Var(&opts.partition, "partition", 0, "read only this partition")
	fl.StringVar(&opts.group, "group", "", "consume as a member of this consumer group, committing offsets")
	fl.IntVarP(&opts.maxMessages, "max-messages", "n", 0, "stop after this many records (0: no limit)")
	fl.DurationVar(&opts.timeout, "timeout", 0, "stop when no record arrived for this long, e.g. 5s (0: wait forever)")
	fl.StringVar(&opts.printer.Format, "format", kafkautil.RecordFormatText, "text or json")
	fl.BoolVar(&opts.printer.PrintKey, "print-key", false, "print each record's key before its value (text)")
	fl.BoolVar(&opts.printer.PrintPartition, "print-partition", false, "print each record's partition (text)")
	fl.BoolVar(&opts.printer.PrintOffset, "print-offset", false, "print each record's offset (text)")
	fl.BoolVar(&opts.printer.PrintTimestamp, "print-timestamp", false, "print each record's timestamp in milliseconds (text)")
	fl.BoolVar(&opts.printer.PrintHeaders, "print-headers", false, "print each record's headers (text)")
	fl.StringVar(&opts.printer.Separator, "separator", "", "what separates the printed fields (text; default: a tab)")
	opts.env.register(cmd)
	return cmd
}

func runTopicConsume(ctx context.Context, app *App, cmd *cobra.Command, opts *topicConsumeOptions) error {
	if err := kafkautil.ValidateTopicName(opts.topic); err != nil {
		return err
	}
	if err := opts.printer.Validate(); err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	opts.printer.Separator = unescapeSeparator(opts.printer.Separator)
	copts := kafkautil.ConsumeOptions{From: kafkautil.FromLatest, Group: opts.group, MaxMessages: opts.maxMessages, Timeout: opts.timeout}
	if opts.fromBeginning {
		copts.From = kafkautil.FromBeginning
	}
	if opts.offset != "" {
		if opts.fromBeginning {
			return errors.New("--from-beginning and --offset both say where to start: keep one")
		}
		switch strings.ToLower(opts.offset) {
		case "earliest", "beginning":
			copts.From = kafkautil.FromBeginning
		case "latest", "end":
			copts.From = kafkautil.FromLatest
		default:
			n, err := strconv.ParseInt(opts.offset, 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("--offset must be earliest, latest or an offset of 0 or more (got %q)", opts.offset)
			}
			copts.From, copts.Offset = kafkautil.FromOffset, n
		}
	}
	if cmd.Flags().Changed("partition") {
		if opts.partition < 0 {
			return fmt.Errorf("--partition must be 0 or more (got %d)", opts.partition)
		}
		copts.Partitions = []int32{opts.partition}
	}
	if opts.group != "" && copts.Partitions != nil {
		return errors.New("--group and --partition do not mix: the group decides which partitions each member reads")
	}
	if opts.group != "" && copts.From == kafkautil.FromOffset {
		return errors.New("--group and --offset N do not mix: a group starts from its committed offsets")
	}
	if opts.maxMessages < 0 {
		return fmt.Errorf("--max-messages must be 0 (no limit) or more (got %d)", opts.maxMessages)
	}
	if opts.timeout < 0 {
		return fmt.Errorf("--timeout must be 0 (wait forever) or more (got %v)", opts.timeout)
	}
	return withKafkaTool(ctx, app, &opts.env, func(bootstrap string) error {
		if copts.From == kafkautil.FromLatest && opts.group == "" {
			fmt.Fprintf(app.Err, "waiting for new records on %s (add --from-beginning to read what is already there; Ctrl-C to stop)\n", opts.topic)
		}
		n, err := kafkautil.Consume(ctx, bootstrap, opts.topic, copts, func(r kafkautil.ConsumerRecord) error {
			return opts.printer.Print(app.Out, r)
		})
		if err != nil {
			return topicError(err)
		}
		fmt.Fprintf(app.Err, "read %s\n", countOf(n, "record"))
		return nil
	})
}
