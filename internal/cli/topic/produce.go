package topic

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/text"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// ProduceOptions is what `topic produce` needs.
type ProduceOptions struct {
	KafkaOptions
	ResolvePath func(string) string

	Topic               string
	File                string
	KeySeparator        string
	Partition           int32
	ValueFormat         string
	NullMarker          string
	ParseHeaders        bool
	HeadersDelimiter    string
	HeadersSeparator    string
	HeadersKeySeparator string

	// Produce is what the flags above ask of kafkautil.Produce (the
	// separators unescaped, Partition set only when --partition is given).
	Produce kafkautil.ProduceOptions
}

// NewCmdProduce returns `topic produce`; runF, when not nil, runs instead of
// the command once the arguments and flags are checked (for tests).
func NewCmdProduce(f *cmdutil.Factory, runF func(*ProduceOptions) error) *cobra.Command {
	opts := &ProduceOptions{KafkaOptions: newKafkaOptions(f), ResolvePath: f.ResolvePath}
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
		Args: cmdutil.ExactArgs(1, "topic produce needs the topic's name, e.g. `mlops-lab topic produce orders`"),
		RunE: runE(opts, &opts.KafkaOptions, &opts.Topic, func(cmd *cobra.Command) error { return opts.check(cmd.Flags().Changed("partition")) }, runF, produceRun),
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.File, "file", "f", "", "read the records from this file instead of standard input")
	fl.StringVar(&opts.KeySeparator, "key-separator", "", `split each line into KEY and VALUE at this separator ('\t' for a tab)`)
	fl.Int32Var(&opts.Partition, "partition", 0, "send every record to this partition (default: the key decides)")
	fl.StringVar(&opts.ValueFormat, "value-format", kafkautil.ValueFormatString, "string (any text) or json (each value must be valid JSON)")
	fl.StringVar(&opts.NullMarker, "null-marker", "", "text that stands for null: a value equal to it is a tombstone, a key equal to it no key")
	fl.BoolVar(&opts.ParseHeaders, "parse-headers", false, `read headers first on each line: h1:v1,h2:v2<TAB>KEY<TAB>VALUE`)
	fl.StringVar(&opts.HeadersDelimiter, "headers-delimiter", "", "ends the headers part of a line (with --parse-headers; default: a tab)")
	fl.StringVar(&opts.HeadersSeparator, "headers-separator", ",", "separates headers (with --parse-headers)")
	fl.StringVar(&opts.HeadersKeySeparator, "headers-key-separator", ":", "separates a header's key from its value (with --parse-headers)")
	opts.Env.Register(cmd)
	return cmd
}

// check checks the name and flags and fills Produce.
func (opts *ProduceOptions) check(partitionGiven bool) error {
	if err := kafkautil.ValidateTopicName(opts.Topic); err != nil {
		return err
	}
	opts.Produce = kafkautil.ProduceOptions{
		KeySeparator:        unescapeSeparator(opts.KeySeparator),
		ValueFormat:         opts.ValueFormat,
		NullMarker:          opts.NullMarker,
		ParseHeaders:        opts.ParseHeaders,
		HeadersDelimiter:    unescapeSeparator(opts.HeadersDelimiter),
		HeadersSeparator:    unescapeSeparator(opts.HeadersSeparator),
		HeadersKeySeparator: unescapeSeparator(opts.HeadersKeySeparator),
	}
	if partitionGiven {
		if opts.Partition < 0 {
			return fmt.Errorf("--partition must be 0 or more (got %d)", opts.Partition)
		}
		opts.Produce.Partition = &opts.Partition
	}
	if opts.ValueFormat != kafkautil.ValueFormatString && opts.ValueFormat != kafkautil.ValueFormatJSON {
		return fmt.Errorf("--value-format must be %s or %s (got %q)", kafkautil.ValueFormatString, kafkautil.ValueFormatJSON, opts.ValueFormat)
	}
	return nil
}

func produceRun(opts *ProduceOptions) error {
	in := opts.IO.In
	// Records typed at the terminal get a prompt; a file is never typed.
	typed := opts.IO.IsStdinTTY()
	if opts.File != "" {
		f, err := os.Open(opts.ResolvePath(opts.File))
		if err != nil {
			// Name the file as it was typed, not as resolved.
			var pe *fs.PathError
			if errors.As(err, &pe) {
				pe.Path = opts.File
			}
			return fmt.Errorf("reading records: %w", err)
		}
		defer f.Close()
		in, typed = f, false
	}
	if in == nil {
		in = strings.NewReader("")
	}
	return opts.Kafka.With(opts.Ctx, &opts.Env, func(bootstrap string) error {
		if typed {
			fmt.Fprintf(opts.IO.ErrOut, "type records for %s, one per line; Ctrl-D to finish\n", opts.Topic)
		}
		res, err := kafkautil.Produce(opts.Ctx, bootstrap, opts.Topic, in, opts.Produce)
		if res.Sent > 0 || err == nil {
			fmt.Fprintf(opts.IO.ErrOut, "sent %s to %s%s\n", text.Pluralize(res.Sent, "record"), opts.Topic, partitionCounts(res.Partitions))
		}
		var lineErr *kafkautil.LineError
		if errors.As(err, &lineErr) && res.Sent > 0 {
			return fmt.Errorf("%w (the lines before it were sent; send the rest again once it is fixed)", err)
		}
		return topicError(err)
	})
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
