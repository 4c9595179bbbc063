package ksqlshell

import (
	"fmt"
	"strings"
	"unicode"
)

// Statement is one complete statement of a script or a session.
type Statement struct {
	// Text runs from the statement's first token to its semicolon, with
	// leading comments and white space left out.
	Text string
	// Line is the 1-based line of the statement's first token in the text
	// it was split from.
	Line int
}

// lexState is where a scan stands: in plain SQL, or inside a quoted
// string, a quoted identifier or a comment.
type lexState int

const (
	inCode         lexState = iota
	inString                // '...' ('' is a quote inside)
	inQuotedIdent           // "..." ("" is a quote inside)
	inBacktick              // `...`
	inLineComment           // -- to the end of the line
	inBlockComment          // /* ... */
)

// scan walks src and reports each byte's state to visit (with its index);
// visit returns false to stop. It returns the state at the end of src.
func scan(src string, visit func(i int, st lexState) bool) lexState {
	st := inCode
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch st {
		case inCode:
			switch {
			case c == '\'':
				st = inString
			case c == '"':
				st = inQuotedIdent
			case c == '`':
				st = inBacktick
			case c == '-' && i+1 < len(src) && src[i+1] == '-':
				st = inLineComment
			case c == '/' && i+1 < len(src) && src[i+1] == '*':
				if !visit(i, inBlockComment) {
					return inBlockComment
				}
				i++
				st = inBlockComment
			}
			if !visit(i, st) {
				return st
			}
			continue
		case inString, inQuotedIdent, inBacktick:
			if !visit(i, st) {
				return st
			}
			q := map[lexState]byte{inString: '\'', inQuotedIdent: '"', inBacktick: '`'}[st]
			if c == q {
				if st != inBacktick && i+1 < len(src) && src[i+1] == q {
					i++ // a doubled quote stands for one quote
					if !visit(i, st) {
						return st
					}
					continue
				}
				st = inCode
			}
		case inLineComment:
			if c == '\n' {
				st = inCode
			}
			if !visit(i, st) {
				return st
			}
		case inBlockComment:
			if !visit(i, st) {
				return st
			}
			if c == '*' && i+1 < len(src) && src[i+1] == '/' {
				i++
				if !visit(i, st) {
					return st
				}
				st = inCode
			}
		}
	}
	return st
}

// Split cuts src into the statements it completes (each ending with a
// semicolon outside quotes and comments) and the rest after the last one,
// which a session keeps until more lines complete it. Statements holding
// nothing but comments are left out.
func Split(src string) (stmts []Statement, rest string) {
	start := 0
	scan(src, func(i int, st lexState) bool {
		if st == inCode && src[i] == ';' {
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
func statementAt(src string, from, to int) (Statement, bool) {
	off := from + codeStart(src[from:to])
	text := strings.TrimRightFunc(src[off:to], unicode.IsSpace)
	if text == "" || text == ";" {
		return Statement{}, false
	}
	return Statement{Text: text, Line: 1 + strings.Count(src[:off], "\n")}, true
}

// codeStart is the offset of the first byte of s outside white space and
// comments (len(s) when there is none).
func codeStart(s string) int {
	at := len(s)
	scan(s, func(i int, st lexState) bool {
		if (st == inCode && !isSpace(s[i])) || st == inString || st == inQuotedIdent || st == inBacktick {
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
	return codeStart(s) == len(s) && scan(s, func(int, lexState) bool { return true }) != inBlockComment
}

// Finish turns the rest of a script that ends without a semicolon into its
// last statement (as if the semicolon were there), or reports an open
// quote or comment. ok is false when the rest is blank.
func Finish(rest string) (s Statement, ok bool, err error) {
	end := scan(rest, func(int, lexState) bool { return true })
	switch end {
	case inString:
		return Statement{}, false, fmt.Errorf("the script ends inside a quoted string: a ' is missing")
	case inQuotedIdent:
		return Statement{}, false, fmt.Errorf(`the script ends inside a quoted name: a " is missing`)
	case inBacktick:
		return Statement{}, false, fmt.Errorf("the script ends inside a quoted name: a ` is missing")
	case inBlockComment:
		if IsBlank(strings.TrimSpace(rest) + "*/") {
			return Statement{}, false, nil
		}
		return Statement{}, false, fmt.Errorf("the script ends inside a /* comment: a */ is missing")
	}
	if IsBlank(rest) {
		return Statement{}, false, nil
	}
	text := rest
	if end == inLineComment {
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
	scan(text, func(i int, st lexState) bool {
		c := text[i]
		switch {
		case st == inLineComment || st == inBlockComment:
			space = true
		case st == inCode && isSpace(c):
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
