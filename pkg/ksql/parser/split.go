package parser

import (
	"fmt"
	"strings"
	"unicode"
)

// This file is the one place that cuts SQL text into statements: scripts
// (ParseScript's callers, the shell's -f, the lab tests) and an interactive
// session whose last statement may still be unfinished (an open quote or
// comment waits for more lines). It works on bytes, not tokens, so text
// that does not tokenize yet can still be cut.

// ScriptStatement is one complete statement of a script or a session.
type ScriptStatement struct {
	// Text runs from the statement's first token to its semicolon, with
	// leading comments and white space left out.
	Text string
	// Line is the 1-based line of the statement's first token in the text
	// it was split from.
	Line int
	// Offset is the byte offset of Text in the text it was split from.
	Offset int
}

// ScanState is where a scan stands: in plain SQL, or inside a quoted
// string, a quoted identifier or a comment.
type ScanState int

// The states of Scan.
const (
	InCode         ScanState = iota
	InString                 // '...' ('' is a quote inside)
	InQuotedIdent            // "..." ("" is a quote inside)
	InBacktick               // `...`
	InLineComment            // -- to the end of the line
	InBlockComment           // /* ... */
)

// Scan walks src and reports each byte's state to visit (with its index);
// visit returns false to stop. It returns the state at the end of src.
// It never fails: unfinished quotes and comments are states like others.
func Scan(src string, visit func(i int, st ScanState) bool) ScanState {
	st := InCode
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch st {
		case InCode:
			switch {
			case c == '\'':
				st = InString
			case c == '"':
				st = InQuotedIdent
			case c == '`':
				st = InBacktick
			case c == '-' && i+1 < len(src) && src[i+1] == '-':
				st = InLineComment
			case c == '/' && i+1 < len(src) && src[i+1] == '*':
				if !visit(i, InBlockComment) {
					return InBlockComment
				}
				i++
				st = InBlockComment
			}
			if !visit(i, st) {
				return st
			}
			continue
		case InString, InQuotedIdent, InBacktick:
			if !visit(i, st) {
				return st
			}
			q := map[ScanState]byte{InString: '\'', InQuotedIdent: '"', InBacktick: '`'}[st]
			if c == q {
				if st != InBacktick && i+1 < len(src) && src[i+1] == q {
					i++ // a doubled quote stands for one quote
					if !visit(i, st) {
						return st
					}
					continue
				}
				st = InCode
			}
		case InLineComment:
			if c == '\n' {
				st = InCode
			}
			if !visit(i, st) {
				return st
			}
		case InBlockComment:
			if !visit(i, st) {
				return st
			}
			if c == '*' && i+1 < len(src) && src[i+1] == '/' {
				i++
				if !visit(i, st) {
					return st
				}
				st = InCode
			}
		}
	}
	return st
}

// SplitScript cuts src into the statements it completes (each ending with a
// semicolon outside quotes and comments) and the rest after the last one,
// which a session keeps until more lines complete it. Statements holding
// nothing but comments are left out.
func SplitScript(src string) (stmts []ScriptStatement, rest string) {
	start := 0
	Scan(src, func(i int, st ScanState) bool {
		if st == InCode && src[i] == ';' {
			if s, ok := statementAt(src, start, i+1); ok {
				stmts = append(stmts, s)
			}
			start = i + 1
		}
		return true
	})
	return stmts, src[start:]
}

// statementAt is the statement in src[from:to], with its line number, or
// false when that holds only white space, comments and the semicolon.
func statementAt(src string, from, to int) (ScriptStatement, bool) {
	off := from + CodeStart(src[from:to])
	text := strings.TrimRightFunc(src[off:to], unicode.IsSpace)
	if text == "" || text == ";" {
		return ScriptStatement{}, false
	}
	return ScriptStatement{Text: text, Line: 1 + strings.Count(src[:off], "\n"), Offset: off}, true
}

// CodeStart is the offset of the first byte of s outside white space and
// comments (len(s) when there is none).
func CodeStart(s string) int {
	at := len(s)
	Scan(s, func(i int, st ScanState) bool {
		if (st == InCode && !isSpace(s[i])) || st == InString || st == InQuotedIdent || st == InBacktick {
			at = i
			return false
		}
		return true
	})
	return at
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// IsBlank says whether s holds nothing to run: only white space and
// complete comments. A session shows its first prompt again after a
// blank rest, and its continuation prompt otherwise.
func IsBlank(s string) bool {
	return CodeStart(s) == len(s) && Scan(s, func(int, ScanState) bool { return true }) != InBlockComment
}

// FinishScript turns the rest of a script that ends without a semicolon into its
// last statement (as if the semicolon were there), or reports an open
// quote or comment. ok is false when the rest is blank.
func FinishScript(rest string) (s ScriptStatement, ok bool, err error) {
	end := Scan(rest, func(int, ScanState) bool { return true })
	switch end {
	case InString:
		return ScriptStatement{}, false, fmt.Errorf("the script ends inside a quoted string: a ' is missing")
	case InQuotedIdent:
		return ScriptStatement{}, false, fmt.Errorf(`the script ends inside a quoted name: a " is missing`)
	case InBacktick:
		return ScriptStatement{}, false, fmt.Errorf("the script ends inside a quoted name: a ` is missing")
	case InBlockComment:
		if IsBlank(strings.TrimSpace(rest) + "*/") {
			return ScriptStatement{}, false, nil
		}
		return ScriptStatement{}, false, fmt.Errorf("the script ends inside a /* comment: a */ is missing")
	}
	if IsBlank(rest) {
		return ScriptStatement{}, false, nil
	}
	text := rest
	if end == InLineComment {
		text += "\n"
	}
	s, ok = statementAt(text+";", 0, len(text)+1)
	return s, ok, nil
}

// OneLine is a statement as one line for the history: comments dropped
// and runs of white space outside quotes made one space.
func OneLine(text string) string {
	var b strings.Builder
	space := false
	Scan(text, func(i int, st ScanState) bool {
		c := text[i]
		switch {
		case st == InLineComment || st == InBlockComment:
			space = true
		case st == InCode && isSpace(c):
			space = true
		default:
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteByte(c)
		}
		return true
	})
	return b.String()
}
