package functions

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

func isStr(t *types.Type) bool { return t.Kind == types.KindString || t.Kind == types.KindNull }

// atLeastStrings accepts calls with at least that many arguments, all strings.
func atLeastStrings(least int) func([]*types.Type) bool {
	return func(a []*types.Type) bool {
		for _, t := range a {
			if !isStr(t) {
				return false
			}
		}
		return len(a) >= least
	}
}

func isInt(t *types.Type) bool {
	return t.Kind == types.KindInteger || t.Kind == types.KindBigint || t.Kind == types.KindNull
}

// simple registers a function with fixed argument checks.
func simple(r *Registry, name, category, desc string, sigs []Signature, ret *types.Type, check func([]*types.Type) bool, impl Impl) {
	r.AddScalar(&Scalar{
		Name: name, Category: category, Description: desc, Signatures: sigs,
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if !check(args) {
				return nil, nil, argErr(name, args)
			}
			return ret, impl, nil
		},
	})
}

func oneStr(args []*types.Type) bool { return len(args) == 1 && isStr(args[0]) }

func registerStrings(r *Registry) {
	const cat = "STRING"
	simple(r, "UCASE", cat, "Converts a string to upper case.", []Signature{sig("VARCHAR", "VARCHAR")}, types.StringType, oneStr,
		nullSafe(func(a []any) (any, error) { return strings.ToUpper(a[0].(string)), nil }))
	simple(r, "LCASE", cat, "Converts a string to lower case.", []Signature{sig("VARCHAR", "VARCHAR")}, types.StringType, oneStr,
		nullSafe(func(a []any) (any, error) { return strings.ToLower(a[0].(string)), nil }))
	simple(r, "LEN", cat, "The length of a string in characters.", []Signature{sig("INTEGER", "VARCHAR")}, types.IntegerType, oneStr,
		nullSafe(func(a []any) (any, error) { return int32(utf8.RuneCountInString(a[0].(string))), nil }))
	simple(r, "TRIM", cat, "Removes leading and trailing white space.", []Signature{sig("VARCHAR", "VARCHAR")}, types.StringType, oneStr,
		nullSafe(func(a []any) (any, error) { return strings.TrimSpace(a[0].(string)), nil }))
	simple(r, "LTRIM", cat, "Removes leading white space.", []Signature{sig("VARCHAR", "VARCHAR")}, types.StringType, oneStr,
		nullSafe(func(a []any) (any, error) { return strings.TrimLeftFunc(a[0].(string), unicode.IsSpace), nil }))
	simple(r, "RTRIM", cat, "Removes trailing white space.", []Signature{sig("VARCHAR", "VARCHAR")}, types.StringType, oneStr,
		nullSafe(func(a []any) (any, error) { return strings.TrimRightFunc(a[0].(string), unicode.IsSpace), nil }))
	simple(r, "INITCAP", cat, "Capitalizes the first letter of each word and lower-cases the rest.", []Signature{sig("VARCHAR", "VARCHAR")}, types.StringType, oneStr,
		nullSafe(func(a []any) (any, error) {
			s := a[0].(string)
			var b strings.Builder
			start := true
			for _, c := range s {
				if unicode.IsSpace(c) {
					start = true
					b.WriteRune(c)
					continue
				}
				if start {
					b.WriteRune(unicode.ToUpper(c))
				} else {
					b.WriteRune(unicode.ToLower(c))
				}
				start = false
			}
			return b.String(), nil
		}))
	simple(r, "REPLACE", cat, "Replaces every occurrence of a substring.", []Signature{sig("VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR")}, types.StringType,
		func(a []*types.Type) bool { return len(a) == 3 && isStr(a[0]) && isStr(a[1]) && isStr(a[2]) },
		nullSafe(func(a []any) (any, error) {
			return strings.ReplaceAll(a[0].(string), a[1].(string), a[2].(string)), nil
		}))
	simple(r, "CONCAT", cat, "Concatenates strings, skipping NULLs.", []Signature{{Args: []string{"VARCHAR"}, Returns: "VARCHAR", Variadic: true}}, types.StringType,
		atLeastStrings(1),
		func(a []any) (any, error) {
			var b strings.Builder
			for _, v := range a {
				if v != nil {
					b.WriteString(v.(string))
				}
			}
			return b.String(), nil
		})
	simple(r, "CONCAT_WS", cat, "Concatenates strings with a separator, skipping NULLs.", []Signature{{Args: []string{"VARCHAR", "VARCHAR"}, Returns: "VARCHAR", Variadic: true}}, types.StringType,
		atLeastStrings(2),
		func(a []any) (any, error) {
			if a[0] == nil {
				return nil, nil
			}
			var parts []string
			for _, v := range a[1:] {
				if v != nil {
					parts = append(parts, v.(string))
				}
			}
			return strings.Join(parts, a[0].(string)), nil
		})
	simple(r, "SUBSTRING", cat, "The substring starting at a 1-based position, optionally of a given length.",
		[]Signature{sig("VARCHAR", "VARCHAR", "INTEGER"), sig("VARCHAR", "VARCHAR", "INTEGER", "INTEGER")}, types.StringType,
		func(a []*types.Type) bool {
			return (len(a) == 2 || len(a) == 3) && isStr(a[0]) && isInt(a[1]) && (len(a) == 2 || isInt(a[2]))
		},
		nullSafe(func(a []any) (any, error) {
			s := []rune(a[0].(string))
			pos := int(types.ToInt64(a[1]))
			start := pos - 1
			if pos < 0 {
				start = len(s) + pos
			}
			start = max(start, 0)
			if start > len(s) {
				start = len(s)
			}
			end := len(s)
			if len(a) == 3 {
				end = min(start+int(types.ToInt64(a[2])), len(s))
			}
			if end < start {
				return "", nil
			}
			return string(s[start:end]), nil
		}))
	simple(r, "INSTR", cat, "The 1-based position of a substring, 0 when absent.", []Signature{sig("INTEGER", "VARCHAR", "VARCHAR")}, types.IntegerType,
		func(a []*types.Type) bool { return len(a) == 2 && isStr(a[0]) && isStr(a[1]) },
		nullSafe(func(a []any) (any, error) {
			i := strings.Index(a[0].(string), a[1].(string))
			if i < 0 {
				return int32(0), nil
			}
			return int32(utf8.RuneCountInString(a[0].(string)[:i]) + 1), nil
		}))
	pad := func(name string, left bool) {
		simple(r, name, cat, "Pads a string to a length with a padding string.", []Signature{sig("VARCHAR", "VARCHAR", "INTEGER", "VARCHAR")}, types.StringType,
			func(a []*types.Type) bool { return len(a) == 3 && isStr(a[0]) && isInt(a[1]) && isStr(a[2]) },
			nullSafe(func(a []any) (any, error) {
				s, n, p := []rune(a[0].(string)), int(types.ToInt64(a[1])), []rune(a[2].(string))
				if n < 0 || len(p) == 0 && n > len(s) {
					return nil, nil
				}
				if n <= len(s) {
					return string(s[:n]), nil
				}
				var fill []rune
				for len(fill) < n-len(s) {
					fill = append(fill, p...)
				}
				fill = fill[:n-len(s)]
				if left {
					return string(fill) + string(s), nil
				}
				return string(s) + string(fill), nil
			}))
	}
	pad("LPAD", true)
	pad("RPAD", false)
	simple(r, "SPLIT", cat, "Splits a string into an array at a delimiter.", []Signature{sig("ARRAY<VARCHAR>", "VARCHAR", "VARCHAR")}, types.ArrayOf(types.StringType),
		func(a []*types.Type) bool { return len(a) == 2 && isStr(a[0]) && isStr(a[1]) },
		nullSafe(func(a []any) (any, error) {
			parts := strings.Split(a[0].(string), a[1].(string))
			if a[1].(string) == "" {
				parts = strings.Split(a[0].(string), "")
			}
			out := make([]any, len(parts))
			for i, p := range parts {
				out[i] = p
			}
			return out, nil
		}))
	r.AddScalar(&Scalar{
		Name: "REGEXP_REPLACE", Category: cat, Description: "Replaces every match of a regular expression.",
		Signatures: []Signature{sig("VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR")},
		Resolve: func(args []*types.Type, consts []any) (*types.Type, Impl, error) {
			if len(args) != 3 || !isStr(args[0]) || !isStr(args[1]) || !isStr(args[2]) {
				return nil, nil, argErr("REGEXP_REPLACE", args)
			}
			return types.StringType, nullSafe(func(a []any) (any, error) {
				re, err := regexp.Compile(a[1].(string))
				if err != nil {
					return nil, err
				}
				return re.ReplaceAllString(a[0].(string), javaReplacement(a[2].(string))), nil
			}), nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "REGEXP_EXTRACT", Category: cat, Description: "The first match of a regular expression (or of a capturing group).",
		Signatures: []Signature{sig("VARCHAR", "VARCHAR", "VARCHAR"), sig("VARCHAR", "VARCHAR", "VARCHAR", "INTEGER")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) < 2 || len(args) > 3 || !isStr(args[0]) || !isStr(args[1]) {
				return nil, nil, argErr("REGEXP_EXTRACT", args)
			}
			return types.StringType, nullSafe(func(a []any) (any, error) {
				re, err := regexp.Compile(a[0].(string))
				if err != nil {
					return nil, err
				}
				// As ksqlDB (java.util.regex): a group beyond the
				// pattern's groups, no match, or a group that took no
				// part in the match is NULL; a negative group is an error.
				g := int64(0)
				if len(a) == 3 {
					g = types.ToInt64(a[2])
				}
				if g > int64(re.NumSubexp()) {
					return nil, nil
				}
				s := a[1].(string)
				m := re.FindStringSubmatchIndex(s)
				if m == nil {
					return nil, nil
				}
				if g < 0 {
					return nil, fmt.Errorf("REGEXP_EXTRACT: No group %d", g)
				}
				if m[2*g] < 0 {
					return nil, nil
				}
				return s[m[2*g]:m[2*g+1]], nil
			}), nil
		},
	})
	simple(r, "EXTRACTJSONFIELD", cat, "Extracts a value from a JSON string with a JSONPath such as $.a.b[0].",
		[]Signature{sig("VARCHAR", "VARCHAR", "VARCHAR")}, types.StringType,
		func(a []*types.Type) bool { return len(a) == 2 && isStr(a[0]) && isStr(a[1]) },
		nullSafe(func(a []any) (any, error) { return extractJSONField(a[0].(string), a[1].(string)), nil }))
}

// javaReplacement turns Java's $1 group references into Go's ${1}.
func javaReplacement(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			b.WriteString("${" + s[i+1:j] + "}")
			i = j - 1
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// extractJSONField implements EXTRACTJSONFIELD: NULL when the document or
// path does not resolve; strings are returned unquoted, anything else as
// JSON text.
func extractJSONField(doc, path string) any {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	p := strings.TrimSpace(path)
	if !strings.HasPrefix(p, "$") {
		return nil
	}
	p = p[1:]
	for len(p) > 0 {
		switch p[0] {
		case '.':
			p = p[1:]
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v, ok = m[p[:end]]
			if !ok {
				return nil
			}
			p = p[end:]
		case '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return nil
			}
			key := strings.Trim(p[1:end], "'\"")
			p = p[end+1:]
			switch c := v.(type) {
			case []any:
				i, err := strconv.Atoi(key)
				if err != nil || i < 0 || i >= len(c) {
					return nil
				}
				v = c[i]
			case map[string]any:
				v = c[key]
			default:
				return nil
			}
		default:
			return nil
		}
	}
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return x
	case json.Number:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return string(b)
}
