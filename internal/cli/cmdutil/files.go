package cmdutil

import (
	"os"
	"path/filepath"
)

// WriteFiles writes files (by slash-separated path relative to dir) into
// dir, creating folders as needed: reset and init write starter files.
func WriteFiles(dir string, files map[string][]byte) error {
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
