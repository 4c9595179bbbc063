// Command mlops-lab runs the course: it starts a lab's Kafka and ksqlDB
// environment, grades the learner's work, and offers console tools for topics,
// data generators, ksqlDB and the model library. The commands live in
// internal/cli (see package cmdutil for how they are built); this package
// holds the CLI's end-to-end tests.
package main

import (
	"os"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/cli/root"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3"); otherwise
// the module version recorded by `go install` is used.
var version = ""

func main() {
	f := cmdutil.NewFactory(iostreams.System())
	f.Version = cmdutil.BuildVersion(version)
	os.Exit(run(f, os.Args[1:]))
}

// run builds the command tree on f, runs args and returns the exit status.
func run(f *cmdutil.Factory, args []string) int {
	return root.Execute(f, root.NewCmdRoot(f), args)
}
