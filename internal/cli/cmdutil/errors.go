package cmdutil

import "fmt"

// ExitError ends the command with a specific exit status (grade uses 1 for
// failed tests and 2 when grading could not run). root.Execute prints Err,
// when there is one, as "error: ...".
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// SilentExit ends the command with a status and no further message (the
// command already printed what there was to say).
func SilentExit(code int) error { return &ExitError{Code: code} }

// CannotRun reports that the command itself could not do its work (exit
// status 2), as opposed to the learner's code failing (1): grade and ksql
// test use it.
func CannotRun(err error) error { return &ExitError{Code: 2, Err: err} }
