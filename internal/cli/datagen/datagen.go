// Package datagen is the `mlops-lab datagen` command: a stream of test
// records from one of pkg/kafkautil/datagen's generators (or a replayed
// data set), produced into a topic or printed.
package datagen

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/cli/kafkatool"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/text"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/datagen"
)

// DatagenOptions is what `datagen` needs.
type DatagenOptions struct {
	IO    *iostreams.IOStreams
	Ctx   context.Context
	Kafka *kafkatool.Tool

	Env cmdutil.EnvFlags
	// Generator is the generator's name: the argument, or dataset:NAME for
	// `datagen dataset NAME` (with :shuffle appended under --shuffle).
	Generator string
	// Topic is --topic, or once checked the topic records go to.
	Topic      string
	Rate       float64
	Count      int
	Seed       uint64
	SeedGiven  bool
	Partitions int32
	Print      bool
	Format     string
	Shuffle    bool
	// ProgressInterval is how often progress is reported (a hidden flag;
	// tests shorten it).
	ProgressInterval time.Duration

	// Gen is the generator, built once the flags are checked.
	Gen datagen.Generator
}

// printCount is how many records --print shows when --count is not given.
const printCount = 10

// NewCmdDatagen returns the datagen command; runF, when not nil, runs
// instead of the command once the arguments and flags are checked and the
// generator is built (for tests).
func NewCmdDatagen(f *cmdutil.Factory, runF func(*DatagenOptions) error) *cobra.Command {
	opts := &DatagenOptions{IO: f.IOStreams, Kafka: kafkatool.New(f)}
	cmd := &cobra.Command{
		Use:   "datagen GENERATOR | datagen dataset NAME",
		Short: "Produce a stream of test records (orders, pageviews, users, trades, points, a data set) into a topic",
		Long: `Produce test records into a topic, like ksql-datagen's quickstarts.

Generators (the record key in brackets):
  orders     [orderid]   {"ordertime","orderid","itemid","orderunits","address":{"city","state","zipcode"}}
  pageviews  [viewtime]  {"viewtime","userid","pageid"}
  users      [userid]    {"registertime","userid","regionid","gender"}
  trades     [ts_id]     {"date","ts_id","weight","resp","feature_0".."feature_4"}
             (the schema of the Jane Street market data; 100 trades a day)
  points     [point id]  {"x","y"} around y = 3 + 0.5x; about 10% of records
             update a live point and 5% delete one (a null value)

  dataset NAME (or dataset:NAME) [row index]  replays a shipped data set once,
             one record per row in file order (--shuffle: in an order drawn
             from --seed), every column as a field; then it stops. The topic
             defaults to NAME. Data sets: ` + strings.Join(datagen.DatasetNames(), ", ") + `.

Values are JSON; timestamps are the current time. The same --seed gives the
same records (apart from their timestamps). The topic is created when missing.
--print shows the records instead of producing them (no Kafka needed).`,
		Example: `  mlops-lab datagen orders --print
  mlops-lab datagen orders --rate 5
  mlops-lab datagen pageviews --topic clicks --rate 100 --count 1000 --partitions 3
  mlops-lab datagen users --count 50 --seed 7
  mlops-lab datagen trades --rate 200
  mlops-lab datagen points --count 5000 --print
  mlops-lab datagen dataset iris --rate 20
  mlops-lab datagen dataset heart_sample --topic heart --print --count 15`,
		Args: checkArgs,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			switch {
			case len(args) == 1 && args[0] == "dataset":
				return datagen.DatasetNames(), cobra.ShellCompDirectiveNoFileComp
			case len(args) > 0:
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return append(datagen.Names(), "dataset"), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.Generator = args[0]
			if len(args) == 2 { // datagen dataset NAME
				opts.Generator = datagen.DatasetFamily + args[1]
			}
			opts.SeedGiven = cmd.Flags().Changed("seed")
			if !opts.SeedGiven {
				opts.Seed = rand.Uint64() % 1_000_000
			}
			if opts.Print && !cmd.Flags().Changed("count") {
				opts.Count = printCount
			}
			if opts.Print && !cmd.Flags().Changed("rate") {
				opts.Rate = 0
			}
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return datagenRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Topic, "topic", "t", "", "topic to produce to (default: the generator's name)")
	fl.Float64VarP(&opts.Rate, "rate", "r", 10, "records per second (0: as fast as possible)")
	fl.IntVarP(&opts.Count, "count", "n", 0, "stop after this many records (0: until Ctrl-C)")
	fl.Uint64Var(&opts.Seed, "seed", 0, "random seed, for the same records every time (default: a random one, printed)")
	fl.Int32VarP(&opts.Partitions, "partitions", "p", 1, "partitions of the topic when it has to be created")
	fl.BoolVar(&opts.Print, "print", false, "print the records instead of producing them (10 unless --count is given)")
	fl.BoolVar(&opts.Print, "dry-run", false, "the same as --print")
	fl.BoolVar(&opts.Shuffle, "shuffle", false, "dataset generators: send the rows in an order drawn from --seed, not file order")
	fl.StringVar(&opts.Format, "format", datagen.FormatText, "with --print: text (KEY<TAB>VALUE, the input of topic produce --key-separator '\\t') or json")
	fl.DurationVar(&opts.ProgressInterval, "progress-interval", 5*time.Second, "how often to report progress")
	_ = fl.MarkHidden("progress-interval")
	opts.Env.Register(cmd)
	return cmd
}

// checkArgs accepts one generator name, or `dataset NAME`.
func checkArgs(cmd *cobra.Command, args []string) error {
	if len(args) >= 1 && args[0] == "dataset" {
		if len(args) != 2 {
			return fmt.Errorf("datagen dataset needs one data set: `mlops-lab datagen dataset iris` (data sets: %s)", strings.Join(datagen.DatasetNames(), ", "))
		}
		return nil
	}
	if len(args) != 1 {
		return fmt.Errorf("datagen needs a generator: `mlops-lab datagen orders` (generators: %s)", strings.Join(datagen.Names(), ", "))
	}
	return nil
}

// check checks the flags, builds the generator and, unless the records
// are printed, settles the topic.
func (opts *DatagenOptions) check() error {
	if opts.Shuffle {
		if !strings.HasPrefix(opts.Generator, datagen.DatasetFamily) {
			return fmt.Errorf("--shuffle only applies to data sets (datagen dataset NAME), not to %s", opts.Generator)
		}
		opts.Generator = strings.TrimSuffix(opts.Generator, ":shuffle") + ":shuffle"
	}
	ctor, err := datagen.Lookup(opts.Generator)
	if err != nil {
		return err
	}
	if opts.Rate < 0 || math.IsNaN(opts.Rate) || math.IsInf(opts.Rate, 0) {
		return fmt.Errorf("--rate must be a number of records per second, or 0 for as fast as possible (got %v)", opts.Rate)
	}
	if opts.Count < 0 {
		return fmt.Errorf("--count must be 0 (until Ctrl-C) or more (got %d)", opts.Count)
	}
	if opts.Partitions < 1 {
		return fmt.Errorf("--partitions must be at least 1 (got %d)", opts.Partitions)
	}
	if opts.Format != datagen.FormatText && opts.Format != datagen.FormatJSON {
		return fmt.Errorf("--format must be %s or %s (got %q)", datagen.FormatText, datagen.FormatJSON, opts.Format)
	}
	if opts.Gen, err = ctor(datagen.Options{Seed: opts.Seed}); err != nil {
		return fmt.Errorf("generator %s: %w", opts.Generator, err)
	}
	if opts.Print {
		return nil
	}
	switch replay := opts.replay(); {
	case opts.Topic != "":
	case replay != nil:
		opts.Topic = replay.Dataset()
	default:
		opts.Topic = strings.ReplaceAll(opts.Generator, ":", "-")
	}
	if err := kafkautil.ValidateTopicName(opts.Topic); err != nil {
		return fmt.Errorf("--topic: %w", err)
	}
	return nil
}

// replay is the generator when it replays a data set.
func (opts *DatagenOptions) replay() *datagen.DatasetReplay {
	replay, _ := opts.Gen.(*datagen.DatasetReplay)
	return replay
}

func datagenRun(opts *DatagenOptions) error {
	// A data set replayed in file order does not use the seed: say how many
	// rows it has instead.
	replay := opts.replay()
	usesSeed := replay == nil || replay.Shuffled()
	ropts := datagen.RunOptions{Rate: opts.Rate, Count: opts.Count, Progress: opts.IO.ErrOut, ProgressInterval: opts.ProgressInterval}

	if opts.Print {
		ropts.Progress = nil
		_, err := datagen.Print(opts.Ctx, opts.IO.Out, opts.Format, opts.Gen, ropts)
		if err == nil && !opts.SeedGiven && usesSeed {
			fmt.Fprintf(opts.IO.ErrOut, "(seed %d: add --seed %d to get these records again)\n", opts.Seed, opts.Seed)
		}
		return err
	}

	return opts.Kafka.With(opts.Ctx, &opts.Env, func(bootstrap string) error {
		err := kafkautil.CreateTopic(opts.Ctx, bootstrap, opts.Topic, kafkautil.CreateTopicOptions{Partitions: opts.Partitions, IfNotExists: true})
		if err != nil {
			return err
		}
		about := fmt.Sprintf("seed %d", opts.Seed)
		if !usesSeed {
			about = text.Pluralize(replay.Rows(), "row")
		}
		fmt.Fprintf(opts.IO.ErrOut, "%s -> topic %s at %s (%s; Ctrl-C to stop)\n", opts.Gen.Name(), opts.Topic, describeRate(opts.Rate, opts.Count), about)
		start := time.Now()
		sent, err := datagen.Run(opts.Ctx, bootstrap, opts.Topic, opts.Gen, ropts)
		elapsed := time.Since(start)
		fmt.Fprintf(opts.IO.Out, "sent %s to %s in %s (%.0f/s)\n", text.Pluralize(sent, "record"), opts.Topic, elapsed.Round(time.Millisecond), float64(sent)/max(elapsed.Seconds(), 1e-9))
		return err
	})
}

func describeRate(rate float64, count int) string {
	what := "full speed"
	if rate > 0 {
		what = fmt.Sprintf("%g records/s", rate)
	}
	if count > 0 {
		what += fmt.Sprintf(", %d records", count)
	}
	return what
}
