package topic

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/cli/kafkatool"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// DeleteOptions is what `topic delete` needs.
type DeleteOptions struct {
	IO    *iostreams.IOStreams
	Ctx   context.Context
	Kafka *kafkatool.Tool

	Env      cmdutil.EnvFlags
	Topic    string
	IfExists bool
}

// NewCmdDelete returns `topic delete`; runF, when not nil, runs instead of
// the command once the arguments are checked (for tests).
func NewCmdDelete(f *cmdutil.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{IO: f.IOStreams, Kafka: kafkatool.New(f)}
	cmd := &cobra.Command{
		Use:   "delete TOPIC",
		Short: "Delete a topic and all its records",
		Args:  cmdutil.ExactArgs(1, "topic delete needs the topic's name, e.g. `mlops-lab topic delete orders`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.Topic = args[0]
			if err := kafkautil.ValidateTopicName(opts.Topic); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return deleteRun(opts)
		},
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
