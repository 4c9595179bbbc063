package topic

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// DeleteOptions is what `topic delete` needs.
type DeleteOptions struct {
	KafkaOptions

	Topic    string
	IfExists bool
}

// NewCmdDelete returns `topic delete`; runF, when not nil, runs instead of
// the command once the arguments are checked (for tests).
func NewCmdDelete(f *cmdutil.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{KafkaOptions: newKafkaOptions(f)}
	cmd := &cobra.Command{
		Use:   "delete TOPIC",
		Short: "Delete a topic and all its records",
		Args:  cmdutil.ExactArgs(1, "topic delete needs the topic's name, e.g. `mlops-lab topic delete orders`"),
		RunE:  runE(opts, &opts.KafkaOptions, &opts.Topic, func(*cobra.Command) error { return kafkautil.ValidateTopicName(opts.Topic) }, runF, deleteRun),
	}
	cmd.Flags().BoolVar(&opts.IfExists, "if-exists", false, "succeed when the topic does not exist")
	opts.Env.Register(cmd)
	return cmd
}

func deleteRun(opts *DeleteOptions) error {
	return opts.Kafka.With(opts.Ctx, &opts.Env, func(bootstrap string) error {
		err := kafkautil.DeleteTopic(opts.Ctx, bootstrap, opts.Topic)
		if errors.Is(err, kafkautil.ErrUnknownTopic) && opts.IfExists {
			return nil
		}
		if err != nil {
			return topicError(err)
		}
		fmt.Fprintf(opts.IO.Out, "deleted topic %s\n", opts.Topic)
		return nil
	})
}
