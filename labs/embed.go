// Package labs carries the course's labs into the binary: each lab folder's
// metadata, README, starter files and grading tests. The folders are also Go
// packages of their own, which the learner edits.
package labs

import "embed"

// Files holds one folder per lab.
//
//go:embed lab*
var Files embed.FS
