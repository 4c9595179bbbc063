// Package datasets carries the course's small, real data sets inside the
// binary, so every lab and the mlops-lab CLI can read them without a
// checkout of the repository.
//
// Each file is a CSV with a header row of column names and the label in the
// last column; see README.md in this folder for where each one comes from,
// its licence and its label column. Read them through FS (an fs.FS rooted at
// this folder), for example with mlkit.LoadCSVFS(datasets.FS, "iris.csv", ...).
package datasets

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.csv
var files embed.FS

// FS holds the data set files, named as in Names (for example "iris.csv").
var FS fs.FS = files

// Names lists the embedded data set files in lexical order.
func Names() []string {
	entries, err := fs.ReadDir(files, ".")
	if err != nil { // cannot happen with an embed.FS rooted at "."
		return nil
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".csv") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// Open opens one embedded data set by file name, for example "iris.csv".
func Open(name string) (fs.File, error) {
	return files.Open(name)
}

// Info describes one shipped data set: its file, label column and task.
type Info struct {
	File  string // file name inside FS
	Label string // the label column, always the last one
	Task  string // "classification" or "regression"
}

// Catalog describes every shipped data set; the same facts as README.md.
var Catalog = []Info{
	{File: "breast_cancer.csv", Label: "benign", Task: "classification"},
	{File: "diabetes.csv", Label: "progression", Task: "regression"},
	{File: "digits.csv", Label: "digit", Task: "classification"},
	{File: "heart_sample.csv", Label: "target", Task: "classification"},
	{File: "iris.csv", Label: "species", Task: "classification"},
	{File: "wine.csv", Label: "cultivar", Task: "classification"},
}
