package ml

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/mlrun"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

// ServeOptions is what `ml serve` needs.
type ServeOptions struct {
	KafkaOptions

	Input    string
	Output   string
	Models   string
	Name     string
	Model    string
	Group    string
	Interval time.Duration
}

// NewCmdServe returns `ml serve`; runF, when not nil, runs instead of the
// command once the flags are checked (for tests).
func NewCmdServe(f *cmdutil.Factory, runF func(*ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{KafkaOptions: newKafkaOptions(f)}
	cmd := &cobra.Command{
		Use:   "serve --input TOPIC --output TOPIC (--models TOPIC --name NAME | --model MODEL.json)",
		Short: "Score a stream with a model, swapping to new versions as they are published",
		Long: `Read JSON feature records from --input, score each with the model in service
and write {key, prediction, probability, model, model_version, scored_at} to
--output, keyed like the input. Features are found in each record by name
(ignoring case; ADDRESS->ZIPCODE reaches into a nested object).

With --models and --name the model comes from the models topic: the service
waits for a first version, and swaps to every newer record of that name
between two input records; a record that cannot be deployed is reported and
the model in service stays. With --model it serves one model file.

Records that cannot be scored (not JSON, a missing or non-numeric feature)
are skipped and reported with their topic, partition and offset. Offsets are
committed after the scores are acknowledged (at least once): after a crash,
the records since the last commit are scored again. A progress line shows
records/s, the version in service and the skips. Ctrl+C stops it.`,
		Example: `  mlops-lab ml serve --input features --output scores --models models --name cancer
  mlops-lab ml serve --input features --output scores --model cancer.json`,
		Args: cmdutil.ExactArgs(0, "ml serve takes no arguments, only flags: `mlops-lab ml serve --input TOPIC --output TOPIC --models models --name NAME`"),
		RunE: cmdutil.RunE(opts, opts.withContext(opts.check), runF, serveRun),
	}
	opts.Env.Register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.Input, "input", "", "topic of feature records")
	fl.StringVar(&opts.Output, "output", "", "topic to write the scores to")
	fl.StringVar(&opts.Models, "models", "", "the models topic to serve from (with --name)")
	fl.StringVar(&opts.Name, "name", "", "the model to serve from the models topic")
	fl.StringVar(&opts.Model, "model", "", "serve this model file instead of a models topic")
	fl.StringVar(&opts.Group, "group", "", "consumer group (default mlops-lab-scoring-NAME)")
	fl.DurationVar(&opts.Interval, "progress-interval", 2*time.Second, "how often to print the progress line")
	return cmd
}

// check checks the flags before the model file is read.
func (o *ServeOptions) check() error {
	switch {
	case o.Input == "" || o.Output == "":
		return errors.New("--input and --output are required: the topic to score and the topic to write the scores to")
	case o.Model == "" && (o.Models == "" || o.Name == ""):
		return errors.New("give --models TOPIC --name NAME to serve from a models topic, or --model MODEL.json to serve one file")
	case o.Model != "" && (o.Models != "" || o.Name != ""):
		return errors.New("--model serves one file; it does not go with --models or --name")
	case o.Interval <= 0:
		return fmt.Errorf("--progress-interval %v must be positive", o.Interval)
	}
	return nil
}

func serveRun(opts *ServeOptions) error {
	var fixed *scoring.Deployed
	if opts.Model != "" {
		var err error
		if fixed, err = opts.Job.Deployable(opts.Model); err != nil {
			return err
		}
	}
	return opts.Kafka.With(opts.Ctx, &opts.Env, func(bootstrap string) error {
		res, err := mlrun.Serve(opts.Ctx, bootstrap, mlrun.ServeSpec{
			Input: opts.Input, Output: opts.Output, Models: opts.Models, Name: opts.Name, Fixed: fixed,
			Group: opts.Group, Interval: opts.Interval, Log: opts.IO.ErrOut,
		})
		if res != nil {
			res.WriteText(opts.IO.Out)
		}
		return err
	})
}
