package grade

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// watchGrade grades the lab, then again after every save of one of its
// files, until the command's context ends (Ctrl+C).
func watchGrade(opts *GradeOptions, ws workspace.Workspace, cat *labs.Catalogue, lab *labs.Lab, testEnv map[string]string) error {
	ctx := opts.Ctx
	watcher, err := fsnotify.NewWatcher()
	if err != nil {
		return cmdutil.CannotRun(fmt.Errorf("watching files: %w", err))
	}
	defer watcher.Close()
	dir := ws.LabDir(lab.Folder)
	if err := watcher.Add(dir); err != nil {
		return cmdutil.CannotRun(fmt.Errorf("watching %s: %w", dir, err))
	}
	for {
		report, err := gradeLabs(opts, ws, cat, []*labs.Lab{lab}, testEnv)
		if errors.Is(err, context.Canceled) || ctx.Err() != nil {
			return nil
		}
		if err != nil {
			fmt.Fprintln(opts.IO.ErrOut, "error:", err)
		} else {
			_ = report.WriteText(opts.IO.Out, cat, false)
		}
		fmt.Fprintf(opts.IO.ErrOut, "\nwatching %s: save a file to grade again, Ctrl+C to stop\n", dir)
		if !waitForSave(ctx, watcher) {
			return nil
		}
	}
}

// waitForSave returns after a burst of writes to source files has settled
// (editors save in several steps), or false when ctx ends.
func waitForSave(ctx context.Context, watcher *fsnotify.Watcher) bool {
	var settle <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return false
		case ev := <-watcher.Events:
			ext := filepath.Ext(ev.Name)
			if (ext == ".go" || ext == ".sql") && !strings.HasPrefix(filepath.Base(ev.Name), ".") {
				settle = time.After(300 * time.Millisecond)
			}
		case <-watcher.Errors:
		case <-settle:
			return true
		}
	}
}
