package workspace

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// ModulePath is the course module's import path.
const ModulePath = "github.com/mlops-lab/mlops-lab"

// FindSource walks up from dir to the nearest folder whose go.mod declares
// the course module, and returns "" when there is none.
func FindSource(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if declaresModule(filepath.Join(d, "go.mod")) {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// BuiltFrom is the source tree this binary was compiled from, when it is
// still on disk: a development build (go build, go run, make build) records
// its source files' paths, so `init` run from any folder can point a new
// workspace at the clone. It is "" for builds made with -trimpath, for
// released binaries and when the clone has moved.
func BuiltFrom() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	return FindSource(filepath.Dir(file))
}

func declaresModule(gomod string) bool {
	f, err := os.Open(gomod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "module "+ModulePath {
			return true
		}
	}
	return false
}
