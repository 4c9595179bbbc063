// Package topic is the `mlops-lab topic` command group: console tools for
// Kafka topics in the spirit of kafka-topics, kafka-console-producer and
// kafka-console-consumer, over the admin, produce and consume functions of
// pkg/kafkautil.
package topic

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/cli/kafkatool"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// NewCmdTopic returns the topic command group.
func NewCmdTopic(f *cmdutil.Factory) *cobra.Command {
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
		NewCmdList(f, nil),
		NewCmdCreate(f, nil),
		NewCmdDescribe(f, nil),
		NewCmdDelete(f, nil),
		NewCmdProduce(f, nil),
		NewCmdConsume(f, nil),
	)
	return cmd
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

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// KafkaOptions is what every topic subcommand needs to reach Kafka.
type KafkaOptions = kafkatool.Options

func newKafkaOptions(f *cmdutil.Factory) KafkaOptions { return kafkatool.NewOptions(f) }

// runE is the RunE of a topic subcommand: it takes the command's context
// into base and the first argument into topic (when not nil), checks the
// options with check (when not nil), and then runs runF when it is not nil
// (tests), else run.
func runE[O any](opts *O, base *KafkaOptions, topic *string, check func(*cobra.Command) error, runF, run func(*O) error) func(*cobra.Command, []string) error {
	return cmdutil.RunE(opts, func(cmd *cobra.Command, args []string) error {
		base.Ctx = cmd.Context()
		if topic != nil {
			*topic = args[0]
		}
		if check == nil {
			return nil
		}
		return check(cmd)
	}, runF, run)
}
