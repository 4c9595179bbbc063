package cmdutil

import "runtime/debug"

// ModulePath is this project's module, which `init` workspaces require.
const ModulePath = "github.com/mlops-lab/mlops-lab"

// BuildVersion is the binary's version: linked when set at link time
// (cmd/mlops-lab's -ldflags "-X main.version=v1.2.3"), otherwise the module
// version recorded by `go install`, otherwise "devel".
func BuildVersion(linked string) string {
	if linked != "" {
		return linked
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
}
