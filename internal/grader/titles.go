package grader

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"unicode"
)

// subtestTitles maps the names `go test` reports for the grading tests'
// subtests back to the names the tests gave them. The testing package
// writes a subtest's name with its spaces made underscores, so the reported
// name alone cannot tell "LINE_SUMS holds n" from "LINE SUMS holds n"; the
// t.Run calls with a literal name in the grading test files can. A reported
// name two literals share is left out.
func subtestTitles(files map[string][]byte) map[string]string {
	titles := map[string]string{}
	clash := map[string]bool{}
	fset := token.NewFileSet()
	for name, src := range files {
		if !strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			continue // it will not compile either, and grading says so
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Run" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			text, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			reported := reportedName(text)
			if prev, ok := titles[reported]; ok && prev != text {
				clash[reported] = true
			}
			titles[reported] = text
			return true
		})
	}
	for name := range clash {
		delete(titles, name)
	}
	return titles
}

// reportedName is the name the testing package reports for a subtest named
// s: spaces become underscores and unprintable characters are escaped.
func reportedName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			b.WriteByte('_')
		case !strconv.IsPrint(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// subtestTitle is the readable title of a reported subtest path ("a/b"):
// each part as the test named it when a t.Run literal names it, else with
// its underscores read as spaces (names built at run time are sentences).
// The "#01" the testing package adds to a repeated name is dropped.
func subtestTitle(titles map[string]string, reported string) string {
	parts := strings.Split(reported, "/")
	for i, p := range parts {
		if j := strings.LastIndex(p, "#"); j > 0 {
			if _, err := strconv.Atoi(p[j+1:]); err == nil {
				p = p[:j]
			}
		}
		if t, ok := titles[p]; ok {
			parts[i] = t
		} else {
			parts[i] = strings.ReplaceAll(p, "_", " ")
		}
	}
	return strings.Join(parts, "/")
}
