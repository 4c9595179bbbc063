package classroom_test

import (
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/classroom"
	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/cli/root"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/labs"
)

// TestWorkflowCommandsExist parses the generated workflows and checks that
// every mlops-lab command they run is a command of the CLI that accepts
// those flags and arguments.
func TestWorkflowCommandsExist(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	cli := root.NewCmdRoot(&cmdutil.Factory{IOStreams: ios, WorkDir: t.TempDir()})
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	files, err := classroom.Files(cat)
	if err != nil {
		t.Fatal(err)
	}
	n, err := classroom.VerifyCommands(cli, files)
	if err != nil {
		t.Fatal(err)
	}
	exercises := 0
	for _, l := range cat.Labs() {
		exercises += len(l.Exercises)
	}
	// grade in two workflows and the autograding setup, a check per exercise
	// in the workflow and in autograding.json.
	if want := 3 + 2*exercises; n != want {
		t.Errorf("checked %d mlops-lab commands, want %d", n, want)
	}
}
