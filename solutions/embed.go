// Package solutions carries the reference solutions into the binary, one
// folder per lab, each holding the solved versions of the files a learner
// edits (the lab's lab.yaml lists them) and nothing else: the lab's shared
// files are in labs/ only. A folder is therefore not a package of its own;
// its Go files start with //go:build solution, and the grader builds them
// over the starter (docs/grading.md, "The lab format").
package solutions

import "embed"

// Files holds one folder per lab.
//
//go:embed lab*
var Files embed.FS
