// Package solutions carries the reference solutions into the binary, one
// folder per lab, each holding the solved versions of the lab's files.
package solutions

import "embed"

// Files holds one folder per lab.
//
//go:embed lab*
var Files embed.FS
