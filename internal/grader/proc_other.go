//go:build !unix

package grader

import (
	"fmt"
	"os/exec"
	"runtime"
)

func supported() error {
	return fmt.Errorf("%w: grading runs on Linux and macOS; on %s, use WSL", ErrCannotGrade, runtime.GOOS)
}

func ownProcessGroup(cmd *exec.Cmd) {}

func killGroup(cmd *exec.Cmd) {}
