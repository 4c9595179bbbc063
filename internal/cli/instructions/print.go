package instructions

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/charmbracelet/glamour"

	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/labs"
)

// Print shows the lab's README from labDir (the learner's copy; "" when
// there is no workspace): rendered for a terminal, or as the Markdown itself
// when the output is a file or a pipe.
func Print(ios *iostreams.IOStreams, cat *labs.Catalogue, lab *labs.Lab, labDir string) {
	var readme []byte
	err := os.ErrNotExist
	if labDir != "" {
		readme, err = os.ReadFile(filepath.Join(labDir, "README.md"))
	}
	if err != nil {
		// The learner's copy may be gone; the binary carries the original.
		if readme, err = cat.README(lab); err != nil {
			fmt.Fprintf(ios.ErrOut, "warning: %s has no README: %v\n", lab.ID, err)
			return
		}
	}
	if labDir != "" {
		fmt.Fprintf(ios.Out, "\ninstructions: %s/README.md\n\n", labDir)
	}
	if ios.IsStdoutTTY() {
		r, err := glamour.NewTermRenderer(glamour.WithAutoStyle(), glamour.WithWordWrap(100))
		if err == nil {
			if out, err := r.RenderBytes(readme); err == nil {
				ios.Out.Write(out)
				return
			}
		}
	}
	ios.Out.Write(readme)
}
