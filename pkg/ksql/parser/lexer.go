package parser

import (
	"fmt"
	"strings"
)

// TokenKind classifies a token.
type TokenKind int

// The token kinds.
const (
	TokEOF TokenKind = iota
	TokIdent
	TokQuotedIdent
	TokString
	TokInteger
	TokDecimal
	TokDouble
	TokOp // operators and punctuation
)

// Token is one lexical token.
type Token struct {
	Kind TokenKind
	Text string // identifier (as written), literal text, or operator
	Val  string // string literal value / unquoted identifier value
	Pos  Pos
	Off  int // byte offset of the token start
	End  int // byte offset just past the token
}

func (t Token) describe() string {
	switch t.Kind {
	case TokEOF:
		return "end of input"
	case TokString:
		return "'" + t.Val + "'"
	}
	return "'" + t.Text + "'"
}

// Error is a syntax error with its 1-based position.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg) }

type lexer struct {
	src  string
	off  int
	line int
	col  int
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '@' || c == '$'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (l *lexer) pos() Pos { return Pos{Line: l.line, Col: l.col} }

func (l *lexer) advance(n int) {
	for i := 0; i < n && l.off < len(l.src); i++ {
		if l.src[l.off] == '\n' {
			l.line++
			l.col = 1
		} else {
			l.col++
		}
		l.off++
	}
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() error {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			l.advance(1)
		case c == '-' && strings.HasPrefix(l.src[l.off:], "--"):
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.advance(1)
			}
		case c == '/' && strings.HasPrefix(l.src[l.off:], "/*"):
			start := l.pos()
			end := strings.Index(l.src[l.off+2:], "*/")
			if end < 0 {
				return &Error{Pos: start, Msg: "unterminated comment"}
			}
			l.advance(end + 4)
		default:
			return nil
		}
	}
	return nil
}

// quoted reads the text between the quote q at the current offset and its
// closing quote, a doubled q standing for one; ok is false when the input
// ends first.
func (l *lexer) quoted(q byte) (text string, ok bool) {
	var b strings.Builder
	l.advance(1)
	for l.off < len(l.src) {
		ch := l.src[l.off]
		if ch == q {
			if l.off+1 < len(l.src) && l.src[l.off+1] == q {
				b.WriteByte(q)
				l.advance(2)
				continue
			}
			l.advance(1)
			return b.String(), true
		}
		b.WriteByte(ch)
		l.advance(1)
	}
	return "", false
}

var ops2 = []string{"<=", ">=", "<>", "!=", "->", ":=", "=>", "||"}

func (l *lexer) next() (Token, error) {
	if err := l.skipSpace(); err != nil {
		return Token{}, err
	}
	start := l.pos()
	off := l.off
	if l.off >= len(l.src) {
		return Token{Kind: TokEOF, Pos: start, Off: off, End: off}, nil
	}
	c := l.src[l.off]
	mk := func(kind TokenKind, text, val string) Token {
		return Token{Kind: kind, Text: text, Val: val, Pos: start, Off: off, End: l.off}
	}
	switch {
	case c == '\'':
		v, ok := l.quoted(c)
		if !ok {
			return Token{}, &Error{Pos: start, Msg: "unterminated string literal"}
		}
		return mk(TokString, l.src[off:l.off], v), nil
	case c == '`' || c == '"':
		v, ok := l.quoted(c)
		if !ok {
			return Token{}, &Error{Pos: start, Msg: "unterminated quoted identifier"}
		}
		if v == "" {
			return Token{}, &Error{Pos: start, Msg: "empty quoted identifier"}
		}
		return mk(TokQuotedIdent, l.src[off:l.off], v), nil
	case isDigit(c) || c == '.' && l.off+1 < len(l.src) && isDigit(l.src[l.off+1]):
		return l.number(start, off)
	case isIdentStart(c):
		for l.off < len(l.src) && isIdentChar(l.src[l.off]) {
			l.advance(1)
		}
		text := l.src[off:l.off]
		return mk(TokIdent, text, strings.ToUpper(text)), nil
	}
	for _, op := range ops2 {
		if strings.HasPrefix(l.src[l.off:], op) {
			l.advance(2)
			return mk(TokOp, op, op), nil
		}
	}
	if strings.ContainsRune("=<>+-*/%(),;.[]:?{}", rune(c)) {
		l.advance(1)
		return mk(TokOp, string(c), string(c)), nil
	}
	return Token{}, &Error{Pos: start, Msg: fmt.Sprintf("unexpected character %q", c)}
}

// number lexes INTEGER, DECIMAL (with '.') and DOUBLE (with exponent)
// literals, and identifiers that start with a digit (ksqlDB's
// DIGIT_IDENTIFIER, e.g. the alias 1R).
func (l *lexer) number(start Pos, off int) (Token, error) {
	kind := TokInteger
	for l.off < len(l.src) && isDigit(l.src[l.off]) {
		l.advance(1)
	}
	if l.off < len(l.src) && l.src[l.off] == '.' {
		kind = TokDecimal
		l.advance(1)
		for l.off < len(l.src) && isDigit(l.src[l.off]) {
			l.advance(1)
		}
	}
	if l.off < len(l.src) && (l.src[l.off] == 'e' || l.src[l.off] == 'E') {
		j := l.off + 1
		if j < len(l.src) && (l.src[j] == '+' || l.src[j] == '-') {
			j++
		}
		if j < len(l.src) && isDigit(l.src[j]) {
			for j < len(l.src) && isDigit(l.src[j]) {
				j++
			}
			if j >= len(l.src) || !isIdentChar(l.src[j]) {
				l.advance(j - l.off)
				kind = TokDouble
			}
		}
	}
	if kind == TokInteger && l.off < len(l.src) && isIdentChar(l.src[l.off]) {
		for l.off < len(l.src) && isIdentChar(l.src[l.off]) {
			l.advance(1)
		}
		text := l.src[off:l.off]
		return Token{Kind: TokIdent, Text: text, Val: strings.ToUpper(text), Pos: start, Off: off, End: l.off}, nil
	}
	text := l.src[off:l.off]
	return Token{Kind: kind, Text: text, Val: text, Pos: start, Off: off, End: l.off}, nil
}

// Tokenize splits src into tokens (ending with a TokEOF token).
func Tokenize(src string) ([]Token, error) {
	l := &lexer{src: src, line: 1, col: 1}
	var toks []Token
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		if t.Kind == TokEOF {
			return toks, nil
		}
	}
}
