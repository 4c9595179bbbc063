// Package slides carries the course's slide decks into the binary: one
// Markdown deck per lab plus an introduction, and the diagrams and charts
// they show (img/). The format is described in README.md beside this file;
// internal/slides renders and serves them.
package slides

import "embed"

// Files holds the decks (*.md) and their images (img/).
//
//go:embed *.md img
var Files embed.FS
