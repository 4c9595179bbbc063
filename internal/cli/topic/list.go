package topic

import (
	"fmt"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// ListOptions is what `topic list` needs.
type ListOptions struct {
	KafkaOptions

	All bool
}

// NewCmdList returns `topic list`; runF, when not nil, runs instead of the
// command (for tests).
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{KafkaOptions: newKafkaOptions(f)}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List topics with their partitions and cleanup policy",
		Args:  cmdutil.ExactArgs(0, "topic list takes no arguments: run `mlops-lab topic list`"),
		RunE:  runE(opts, &opts.KafkaOptions, nil, nil, runF, listRun),
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "include Kafka's internal topics (__consumer_offsets, ...)")
	opts.Env.Register(cmd)
	return cmd
}

func listRun(opts *ListOptions) error {
	return opts.Kafka.With(opts.Ctx, &opts.Env, func(bootstrap string) error {
		topics, err := kafkautil.ListTopics(opts.Ctx, bootstrap)
		if err != nil {
			return err
		}
		topics = slices.DeleteFunc(topics, func(t kafkautil.TopicInfo) bool { return t.Internal && !opts.All })
		if len(topics) == 0 {
			fmt.Fprintln(opts.IO.ErrOut, "no topics yet: create one with `mlops-lab topic create NAME`")
			return nil
		}
		tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TOPIC\tPARTITIONS\tREPLICAS\tCOMPACTED")
		for _, t := range topics {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", t.Name, t.Partitions, t.ReplicationFactor, yesNo(t.Compacted))
		}
		return tw.Flush()
	})
}
