package ksqlshell

import (
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
)

// tokenKind tells words, quoted strings and other symbols apart.
type tokenKind int

const (
	tokWord   tokenKind = iota // an identifier or keyword, upper-cased
	tokString                  // a '...' literal, unquoted
	tokQuoted                  // a "..." or `...` identifier, unquoted
	tokSymbol                  // anything else, one byte at a time
)

type token struct {
	kind tokenKind
	text string
}

// tokens splits a statement into words, strings and symbols, skipping
// white space and comments. It is just enough to recognise the statements
// the shell handles itself and the kind of a query; the server parses the
// rest.
func tokens(text string) []token {
	var out []token
	var cur strings.Builder
	curKind := tokenKind(-1)
	flush := func() {
		if curKind >= 0 {
			t := cur.String()
			if curKind == tokWord {
				t = strings.ToUpper(t)
			}
			out = append(out, token{kind: curKind, text: t})
		}
		cur.Reset()
		curKind = -1
	}
	prev := parser.InCode
	skipQuote := false
	parser.Scan(text, func(i int, st parser.ScanState) bool {
		c := text[i]
		switch st {
		case parser.InCode:
			if prev == parser.InString || prev == parser.InQuotedIdent || prev == parser.InBacktick {
				// The closing quote was visited in the quoted state.
				flush()
			}
			switch {
			case isWordByte(c):
				if curKind != tokWord {
					flush()
					curKind = tokWord
				}
				cur.WriteByte(c)
			case isSpace(c):
				flush()
			default:
				flush()
				out = append(out, token{kind: tokSymbol, text: string(c)})
			}
		case parser.InString, parser.InQuotedIdent, parser.InBacktick:
			kind := tokString
			if st != parser.InString {
				kind = tokQuoted
			}
			if prev != st {
				flush()
				curKind = kind
				skipQuote = false
				break // the opening quote
			}
			if skipQuote {
				// The second quote of a doubled one, already written.
				skipQuote = false
				break
			}
			q := map[parser.ScanState]byte{parser.InString: '\'', parser.InQuotedIdent: '"', parser.InBacktick: '`'}[st]
			if c == q {
				// Either the closing quote or the first of a doubled one.
				if i+1 < len(text) && text[i+1] == q && st != parser.InBacktick {
					cur.WriteByte(q)
					skipQuote = true
				}
				break
			}
			cur.WriteByte(c)
		default:
			flush()
		}
		prev = st
		return true
	})
	flush()
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// kind is what the shell does with a statement.
type kind int

const (
	kindServer    kind = iota // sent to /ksql
	kindPushQuery             // SELECT ... EMIT CHANGES, through /query-stream
	kindPullQuery             // SELECT without EMIT CHANGES, through /query-stream
	kindSet                   // SET 'name'='value'; kept by the shell
	kindUnset                 // UNSET 'name'; kept by the shell
	kindRunScript             // RUN SCRIPT 'file';
	kindCommand               // help, exit, quit, history, server
	kindPrint                 // PRINT topic: not supported, pointed elsewhere
)

// parsed is a statement the shell has looked at.
type parsed struct {
	kind kind
	// name and value: the property of SET and UNSET, the file of RUN SCRIPT,
	// the command word of a shell command.
	name, value string
	// limit says whether a query has a LIMIT clause.
	limit bool
}

// shellCommands are the words the shell answers itself, with or without a
// semicolon.
var shellCommands = map[string]bool{"HELP": true, "EXIT": true, "QUIT": true, "HISTORY": true, "SERVER": true}

// classify says what the shell does with a statement. A malformed SET,
// UNSET or RUN SCRIPT is sent to the server, whose error says what is
// wrong.
func classify(text string) parsed {
	ts := tokens(text)
	if n := len(ts); n > 0 && ts[n-1].kind == tokSymbol && ts[n-1].text == ";" {
		ts = ts[:n-1]
	}
	is := func(i int, k tokenKind, text string) bool {
		return i < len(ts) && ts[i].kind == k && (text == "" || ts[i].text == text)
	}
	switch {
	case len(ts) == 1 && ts[0].kind == tokWord && shellCommands[ts[0].text]:
		return parsed{kind: kindCommand, name: ts[0].text}
	case len(ts) == 4 && is(0, tokWord, "SET") && is(1, tokString, "") && is(2, tokSymbol, "=") && is(3, tokString, ""):
		return parsed{kind: kindSet, name: ts[1].text, value: ts[3].text}
	case len(ts) == 2 && is(0, tokWord, "UNSET") && is(1, tokString, ""):
		return parsed{kind: kindUnset, name: ts[1].text}
	case len(ts) == 3 && is(0, tokWord, "RUN") && is(1, tokWord, "SCRIPT") && is(2, tokString, ""):
		return parsed{kind: kindRunScript, name: ts[2].text}
	case is(0, tokWord, "PRINT") && (is(1, tokWord, "") || is(1, tokString, "") || is(1, tokQuoted, "")):
		name := ts[1].text
		if ts[1].kind == tokWord {
			// Topic names are case-sensitive: keep what was typed.
			if f := strings.Fields(strings.TrimSpace(text[parser.CodeStart(text):])); len(f) > 1 {
				name = strings.TrimRight(f[1], ";")
			}
		}
		return parsed{kind: kindPrint, name: name}
	case is(0, tokWord, "SELECT"):
		p := parsed{kind: kindPullQuery}
		for i := range ts {
			if is(i, tokWord, "EMIT") && is(i+1, tokWord, "CHANGES") {
				p.kind = kindPushQuery
			}
			if is(i, tokWord, "LIMIT") {
				p.limit = true
			}
		}
		return p
	}
	return parsed{kind: kindServer}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
