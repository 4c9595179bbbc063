package classroom

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// fakeCLI is a tree with the commands the workflows run.
func fakeCLI() *cobra.Command {
	root := &cobra.Command{Use: "mlops-lab"}
	grade := &cobra.Command{Use: "grade", RunE: func(*cobra.Command, []string) error { return nil }}
	grade.Flags().Bool("all", false, "")
	grade.Flags().String("format", "", "")
	grade.Flags().StringP("output", "o", "", "")
	class := &cobra.Command{Use: "classroom"}
	check := &cobra.Command{Use: "check", Args: cobra.ExactArgs(3), RunE: func(*cobra.Command, []string) error { return nil }}
	class.AddCommand(check)
	root.AddCommand(grade, class)
	return root
}

func TestCommands(t *testing.T) {
	files := []File{
		{"a.yml", []byte("steps:\n  - run: go install x && (mlops-lab grade --all || true)\n  - with:\n      command: mlops-lab classroom check 'g.json' lab1 ex\n")},
		{"b.json", []byte(`{"tests":[{"setup":"echo hi; mlops-lab grade --all","run":"mlops-lab classroom check g.json lab2 y","output":"mlops-lab nope"}]}`)},
	}
	cmds, err := Commands(files)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cmds {
		got = append(got, strings.Join(c, " "))
	}
	want := "go install x|mlops-lab grade --all|true|mlops-lab classroom check g.json lab1 ex|mlops-lab classroom check g.json lab2 y|echo hi|mlops-lab grade --all"
	if strings.Join(got, "|") != want {
		t.Errorf("Commands = %q\nwant        %q", strings.Join(got, "|"), want)
	}
	n, err := VerifyCommands(fakeCLI(), files)
	if err != nil || n != 4 {
		t.Errorf("VerifyCommands = %d, %v; want 4 commands, no error", n, err)
	}
}

func TestVerifyCommandsCatches(t *testing.T) {
	for run, want := range map[string]string{
		"mlops-lab grades --all":              "no such command",
		"mlops-lab grade --al":                "unknown flag",
		"mlops-lab classroom check g.json x":  "accepts 3 arg",
		"mlops-lab classroom":                 "no such command",
		"mlops-lab grade --all --format":      "needs an argument",
		"true && mlops-lab grade --bogus=1":   "unknown flag",
		"mlops-lab classroom check 'unclosed": "EOF",
	} {
		_, err := VerifyCommands(fakeCLI(), []File{{"w.yml", []byte("run: " + quoteYAML(run) + "\n")}})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error containing %q", run, err, want)
		}
	}
}

func quoteYAML(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

func TestWorkflowCommandsAgainstFakeCLI(t *testing.T) {
	f := files(t)
	var all []File
	for p, c := range f {
		all = append(all, File{p, c})
	}
	n, err := VerifyCommands(fakeCLI(), all)
	if err != nil {
		t.Fatal(err)
	}
	if n < 3 {
		t.Errorf("only %d mlops-lab commands found in the workflows", n)
	}
}
