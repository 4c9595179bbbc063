package topic

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// CreateOptions is what `topic create` needs.
type CreateOptions struct {
	KafkaOptions

	Topic             string
	Partitions        int32
	ReplicationFactor int16
	// Configs are the --config KEY=VALUE pairs as typed; ConfigMap is them
	// parsed and checked.
	Configs     []string
	ConfigMap   map[string]string
	Compact     bool
	IfNotExists bool
}

// NewCmdCreate returns `topic create`; runF, when not nil, runs instead of
// the command once the arguments are checked (for tests).
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{KafkaOptions: newKafkaOptions(f)}
	cmd := &cobra.Command{
		Use:   "create TOPIC",
		Short: "Create a topic",
		Example: `  mlops-lab topic create orders --partitions 3
  mlops-lab topic create users --compact
  mlops-lab topic create clicks --config retention.ms=3600000`,
		Args: cmdutil.ExactArgs(1, "topic create needs the topic's name, e.g. `mlops-lab topic create orders --partitions 3`"),
		RunE: runE(opts, &opts.KafkaOptions, &opts.Topic, func(*cobra.Command) error { return opts.check() }, runF, createRun),
	}
	fl := cmd.Flags()
	fl.Int32VarP(&opts.Partitions, "partitions", "p", 1, "number of partitions")
	fl.Int16Var(&opts.ReplicationFactor, "replication-factor", 0, "copies of each partition (0: the cluster's default)")
	fl.StringArrayVar(&opts.Configs, "config", nil, "topic config KEY=VALUE, repeatable (e.g. retention.ms=60000)")
	fl.BoolVar(&opts.Compact, "compact", false, "keep only the latest record per key (cleanup.policy=compact), as a table's changelog")
	fl.BoolVar(&opts.IfNotExists, "if-not-exists", false, "succeed when the topic exists already")
	opts.Env.Register(cmd)
	return cmd
}

// check checks the name and flags and parses the configs.
func (opts *CreateOptions) check() error {
	if err := kafkautil.ValidateTopicName(opts.Topic); err != nil {
		return err
	}
	if opts.Partitions < 1 {
		return fmt.Errorf("--partitions must be at least 1 (got %d)", opts.Partitions)
	}
	if opts.ReplicationFactor < 0 {
		return fmt.Errorf("--replication-factor must be at least 1, or 0 for the cluster's default (got %d)", opts.ReplicationFactor)
	}
	configs, err := kafkautil.ParseConfigs(opts.Configs)
	if err != nil {
		return err
	}
	for k := range configs {
		if err := kafkautil.ValidateTopicConfig(k); err != nil {
			return err
		}
	}
	opts.ConfigMap = configs
	return nil
}

func createRun(opts *CreateOptions) error {
	return opts.Kafka.With(opts.Ctx, &opts.Env, func(bootstrap string) error {
		err := kafkautil.CreateTopic(opts.Ctx, bootstrap, opts.Topic, kafkautil.CreateTopicOptions{
			Partitions:        opts.Partitions,
			ReplicationFactor: opts.ReplicationFactor,
			Configs:           opts.ConfigMap,
			Compact:           opts.Compact,
			IfNotExists:       opts.IfNotExists,
		})
		if err != nil {
			return topicError(err)
		}
		what := fmt.Sprintf("%d partition", opts.Partitions)
		if opts.Partitions != 1 {
			what += "s"
		}
		if opts.Compact {
			what += ", compacted"
		}
		fmt.Fprintf(opts.IO.Out, "created topic %s (%s)\n", opts.Topic, what)
		return nil
	})
}
