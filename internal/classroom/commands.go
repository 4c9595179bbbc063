package classroom

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/google/shlex"
	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"
)

// shellSeparators splits a shell line into the commands it runs.
var shellSeparators = regexp.MustCompile(`&&|\|\||[;|()\n]`)

// Commands lists every command line the files run (workflow steps' `run`
// and graders' `command`, autograding.json's `setup` and `run`), split at
// shell separators and into words.
func Commands(files []File) ([][]string, error) {
	var lines []string
	for _, f := range files {
		switch path.Ext(f.Path) {
		case ".yml", ".yaml":
			var doc any
			if err := yaml.Unmarshal(f.Content, &doc); err != nil {
				return nil, fmt.Errorf("%s: %w", f.Path, err)
			}
			collect(doc, &lines, "run", "command")
		case ".json":
			var doc any
			if err := json.Unmarshal(f.Content, &doc); err != nil {
				return nil, fmt.Errorf("%s: %w", f.Path, err)
			}
			collect(doc, &lines, "setup", "run")
		}
	}
	var out [][]string
	for _, l := range lines {
		for _, part := range shellSeparators.Split(l, -1) {
			words, err := shlex.Split(part)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", part, err)
			}
			if len(words) > 0 {
				out = append(out, words)
			}
		}
	}
	return out, nil
}

// collect appends the string values of the given keys, anywhere in doc.
func collect(doc any, out *[]string, keys ...string) {
	switch v := doc.(type) {
	case map[string]any:
		keys2 := make([]string, 0, len(v))
		for k := range v {
			keys2 = append(keys2, k)
		}
		sort.Strings(keys2) // a stable order for the caller
		for _, k := range keys2 {
			val := v[k]
			if s, ok := val.(string); ok {
				for _, want := range keys {
					if k == want {
						*out = append(*out, s)
					}
				}
				continue
			}
			collect(val, out, keys...)
		}
	case []any:
		for _, val := range v {
			collect(val, out, keys...)
		}
	}
}

// VerifyCommands checks that every `mlops-lab ...` command the files run is
// a command of root with flags and arguments it accepts, and returns how
// many it checked.
func VerifyCommands(root *cobra.Command, files []File) (int, error) {
	cmds, err := Commands(files)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, words := range cmds {
		if words[0] != root.Name() {
			continue
		}
		n++
		line := strings.Join(words, " ")
		cmd, rest, err := root.Find(words[1:])
		if err != nil || cmd == root || !cmd.Runnable() {
			return n, fmt.Errorf("%q: no such command (%v)", line, err)
		}
		if err := cmd.ParseFlags(rest); err != nil {
			return n, fmt.Errorf("%q: %w", line, err)
		}
		if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
			return n, fmt.Errorf("%q: %w", line, err)
		}
	}
	return n, nil
}
