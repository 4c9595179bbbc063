//go:build unix

package grader

import (
	"os/exec"
	"syscall"
)

// supported reports whether this system can grade: the harness needs
// inherited descriptors and process groups, which Linux and macOS have.
func supported() error { return nil }

// ownProcessGroup starts cmd in a process group of its own, so that a
// kill(0, ...) in the learner's code cannot reach the grader, and makes
// cancelling it kill the whole group.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		killGroup(cmd)
		return nil
	}
}

// killGroup kills what is left of cmd's process group (processes the
// learner's code started, a test binary whose parent died).
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
