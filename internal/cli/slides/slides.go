// Package slides is the `mlops-lab slides` command: the course's decks and
// lab instructions as HTML, served on loopback or written as a static site.
package slides

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	courseslides "github.com/mlops-lab/mlops-lab/internal/slides"
)

// SlidesOptions is what `slides` needs.
type SlidesOptions struct {
	IO          *iostreams.IOStreams
	Ctx         context.Context
	ResolvePath func(string) string

	// Deck is the deck to open first ("intro", "lab3", "3", ...); empty for
	// the index.
	Deck string
	// Export, when set, is the folder to write the static site into.
	Export string
	// Listen is the loopback address to serve on.
	Listen string
}

// NewCmdSlides returns the slides command; runF, when not nil, runs instead
// of the command (for tests).
func NewCmdSlides(f *cmdutil.Factory, runF func(*SlidesOptions) error) *cobra.Command {
	opts := &SlidesOptions{IO: f.IOStreams, ResolvePath: f.ResolvePath}
	cmd := &cobra.Command{
		Use:   "slides [LAB]",
		Short: "Show the course's slides in your browser, or export them as a static site",
		Long: `Serves the course's slide decks (an introduction and one per lab) and every
lab's instructions as HTML on 127.0.0.1, and prints the address to open, until
Ctrl+C. In a deck, the arrow keys, space and Page Up/Down move, Home and End
jump, and s shows the speaker notes; printing a deck gives one slide per page.

--export DIR writes every deck, every lab's README and an index into DIR
instead: a static site to open from disk or host anywhere.`,
		Example: `  mlops-lab slides              # the index of all decks
  mlops-lab slides lab3         # lab 3's deck
  mlops-lab slides intro        # the introduction
  mlops-lab slides --export site && open site/index.html`,
		Args:              cmdutil.RangeArgs(0, 1, "usage: mlops-lab slides [LAB], e.g. `mlops-lab slides lab3` or `mlops-lab slides intro`"),
		ValidArgsFunction: cmdutil.CompleteLabs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Deck = args[0]
			}
			opts.Ctx = cmd.Context()
			if opts.Export != "" && opts.Deck != "" {
				return fmt.Errorf("--export writes every deck: leave out %q", opts.Deck)
			}
			if runF != nil {
				return runF(opts)
			}
			return slidesRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Export, "export", "", "write the static site (every deck, every lab's README, an index) into this folder and exit")
	cmd.Flags().StringVar(&opts.Listen, "listen", "127.0.0.1:0", "loopback address to serve on (port 0: any free port)")
	return cmd
}

func slidesRun(opts *SlidesOptions) error {
	site, err := courseslides.Default()
	if err != nil {
		return err
	}
	if opts.Export != "" {
		return site.Export(opts.ResolvePath(opts.Export), opts.IO.Out)
	}
	page := ""
	if opts.Deck != "" {
		if page, err = site.DeckPage(opts.Deck); err != nil {
			return err
		}
	}
	ctx := opts.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	return site.Serve(ctx, opts.Listen, func(base string) {
		fmt.Fprintf(opts.IO.Out, "slides: %s%s\n", base, page)
		fmt.Fprintln(opts.IO.ErrOut, "open it in a browser; Ctrl+C to stop")
	})
}
