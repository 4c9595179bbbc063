package ksqlshell

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/mattn/go-runewidth"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// Table is rows of text under a header, drawn as ksql's CLI draws the
// answers of SHOW statements:
//
//	 Stream Name | Kafka Topic | Key Format
//	----------------------------------------
//	 READINGS    | readings    | KAFKA
//	----------------------------------------
type Table struct {
	Header []string
	Rows   [][]string
}

// Write draws the table; lines carry no trailing spaces.
func (t Table) Write(w io.Writer) error {
	widths := make([]int, len(t.Header))
	for i, h := range t.Header {
		widths[i] = runewidth.StringWidth(h)
	}
	for _, r := range t.Rows {
		for i := range widths {
			if i < len(r) {
				widths[i] = max(widths[i], runewidth.StringWidth(r[i]))
			}
		}
	}
	line := func(cells []string) string {
		var b strings.Builder
		for i, wd := range widths {
			if i > 0 {
				b.WriteString("|")
			}
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			b.WriteString(" " + runewidth.FillRight(c, wd) + " ")
		}
		return strings.TrimRight(b.String(), " ")
	}
	total := 0
	for _, wd := range widths {
		total += wd + 3
	}
	rule := strings.Repeat("-", max(total-1, 1))
	var b strings.Builder
	b.WriteString(line(t.Header) + "\n" + rule + "\n")
	for _, r := range t.Rows {
		b.WriteString(line(r) + "\n")
	}
	b.WriteString(rule + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// FormatValue is a column value of a query row as the shell prints it:
// strings as they are, null as null, doubles with a decimal point, and
// arrays, maps and structs as JSON.
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return formatDouble(x)
	case []any, map[string]any:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
	return fmt.Sprint(v)
}

// formatDouble prints a DOUBLE with a decimal point, as ksqlDB's Java CLI
// does (3.0, not 3), in plain notation below 1e21.
func formatDouble(f float64) string {
	if s, ok := types.FormatNonFinite(f); ok {
		return s
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if math.Abs(f) >= 1e21 {
		s = strconv.FormatFloat(f, 'g', -1, 64)
	}
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

// queryTable draws a query's rows as ksql's CLI does, one line per row as
// it arrives:
//
//	+------+------+
//	|ID    |NAME  |
//	+------+------+
//	|1     |alice |
//	+------+------+
//
// On a terminal a cell wider than its column wraps onto further lines;
// elsewhere it is written whole (output for other programs keeps values
// intact) and pushes the border out.
type queryTable struct {
	w      io.Writer
	widths []int
	wrap   bool
}

// newQueryTable sizes the columns: to fit the given rows when there are
// any (pull queries, whose rows are all known); else, for push queries,
// whose rows are still to come, to share a terminal's width evenly, or
// (width 0: not a terminal) by what the column's type usually holds.
func newQueryTable(w io.Writer, columns, types []string, rows [][]string, width int) *queryTable {
	widths := make([]int, len(columns))
	for i, c := range columns {
		widths[i] = runewidth.StringWidth(c)
	}
	switch {
	case rows != nil:
		for i := range columns {
			for _, r := range rows {
				if i < len(r) {
					widths[i] = max(widths[i], runewidth.StringWidth(r[i]))
				}
			}
		}
		return &queryTable{w: w, widths: widths}
	case width > 0:
		each := max((width-1)/max(len(columns), 1)-1, 8)
		for i := range widths {
			widths[i] = max(widths[i], each)
		}
		return &queryTable{w: w, widths: widths, wrap: true}
	}
	for i := range widths {
		t := ""
		if i < len(types) {
			t = types[i]
		}
		widths[i] = max(widths[i], typeWidth(t))
	}
	return &queryTable{w: w, widths: widths}
}

// typeWidth is how wide a column of a type is drawn when the shell cannot
// know the width of the terminal.
func typeWidth(t string) int {
	t = strings.ToUpper(t)
	if i := strings.IndexAny(t, "<("); i >= 0 {
		t = t[:i]
	}
	switch strings.TrimSpace(t) {
	case "BOOLEAN":
		return 5
	case "INTEGER", "INT":
		return 11
	case "BIGINT", "DECIMAL":
		return 20
	case "DOUBLE":
		return 22
	case "DATE":
		return 10
	case "TIME":
		return 12
	case "TIMESTAMP":
		return 23
	case "STRING", "VARCHAR":
		return 24
	}
	return 40
}

func (q *queryTable) border() {
	var b strings.Builder
	b.WriteString("+")
	for _, wd := range q.widths {
		b.WriteString(strings.Repeat("-", wd) + "+")
	}
	fmt.Fprintln(q.w, b.String())
}

func (q *queryTable) header(columns []string) {
	q.border()
	q.row(columns)
	q.border()
}

// row writes one row, wrapping cells wider than their column.
func (q *queryTable) row(cells []string) {
	parts := make([][]string, len(q.widths))
	lines := 1
	for i, wd := range q.widths {
		c := ""
		if i < len(cells) {
			c = cells[i]
		}
		if q.wrap {
			parts[i] = wrap(c, wd)
		} else {
			parts[i] = []string{strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(c)}
		}
		lines = max(lines, len(parts[i]))
	}
	var b strings.Builder
	for l := range lines {
		b.WriteString("|")
		for i, wd := range q.widths {
			s := ""
			if l < len(parts[i]) {
				s = parts[i][l]
			}
			b.WriteString(runewidth.FillRight(s, wd) + "|")
		}
		b.WriteString("\n")
	}
	_, _ = io.WriteString(q.w, b.String())
}

// wrap cuts s into pieces at most width columns wide (newlines in values
// are shown as spaces so a row stays a row).
func wrap(s string, width int) []string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)
	if runewidth.StringWidth(s) <= width || width <= 0 {
		return []string{s}
	}
	var out []string
	var cur strings.Builder
	w := 0
	for _, r := range s {
		rw := runewidth.RuneWidth(r)
		if w+rw > width && w > 0 {
			out = append(out, cur.String())
			cur.Reset()
			w = 0
		}
		cur.WriteRune(r)
		w += rw
	}
	return append(out, cur.String())
}
