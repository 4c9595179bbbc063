package topic

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// DescribeOptions is what `topic describe` needs.
type DescribeOptions struct {
	KafkaOptions

	Topic      string
	AllConfigs bool
}

// NewCmdDescribe returns `topic describe`; runF, when not nil, runs instead
// of the command once the arguments are checked (for tests).
func NewCmdDescribe(f *cmdutil.Factory, runF func(*DescribeOptions) error) *cobra.Command {
	opts := &DescribeOptions{KafkaOptions: newKafkaOptions(f)}
	cmd := &cobra.Command{
		Use:   "describe TOPIC",
		Short: "Show a topic's partitions (leader, earliest and latest offsets) and configs",
		Args:  cmdutil.ExactArgs(1, "topic describe needs the topic's name, e.g. `mlops-lab topic describe orders`"),
		RunE:  runE(opts, &opts.KafkaOptions, &opts.Topic, func(*cobra.Command) error { return kafkautil.ValidateTopicName(opts.Topic) }, runF, describeRun),
	}
	cmd.Flags().BoolVar(&opts.AllConfigs, "all-configs", false, "also list the configs left at the cluster's defaults")
	opts.Env.Register(cmd)
	return cmd
}

func describeRun(opts *DescribeOptions) error {
	return opts.Kafka.With(opts.Ctx, &opts.Env, func(bootstrap string) error {
		d, err := kafkautil.DescribeTopic(opts.Ctx, bootstrap, opts.Topic)
		if err != nil {
			return topicError(err)
		}
		writeDescription(opts.IO.Out, d, opts.AllConfigs)
		return nil
	})
}

func writeDescription(w io.Writer, d kafkautil.TopicDescription, allConfigs bool) {
	fmt.Fprintf(w, "Topic: %s\tPartitions: %d\tRecords: %d\tCompacted: %s\n\n", d.Name, len(d.Partitions), d.Records(), yesNo(d.Compacted()))
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
		writeConfigs(w, set)
	}
	if allConfigs && len(defaults) > 0 {
		fmt.Fprintln(w, "Defaults:")
		writeConfigs(w, defaults)
	}
}

func writeConfigs(w io.Writer, configs []kafkautil.TopicConfig) {
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
