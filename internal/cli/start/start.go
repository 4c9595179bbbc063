// Package start is the `mlops-lab start` command: a lab's environment
// (Kafka, ksqlDB, data generators), its connection details and a short
// summary of the lab (or its whole instructions), until Ctrl+C.
package start

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/cli/instructions"
	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/progress"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
	"github.com/mlops-lab/mlops-lab/pkg/labcontract"
)

// defaultKafkaPort is where the embedded broker listens when it is free, so
// that tools pointed at Kafka's usual address just work.
const defaultKafkaPort = "9092"

// StartOptions is what `start` needs.
type StartOptions struct {
	IO        *iostreams.IOStreams
	Workspace func() (workspace.Workspace, error)
	// ResolvePath makes paths the learner typed absolute.
	ResolvePath func(string) string
	// Ctx ends the command (Ctrl+C, SIGTERM).
	Ctx context.Context

	Lab          string
	KafkaListen  string
	NoDatagen    bool
	Instructions bool
	Env          cmdutil.EnvFlags
}

// NewCmdStart returns the start command; runF, when not nil, runs instead
// of the command (for tests).
func NewCmdStart(f *cmdutil.Factory, runF func(*StartOptions) error) *cobra.Command {
	opts := &StartOptions{IO: f.IOStreams, Workspace: f.Workspace, ResolvePath: f.ResolvePath}
	cmd := &cobra.Command{
		Use:   "start LAB",
		Short: "Start a lab's environment (Kafka, ksqlDB, data generators) and show its exercises",
		Long: `Start brings up the lab's environment, creates its topics, starts its data
generators, prints the connection details, the lab's exercises with your
progress and the command to run next, and keeps running until Ctrl+C. While
it runs, grade, topic and ksql in this workspace use it. --instructions
prints the lab's README instead of the exercises; ` + "`mlops-lab instructions LAB`" + `
prints it without starting anything.

It prints "kafka: HOST:PORT" once the broker accepts connections, and
"ksql: URL" once the ksqlDB endpoint answers (labs that use ksqlDB), and records
the environment in .mlops-lab/env.json.`,
		Example: `  mlops-lab start lab1
  mlops-lab start lab1 --runtime docker
  mlops-lab start lab1 --bootstrap localhost:9092
  mlops-lab start lab1 --data-dir .mlops-lab/data   # keep topics across restarts
  mlops-lab start lab1 --instructions               # the lab's README instead of its exercises`,
		Args:              cmdutil.ExactArgs(1, "name the lab to start, e.g. `mlops-lab start lab1` (see `mlops-lab list`)"),
		ValidArgsFunction: cmdutil.CompleteLabs,
		RunE: cmdutil.RunE(opts, func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			return cmdutil.LabArgs(&opts.Lab, nil)(cmd, args)
		}, runF, startRun),
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.KafkaListen, "kafka-listen", "", "embedded broker's listen address (default 127.0.0.1:9092, or a free port when 9092 is taken)")
	fl.StringVar(&opts.Env.DataDir, "data-dir", "", "embedded runtime: keep topics, offsets and groups in this folder across restarts")
	fl.BoolVar(&opts.NoDatagen, "no-datagen", false, "do not start the lab's data generators")
	// Off by default: a README of hundreds of lines scrolls the connection
	// details away. --instructions=false, which used to turn it off, still
	// parses.
	fl.BoolVar(&opts.Instructions, "instructions", false, "print the lab's whole instructions (its README) instead of a summary of its exercises")
	opts.Env.Register(cmd)
	return cmd
}

func startRun(opts *StartOptions) error {
	ctx := opts.Ctx
	out, errOut := opts.IO.Out, opts.IO.ErrOut
	started := time.Now()
	cat, lab, err := cmdutil.FindLab(opts.Lab)
	if err != nil {
		return err
	}
	ws, err := opts.Workspace()
	if err != nil {
		return err
	}
	// The record counts only if its process runs and its services answer: a
	// pid in a record left by a crash may since belong to another process.
	if rec, err := env.AnsweringRecord(ctx, ws, errOut); err == nil {
		return fmt.Errorf("an environment for %s already runs in this workspace (pid %d, kafka %s): stop it with Ctrl+C in its terminal (or `kill %d`) first", rec.Lab, rec.PID, rec.Bootstrap, rec.PID)
	} else if ctx.Err() != nil {
		return err
	} else if !errors.Is(err, env.ErrNoRecord) {
		fmt.Fprintf(errOut, "warning: %v; replacing it\n", err)
	}

	runtime, spec := opts.Env.Spec(env.Needs{Kafka: true, KSQL: lab.NeedsKSQL()})
	portTaken := false
	spec.Topics = lab.Topics
	spec.Progress = errOut
	if runtime == env.Embedded {
		spec.KafkaListen = opts.KafkaListen
		if spec.KafkaListen == "" {
			spec.KafkaListen = embeddedListenAddr()
			portTaken = spec.KafkaListen != net.JoinHostPort("127.0.0.1", defaultKafkaPort)
		}
		// A relative --data-dir is taken from the working folder.
		spec.DataDir = opts.ResolvePath(spec.DataDir)
	}
	environment, err := env.Start(ctx, runtime, spec)
	if err != nil {
		return err
	}
	// However start ends, stop what it started and remove the record within
	// the 5 seconds a supervisor gives us after SIGTERM.
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
		defer cancel()
		env.RemoveRecord(ws, os.Getpid())
		_ = environment.Close(closeCtx)
	}()

	// The record is written before the addresses are printed, so whoever
	// waits for the "kafka:" line finds the environment recorded too.
	rec := env.Record{
		Runtime:   environment.Runtime(),
		Bootstrap: environment.Bootstrap(),
		KsqlURL:   environment.KsqlURL(),
		Lab:       lab.ID,
		PID:       os.Getpid(),
		Started:   time.Now().UTC(),
	}
	if err := env.WriteRecord(ws, rec); err != nil {
		return err
	}
	fmt.Fprintf(out, "kafka: %s\n", environment.Bootstrap())
	if portTaken {
		printPortTakenNote(errOut, environment.Bootstrap())
	}
	if environment.KsqlURL() != "" {
		fmt.Fprintf(out, "ksql: %s\n", environment.KsqlURL())
	}
	fmt.Fprintf(errOut, "%s environment ready in %v (runtime %s)\n", lab.ID, time.Since(started).Round(time.Millisecond), environment.Runtime())

	var generators sync.WaitGroup
	genCtx, stopGenerators := context.WithCancel(ctx)
	if !opts.NoDatagen {
		for _, g := range lab.Datagen {
			generators.Add(1)
			go func() {
				defer generators.Done()
				if err := runLabGenerator(genCtx, environment.Bootstrap(), g); err != nil && genCtx.Err() == nil {
					fmt.Fprintf(errOut, "warning: data generator %s on topic %s stopped: %v\n", g.Name, g.Topic, err)
				}
			}()
			fmt.Fprintf(errOut, "datagen: %s -> topic %s at %g records/s\n", g.Name, g.Topic, g.Rate)
		}
	}
	if opts.Instructions {
		instructions.Print(opts.IO, cat, lab, ws.LabDir(lab.Folder))
	} else {
		prog, err := progress.Load(ws)
		if err != nil {
			fmt.Fprintf(errOut, "warning: %v\n", err)
		}
		printSummary(out, lab, prog)
	}
	fmt.Fprintf(errOut, "\n%s is running. Grade with `mlops-lab grade %s`; press Ctrl+C to stop.\n", lab.ID, lab.ID)

	<-ctx.Done()
	fmt.Fprintln(errOut, "\nstopping ...")
	stopGenerators()
	generators.Wait()
	return nil
}

// printPortTakenNote says that Kafka's usual port was taken, so Kafka
// listens on bootstrap instead: programs that assume the usual port would
// talk to whatever holds it. The export command is on a line of its own, so
// that a terminal does not wrap it and it can be copied whole.
func printPortTakenNote(w io.Writer, bootstrap string) {
	fmt.Fprintf(w, "note: 127.0.0.1:%s is taken, so Kafka listens on %s instead.\n", defaultKafkaPort, bootstrap)
	fmt.Fprintln(w, "Another program holds that port. The mlops-lab commands and the labs' live")
	fmt.Fprintln(w, "demos in this workspace find Kafka by themselves; for your own programs, run:")
	fmt.Fprintf(w, "    export %s=%s\n", labcontract.EnvBootstrap, bootstrap)
}

// embeddedListenAddr prefers Kafka's usual port and falls back to any free
// one, so a second course workspace (or a real Kafka) does not stop a lab.
func embeddedListenAddr() string {
	addr := net.JoinHostPort("127.0.0.1", defaultKafkaPort)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "127.0.0.1:0"
	}
	ln.Close()
	return addr
}
