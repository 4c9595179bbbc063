package cmdutil

import (
	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/env"
)

// EnvFlags are the flags of every command that needs Kafka or ksqlDB.
type EnvFlags struct {
	Runtime    string
	Bootstrap  string
	KsqlURL    string
	KafkaImage string
	KsqlImage  string
	// DataDir has no flag here: the commands that keep data (start) declare
	// their own --data-dir with their own wording.
	DataDir string
}

// Register declares the flags on cmd.
func (e *EnvFlags) Register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&e.Runtime, "runtime", env.Embedded, "where Kafka and ksqlDB run: embedded (in this process), docker (testcontainers) or external")
	fl.StringVar(&e.Bootstrap, "bootstrap", "", "Kafka bootstrap HOST:PORT of a cluster you run (implies --runtime external)")
	fl.StringVar(&e.KsqlURL, "ksql-url", "", "ksqlDB server URL you run, e.g. http://localhost:8088 (with --bootstrap)")
	fl.StringVar(&e.KafkaImage, "kafka-image", "", "Kafka image for --runtime docker")
	fl.StringVar(&e.KsqlImage, "ksql-image", "", "ksqlDB server image for --runtime docker")
}

// Spec fills the runtime-related part of an environment spec from the flags.
func (e *EnvFlags) Spec(needs env.Needs) (runtime string, spec env.Spec) {
	runtime = e.Runtime
	// A cluster given by address is used as it is; --ksql-url alone also
	// means external (and asks for --bootstrap) rather than being ignored.
	if e.Bootstrap != "" || (e.KsqlURL != "" && runtime == env.Embedded) {
		runtime = env.External
	}
	return runtime, env.Spec{
		Needs:      needs,
		DataDir:    e.DataDir,
		KafkaImage: e.KafkaImage,
		KsqlImage:  e.KsqlImage,
		Bootstrap:  e.Bootstrap,
		KsqlURL:    e.KsqlURL,
	}
}
