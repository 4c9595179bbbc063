package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/datagen"
)

type datagenOptions struct {
	env        envFlags
	generator  string
	topic      string
	rate       float64
	count      int
	seed       uint64
	seedGiven  bool
	partitions int32
	print      bool
	format     string
	shuffle    bool
	// progressInterval is how often progress is reported (hidden; tests
	// shorten it).
	progressInterval time.Duration
}

// datagenPrintCount is how many records --print shows when --count is not given.
const datagenPrintCount = 10

func newDatagenCmd(app *App) *cobra.Command {
	opts := &datagenOptions{}
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
		Args: datagenArgs,
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
			opts.generator = args[0]
			if len(args) == 2 { // datagen dataset NAME
				opts.generator = datagen.DatasetFamily + args[1]
			}
			opts.seedGiven = cmd.Flags().Changed("seed")
			if !opts.seedGiven {
				opts.seed = rand.Uint64() % 1_000_000
			}
			if opts.print && !cmd.Flags().Changed("count") {
				opts.count = datagenPrintCount
			}
			if opts.print && !cmd.Flags().Changed("rate") {
				opts.rate = 0
			}
			return runDatagen(cmd.Context(), app, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.topic, "topic", "t", "", "topic to produce to (default: the generator's name)")
	fl.Float64VarP(&opts.rate, "rate", "r", 10, "records per second (0: as fast as possible)")
	fl.IntVarP(&opts.count, "count", "n", 0, "stop after this many records (0: until Ctrl-C)")
	fl.Uint64Var(&opts.seed, "seed", 0, "random seed, for the same records every time (default: a random one, printed)")
	fl.Int32VarP(&opts.partitions, "partitions", "p", 1, "partitions of the topic when it has to be created")
	fl.BoolVar(&opts.print, "print", false, "print the records instead of producing them (10 unless --count is given)")
	fl.BoolVar(&opts.print, "dry-run", false, "the same as --print")
	fl.BoolVar(&opts.shuffle, "shuffle", false, "dataset generators: send the rows in an order drawn from --seed, not file order")
	fl.StringVar(&opts.format, "format", datagen.FormatText, "with --print: text (KEY<TAB>VALUE, the input of topic produce --key-separator '\\t') or json")
	fl.DurationVar(&opts.progressInterval, "progress-interval", 5*time.Second, "how often to report progress")
	_ = fl.MarkHidden("progress-interval")
	opts.env.register(cmd)
	return cmd
}

// datagenArgs accepts one generator name, or `dataset NAME`.
func datagenArgs(cmd *cobra.Command, args []string) error {
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

func runDatagen(ctx context.Context, app *App, opts *datagenOptions) error {
	if opts.shuffle {
		if !strings.HasPrefix(opts.generator, datagen.DatasetFamily) {
			return fmt.Errorf("--shuffle only applies to data sets (datagen dataset NAME), not to %s", opts.generator)
		}
		opts.generator = strings.TrimSuffix(opts.generator, ":shuffle") + ":shuffle"
	}
	ctor, err := datagen.Lookup(opts.generator)
	if err != nil {
		return err
	}
	if opts.rate < 0 || math.IsNaN(opts.rate) || math.IsInf(opts.rate, 0) {
		return fmt.Errorf("--rate must be a number of records per second, or 0 for as fast as possible (got %v)", opts.rate)
	}
	if opts.count < 0 {
		return fmt.Errorf("--count must be 0 (until Ctrl-C) or more (got %d)", opts.count)
	}
	if opts.partitions < 1 {
		return fmt.Errorf("--partitions must be at least 1 (got %d)", opts.partitions)
	}
	if opts.format != datagen.FormatText && opts.format != datagen.FormatJSON {
		return fmt.Errorf("--format must be %s or %s (got %q)", datagen.FormatText, datagen.FormatJSON, opts.format)
	}
	gen, err := ctor(datagen.Options{Seed: opts.seed})
	if err != nil {
		return fmt.Errorf("generator %s: %w", opts.generator, err)
	}
	// A data set replayed in file order does not use the seed: say how many
	// rows it has instead.
	replay, _ := gen.(*datagen.DatasetReplay)
	usesSeed := replay == nil || replay.Shuffled()
	ropts := datagen.RunOptions{Rate: opts.rate, Count: opts.count, Progress: app.Err, ProgressInterval: opts.progressInterval}

	if opts.print {
		ropts.Progress = nil
		_, err := datagen.Print(ctx, app.Out, opts.format, gen, ropts)
		if err == nil && !opts.seedGiven && usesSeed {
			fmt.Fprintf(app.Err, "(seed %d: add --seed %d to get these records again)\n", opts.seed, opts.seed)
		}
		return err
	}

	topic := opts.topic
	switch {
	case topic != "":
	case replay != nil:
		topic = replay.Dataset()
	default:
		topic = strings.ReplaceAll(opts.generator, ":", "-")
	}
	if err := kafkautil.ValidateTopicName(topic); err != nil {
		return fmt.Errorf("--topic: %w", err)
	}
	return withKafkaTool(ctx, app, &opts.env, func(bootstrap string) error {
		err := kafkautil.CreateTopic(ctx, bootstrap, topic, kafkautil.CreateTopicOptions{Partitions: opts.partitions, IfNotExists: true})
		if err != nil {
			return err
		}
		about := fmt.Sprintf("seed %d", opts.seed)
		if !usesSeed {
			about = countOf(replay.Rows(), "row")
		}
		fmt.Fprintf(app.Err, "%s -> topic %s at %s (%s; Ctrl-C to stop)\n", gen.Name(), topic, describeRate(opts.rate, opts.count), about)
		start := time.Now()
		sent, err := datagen.Run(ctx, bootstrap, topic, gen, ropts)
		elapsed := time.Since(start)
		fmt.Fprintf(app.Out, "sent %s to %s in %s (%.0f/s)\n", countOf(sent, "record"), topic, elapsed.Round(time.Millisecond), float64(sent)/max(elapsed.Seconds(), 1e-9))
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
