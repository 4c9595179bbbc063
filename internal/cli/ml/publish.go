package ml

import (
	"encoding/json"
	"errors"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/mlrun"
)

// PublishOptions is what `ml publish` needs.
type PublishOptions struct {
	KafkaOptions

	Model  string
	Topic  string
	Format string
}

// NewCmdPublish returns `ml publish`; runF, when not nil, runs instead of
// the command once the flags are checked (for tests).
func NewCmdPublish(f *cmdutil.Factory, runF func(*PublishOptions) error) *cobra.Command {
	opts := &PublishOptions{KafkaOptions: newKafkaOptions(f)}
	cmd := &cobra.Command{
		Use:   "publish --model MODEL.json [--topic models]",
		Short: "Publish a trained model to a models topic, where ml serve picks it up",
		Long: `Write the model file as a record of the models topic (compacted; key = the
model's name). A running ml serve for that name swaps to it between two
records, without a restart. The newest record is the model in service, so a
rollback is publishing the older file again.`,
		Example: `  mlops-lab ml publish --model cancer-v2.json
  mlops-lab ml publish --model cancer-v1.json --topic models   # roll back`,
		Args: cmdutil.ExactArgs(0, "ml publish takes no arguments, only flags: `mlops-lab ml publish --model MODEL.json`"),
		RunE: cmdutil.RunE(opts, opts.withContext(opts.check), runF, publishRun),
	}
	opts.Env.Register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.Model, "model", "", "the model file written by ml train")
	fl.StringVar(&opts.Topic, "topic", "models", "the models topic")
	fl.StringVarP(&opts.Format, "format", "o", "text", "output format: text or json")
	return cmd
}

// check checks the flags before the model file is read.
func (o *PublishOptions) check() error {
	if o.Model == "" {
		return errors.New("--model is required: the model file written by ml train")
	}
	return checkFormat(o.Format)
}

func publishRun(opts *PublishOptions) error {
	// The model must build before it goes to the topic, where every ml
	// serve of its name would reject it.
	d, err := opts.Job.Deployable(opts.Model)
	if err != nil {
		return err
	}
	return opts.Kafka.With(opts.Ctx, &opts.Env, func(bootstrap string) error {
		res, err := mlrun.Publish(opts.Ctx, bootstrap, opts.Topic, d.Artifact)
		if err != nil {
			return err
		}
		if opts.Format == "json" {
			return json.NewEncoder(opts.IO.Out).Encode(res)
		}
		return res.WriteText(opts.IO.Out)
	})
}
