package topic

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/text"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// ConsumeOptions is what `topic consume` needs.
type ConsumeOptions struct {
	KafkaOptions

	Topic         string
	FromBeginning bool
	Offset        string
	Partition     int32
	Group         string
	MaxMessages   int
	Timeout       time.Duration
	// Printer prints each record; its Separator is unescaped once checked.
	Printer kafkautil.RecordPrinter

	// Consume is what the flags above ask of kafkautil.Consume.
	Consume kafkautil.ConsumeOptions
}

// NewCmdConsume returns `topic consume`; runF, when not nil, runs instead of
// the command once the arguments and flags are checked (for tests).
func NewCmdConsume(f *cmdutil.Factory, runF func(*ConsumeOptions) error) *cobra.Command {
	opts := &ConsumeOptions{KafkaOptions: newKafkaOptions(f)}
	cmd := &cobra.Command{
		Use:   "consume TOPIC",
		Short: "Print a topic's records as they arrive, or from the beginning",
		Long: `Print a topic's records, like kafka-console-consumer.

By default it waits for new records (add --from-beginning to read what is already
there) and runs until Ctrl-C, --max-messages records, or --timeout.

--timeout is how long to wait without any record: each record that arrives
starts the wait again, so on a topic that keeps receiving records (while
` + "`mlops-lab start`" + ` generates data) it never ends; use --max-messages there.
It suits a topic that nothing writes to any more: read it all, then stop.

--print-key prints a key that is not text readably: a ksqlDB windowed table's
key as [KEY@START/END] (window times in milliseconds; END is - for a tumbling
or hopping window), other bytes escaped as \xNN.

--format json prints one object per record with topic, partition, offset,
timestamp, key and value (the value as JSON when it is JSON).`,
		Example: `  mlops-lab topic consume orders --from-beginning --max-messages 5
  mlops-lab topic consume orders --print-key --print-partition --print-offset
  mlops-lab topic consume orders --partition 1 --offset 42
  mlops-lab topic consume orders --group reporting --from-beginning --max-messages 100
  mlops-lab topic consume orders --from-beginning --format json --max-messages 3`,
		Args: cmdutil.ExactArgs(1, "topic consume needs the topic's name, e.g. `mlops-lab topic consume orders --from-beginning`"),
		RunE: runE(opts, &opts.KafkaOptions, &opts.Topic, func(cmd *cobra.Command) error { return opts.check(cmd.Flags().Changed("partition")) }, runF, consumeRun),
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.FromBeginning, "from-beginning", false, "read the records already in the topic, not only new ones")
	fl.StringVar(&opts.Offset, "offset", "", "where to start: earliest, latest, or an offset (in each partition read)")
	fl.Int32Var(&opts.Partition, "partition", 0, "read only this partition")
	fl.StringVar(&opts.Group, "group", "", "consume as a member of this consumer group, committing offsets")
	fl.IntVarP(&opts.MaxMessages, "max-messages", "n", 0, "stop after this many records (0: no limit)")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "stop once no record has arrived for this long, e.g. 5s; each record restarts the wait (0: wait forever)")
	fl.StringVar(&opts.Printer.Format, "format", kafkautil.RecordFormatText, "text or json")
	fl.BoolVar(&opts.Printer.PrintKey, "print-key", false, "print each record's key before its value (text; a windowed key as [KEY@START/END])")
	fl.BoolVar(&opts.Printer.PrintPartition, "print-partition", false, "print each record's partition (text)")
	fl.BoolVar(&opts.Printer.PrintOffset, "print-offset", false, "print each record's offset (text)")
	fl.BoolVar(&opts.Printer.PrintTimestamp, "print-timestamp", false, "print each record's timestamp in milliseconds (text)")
	fl.BoolVar(&opts.Printer.PrintHeaders, "print-headers", false, "print each record's headers (text)")
	fl.StringVar(&opts.Printer.Separator, "separator", "", "what separates the printed fields (text; default: a tab)")
	opts.Env.Register(cmd)
	return cmd
}

// check checks the name and flags and fills Consume.
func (opts *ConsumeOptions) check(partitionGiven bool) error {
	if err := kafkautil.ValidateTopicName(opts.Topic); err != nil {
		return err
	}
	if err := opts.Printer.Validate(); err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	opts.Printer.Separator = unescapeSeparator(opts.Printer.Separator)
	copts := kafkautil.ConsumeOptions{From: kafkautil.FromLatest, Group: opts.Group, MaxMessages: opts.MaxMessages, Timeout: opts.Timeout}
	if opts.FromBeginning {
		copts.From = kafkautil.FromBeginning
	}
	if opts.Offset != "" {
		if opts.FromBeginning {
			return errors.New("--from-beginning and --offset both say where to start: keep one")
		}
		switch strings.ToLower(opts.Offset) {
		case "earliest", "beginning":
			copts.From = kafkautil.FromBeginning
		case "latest", "end":
			copts.From = kafkautil.FromLatest
		default:
			n, err := strconv.ParseInt(opts.Offset, 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("--offset must be earliest, latest or an offset of 0 or more (got %q)", opts.Offset)
			}
			copts.From, copts.Offset = kafkautil.FromOffset, n
		}
	}
	if partitionGiven {
		if opts.Partition < 0 {
			return fmt.Errorf("--partition must be 0 or more (got %d)", opts.Partition)
		}
		copts.Partitions = []int32{opts.Partition}
	}
	if opts.Group != "" && copts.Partitions != nil {
		return errors.New("--group and --partition do not mix: the group decides which partitions each member reads")
	}
	if opts.Group != "" && copts.From == kafkautil.FromOffset {
		return errors.New("--group and --offset N do not mix: a group starts from its committed offsets")
	}
	if opts.MaxMessages < 0 {
		return fmt.Errorf("--max-messages must be 0 (no limit) or more (got %d)", opts.MaxMessages)
	}
	if opts.Timeout < 0 {
		return fmt.Errorf("--timeout must be 0 (wait forever) or more (got %v)", opts.Timeout)
	}
	opts.Consume = copts
	return nil
}

func consumeRun(opts *ConsumeOptions) error {
	return opts.Kafka.With(opts.Ctx, &opts.Env, func(bootstrap string) error {
		if opts.Consume.From == kafkautil.FromLatest && opts.Group == "" {
			fmt.Fprintf(opts.IO.ErrOut, "waiting for new records on %s (add --from-beginning to read what is already there; Ctrl-C to stop)\n", opts.Topic)
		}
		n, err := kafkautil.Consume(opts.Ctx, bootstrap, opts.Topic, opts.Consume, func(r kafkautil.ConsumerRecord) error {
			return opts.Printer.Print(opts.IO.Out, r)
		})
		if err != nil {
			return topicError(err)
		}
		fmt.Fprintf(opts.IO.ErrOut, "read %s\n", text.Pluralize(n, "record"))
		return nil
	})
}
