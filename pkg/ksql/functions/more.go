package functions

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// registerMore registers the collection, string, date/time and URL
// functions of ksqlDB's function reference beyond the basic ones.
func registerMore(r *Registry) {
	registerCollections(r)
	registerMasks(r)
	registerStrings2(r)
	registerDates(r)
	registerURLs(r)
}

// maskDefaults are the replacements MASK uses for upper-case letters,
// lower-case letters, digits and other characters.
var maskDefaults = [4]string{"X", "x", "n", "-"}

// maskRune masks one character; a NULL replacement keeps it.
func maskRune(c rune, repl [4]any) string {
	i := 3
	switch {
	case unicode.IsUpper(c):
		i = 0
	case unicode.IsLower(c):
		i = 1
	case unicode.IsDigit(c):
		i = 2
	}
	if repl[i] == nil {
		return string(c)
	}
	s := repl[i].(string)
	if s == "" {
		return string(c)
	}
	r, _ := utf8.DecodeRuneInString(s)
	return string(r)
}

func registerMasks(r *Registry) {
	// mask registers a masking function; part chooses which characters
	// (by index, of n) are masked; withN is whether the function takes a
	// character count.
	mask := func(name, desc string, withN bool, part func(i, length, n int) bool) {
		first := 1
		if withN {
			first = 2
		}
		r.AddScalar(&Scalar{
			Name: name, Category: "STRING", Description: desc,
			Signatures: []Signature{{Args: []string{"VARCHAR"}, Returns: "VARCHAR"}},
			Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
				if len(args) < first || len(args) > first+4 || !isStr(args[0]) || withN && !isInt(args[1]) {
					return nil, nil, argErr(name, args)
				}
				for _, t := range args[first:] {
					if !isStr(t) {
						return nil, nil, argErr(name, args)
					}
				}
				return types.StringType, func(a []any) (any, error) {
					if a[0] == nil || withN && a[1] == nil {
						return nil, nil
					}
					n := 0
					if withN {
						n = int(types.ToInt64(a[1]))
						if n < 0 {
							return nil, fmt.Errorf("function %s requires a non-negative number of characters to mask or keep, got %d", name, n)
						}
					}
					var repl [4]any
					for i := range repl {
						repl[i] = maskDefaults[i]
						if first+i < len(a) {
							repl[i] = a[first+i]
						}
					}
					s := []rune(a[0].(string))
					var b strings.Builder
					for i, c := range s {
						if part(i, len(s), n) {
							b.WriteString(maskRune(c, repl))
						} else {
							b.WriteRune(c)
						}
					}
					return b.String(), nil
				}, nil
			},
		})
	}
	mask("MASK", "Masks every character: upper-case letters with 'X', lower-case with 'x', digits with 'n', others with '-' (or the given replacements).", false,
		func(int, int, int) bool { return true })
	mask("MASK_LEFT", "Masks the first n characters.", true, func(i, _, n int) bool { return i < n })
	mask("MASK_RIGHT", "Masks the last n characters.", true, func(i, l, n int) bool { return i >= l-n })
	mask("MASK_KEEP_LEFT", "Masks all but the first n characters.", true, func(i, _, n int) bool { return i >= n })
	mask("MASK_KEEP_RIGHT", "Masks all but the last n characters.", true, func(i, l, n int) bool { return i < l-n })
}

// encodings converts between strings and bytes for ENCODE, TO_BYTES and
// FROM_BYTES.
func decodeAs(s, enc string) ([]byte, error) {
	switch strings.ToLower(enc) {
	case "hex":
		if len(s)%2 == 1 {
			s = "0" + s
		}
		return hex.DecodeString(s)
	case "utf8", "utf-8":
		return []byte(s), nil
	case "ascii":
		for _, c := range s {
			if c > 127 {
				return nil, fmt.Errorf("%q is not ASCII", s)
			}
		}
		return []byte(s), nil
	case "base64":
		return base64.StdEncoding.DecodeString(s)
	}
	return nil, fmt.Errorf("Supported input and output encodings are: hex, utf8, ascii and base64")
}

func encodeAs(b []byte, enc string) (string, error) {
	switch strings.ToLower(enc) {
	case "hex":
		return hex.EncodeToString(b), nil
	case "utf8", "utf-8":
		return string(b), nil
	case "ascii":
		return strings.ToValidUTF8(string(b), "\uFFFD"), nil
	case "base64":
		return base64.StdEncoding.EncodeToString(b), nil
	}
	return "", fmt.Errorf("Supported input and output encodings are: hex, utf8, ascii and base64")
}

func registerStrings2(r *Registry) {
	const cat = "STRING"
	r.AddScalar(&Scalar{
		Name: "CHR", Category: cat, Description: "The character with a decimal code point, or of a '\\uXXXX' escape.",
		Signatures: []Signature{sig("VARCHAR", "INTEGER"), sig("VARCHAR", "VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 1 || !isInt(args[0]) && !isStr(args[0]) {
				return nil, nil, argErr("CHR", args)
			}
			return types.StringType, nullSafe(func(a []any) (any, error) {
				if s, ok := a[0].(string); ok {
					if len(s) != 6 || !strings.HasPrefix(s, "\\u") {
						return nil, nil
					}
					n, err := strconv.ParseUint(s[2:], 16, 32)
					if err != nil {
						return nil, nil
					}
					return string(rune(n)), nil
				}
				n := types.ToInt64(a[0])
				if n < 0 || n > unicode.MaxRune {
					return nil, nil
				}
				return string(rune(n)), nil
			}), nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "ENCODE", Category: cat, Description: "Re-encodes a string from one encoding (hex, utf8, ascii, base64) to another.",
		Signatures: []Signature{sig("VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 3 || !isStr(args[0]) || !isStr(args[1]) || !isStr(args[2]) {
				return nil, nil, argErr("ENCODE", args)
			}
			return types.StringType, nullSafe(func(a []any) (any, error) {
				b, err := decodeAs(a[0].(string), a[1].(string))
				if err != nil {
					return nil, err
				}
				return encodeAs(b, a[2].(string))
			}), nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "TO_BYTES", Category: cat, Description: "Converts a string in an encoding (hex, utf8, ascii, base64) to BYTES.",
		Signatures: []Signature{sig("BYTES", "VARCHAR", "VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 2 || !isStr(args[0]) || !isStr(args[1]) {
				return nil, nil, argErr("TO_BYTES", args)
			}
			return types.BytesType, nullSafe(func(a []any) (any, error) { return decodeAs(a[0].(string), a[1].(string)) }), nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "FROM_BYTES", Category: cat, Description: "Converts BYTES to a string in an encoding (hex, utf8, ascii, base64).",
		Signatures: []Signature{sig("VARCHAR", "BYTES", "VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 2 || args[0].Kind != types.KindBytes && args[0].Kind != types.KindNull || !isStr(args[1]) {
				return nil, nil, argErr("FROM_BYTES", args)
			}
			return types.StringType, nullSafe(func(a []any) (any, error) { return encodeAs(a[0].([]byte), a[1].(string)) }), nil
		},
	})
	regex := func(name, desc string, ret *types.Type, withGroup bool, f func(re *regexp.Regexp, s string, group int) any) {
		r.AddScalar(&Scalar{
			Name: name, Category: cat, Description: desc,
			Signatures: []Signature{sig(ret.String(), "VARCHAR", "VARCHAR")},
			Resolve: func(args []*types.Type, consts []any) (*types.Type, Impl, error) {
				if len(args) < 2 || len(args) > 3 || !withGroup && len(args) == 3 || !isStr(args[0]) || !isStr(args[1]) || len(args) == 3 && !isInt(args[2]) {
					return nil, nil, argErr(name, args)
				}
				var fixed *regexp.Regexp
				if p, ok := consts[1].(string); ok {
					re, err := regexp.Compile(p)
					if err != nil {
						return nil, nil, fmt.Errorf("Invalid regular expression pattern: %s: %v", p, err)
					}
					fixed = re
				}
				return ret, nullSafe(func(a []any) (any, error) {
					re := fixed
					if re == nil {
						var err error
						if re, err = regexp.Compile(a[1].(string)); err != nil {
							return nil, fmt.Errorf("Invalid regular expression pattern: %s: %v", a[1], err)
						}
					}
					group := 0
					if len(a) == 3 {
						group = int(types.ToInt64(a[2]))
						if group < 0 || group > re.NumSubexp() {
							return nil, nil
						}
					}
					return f(re, a[0].(string), group), nil
				}), nil
			},
		})
	}
	regex("REGEXP_EXTRACT_ALL", "Every match of a regular expression (or of one of its groups) in a string.", types.ArrayOf(types.StringType), true,
		func(re *regexp.Regexp, s string, group int) any {
			out := []any{}
			for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
				if m[2*group] < 0 {
					out = append(out, nil)
					continue
				}
				out = append(out, s[m[2*group]:m[2*group+1]])
			}
			return out
		})
	regex("REGEXP_SPLIT_TO_ARRAY", "Splits a string around the matches of a regular expression.", types.ArrayOf(types.StringType), false,
		func(re *regexp.Regexp, s string, _ int) any {
			parts := re.Split(s, -1)
			out := make([]any, len(parts))
			for i, p := range parts {
				out[i] = p
			}
			return out
		})
	r.AddScalar(&Scalar{
		Name: "SPLIT_TO_MAP", Category: cat, Description: "Splits a string into entries by one delimiter and each entry into key and value by another.",
		Signatures: []Signature{sig("MAP<VARCHAR, VARCHAR>", "VARCHAR", "VARCHAR", "VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 3 || !isStr(args[0]) || !isStr(args[1]) || !isStr(args[2]) {
				return nil, nil, argErr("SPLIT_TO_MAP", args)
			}
			return types.MapOf(types.StringType, types.StringType), nullSafe(func(a []any) (any, error) {
				entryDelim, kvDelim := a[1].(string), a[2].(string)
				if entryDelim == "" || kvDelim == "" || entryDelim == kvDelim {
					return nil, nil
				}
				out := &types.Map{}
				for _, e := range strings.Split(a[0].(string), entryDelim) {
					if k, v, ok := strings.Cut(e, kvDelim); ok {
						out.Put(k, v)
					}
				}
				return out, nil
			}), nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "UUID", Category: cat, Description: "A random (version 4) UUID.",
		Signatures: []Signature{sig("VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 0 {
				return nil, nil, argErr("UUID", args)
			}
			return types.StringType, func([]any) (any, error) {
				var b [16]byte
				if _, err := rand.Read(b[:]); err != nil {
					return nil, err
				}
				b[6] = b[6]&0x0f | 0x40
				b[8] = b[8]&0x3f | 0x80
				h := hex.EncodeToString(b[:])
				return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
			}, nil
		},
	})
}

// unitDuration is the length of one unit of TIMESTAMPADD and its kin.
func unitDuration(u string) (time.Duration, bool) {
	switch strings.TrimSuffix(strings.ToUpper(u), "S") {
	case "MILLISECOND":
		return time.Millisecond, true
	case "SECOND":
		return time.Second, true
	case "MINUTE":
		return time.Minute, true
	case "HOUR":
		return time.Hour, true
	case "DAY":
		return 24 * time.Hour, true
	}
	return 0, false
}

func registerDates(r *Registry) {
	const cat = "DATE / TIME"
	// add registers NAMEADD / NAMESUB (unit, n, value).
	add := func(name string, t *types.Type, sign int64, apply func(v any, ms int64) (any, error)) {
		r.AddScalar(&Scalar{
			Name: name, Category: cat, Description: fmt.Sprintf("Adds (or subtracts) a number of time units to a %s.", t),
			Signatures: []Signature{sig(t.String(), "INTERVAL UNIT", "INTEGER", t.String())},
			Resolve: func(args []*types.Type, consts []any) (*types.Type, Impl, error) {
				if len(args) != 3 || !isStr(args[0]) || !isInt(args[1]) || args[2].Kind != t.Kind && args[2].Kind != types.KindNull {
					return nil, nil, argErr(name, args)
				}
				return t, func(a []any) (any, error) {
					if a[1] == nil || a[2] == nil {
						return nil, nil
					}
					unit, _ := a[0].(string)
					d, ok := unitDuration(unit)
					if !ok {
						return nil, fmt.Errorf("unknown time unit %s", unit)
					}
					return apply(a[2], sign*types.ToInt64(a[1])*d.Milliseconds())
				}, nil
			},
		})
	}
	for _, sign := range []int64{1, -1} {
		suffix := "ADD"
		if sign < 0 {
			suffix = "SUB"
		}
		add("TIMESTAMP"+suffix, types.TimestampType, sign, func(v any, ms int64) (any, error) { return v.(types.Timestamp) + types.Timestamp(ms), nil })
		add("DATE"+suffix, types.DateType, sign, func(v any, ms int64) (any, error) {
			if ms%86_400_000 != 0 {
				return nil, fmt.Errorf("only whole days can be added to a DATE")
			}
			return v.(types.Date) + types.Date(ms/86_400_000), nil
		})
		add("TIME"+suffix, types.TimeType, sign, func(v any, ms int64) (any, error) {
			t := (int64(v.(types.TimeOfDay)) + ms) % 86_400_000
			if t < 0 {
				t += 86_400_000
			}
			return types.TimeOfDay(t), nil
		})
	}
	epochDay := func(days int64) time.Time { return time.Unix(days*86400, 0).UTC() }
	r.AddScalar(&Scalar{
		Name: "FORMAT_DATE", Category: cat, Description: "Formats a DATE with a java.time pattern.",
		Signatures: []Signature{sig("VARCHAR", "DATE", "VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 2 || args[0].Kind != types.KindDate && args[0].Kind != types.KindNull || !isStr(args[1]) {
				return nil, nil, argErr("FORMAT_DATE", args)
			}
			return types.StringType, nullSafe(func(a []any) (any, error) {
				return formatJava(epochDay(int64(a[0].(types.Date))), a[1].(string)), nil
			}), nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "DATETOSTRING", Category: cat, Description: "Formats days since the epoch with a java.time pattern.",
		Signatures: []Signature{sig("VARCHAR", "INTEGER", "VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 2 || !isInt(args[0]) || !isStr(args[1]) {
				return nil, nil, argErr("DATETOSTRING", args)
			}
			return types.StringType, nullSafe(func(a []any) (any, error) {
				return formatJava(epochDay(types.ToInt64(a[0])), a[1].(string)), nil
			}), nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "FORMAT_TIME", Category: cat, Description: "Formats a TIME with a java.time pattern.",
		Signatures: []Signature{sig("VARCHAR", "TIME", "VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 2 || args[0].Kind != types.KindTime && args[0].Kind != types.KindNull || !isStr(args[1]) {
				return nil, nil, argErr("FORMAT_TIME", args)
			}
			return types.StringType, nullSafe(func(a []any) (any, error) {
				return formatJava(time.UnixMilli(int64(a[0].(types.TimeOfDay))).UTC(), a[1].(string)), nil
			}), nil
		},
	})
	parse := func(name, desc string, ret *types.Type, conv func(time.Time) any) {
		r.AddScalar(&Scalar{
			Name: name, Category: cat, Description: desc,
			Signatures: []Signature{sig(ret.String(), "VARCHAR", "VARCHAR")},
			Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
				if len(args) != 2 || !isStr(args[0]) || !isStr(args[1]) {
					return nil, nil, argErr(name, args)
				}
				return ret, nullSafe(func(a []any) (any, error) {
					t, err := time.ParseInLocation(JavaLayout(a[1].(string)), a[0].(string), time.UTC)
					if err != nil {
						return nil, fmt.Errorf("Failed to parse %s %q with formatter %q", strings.ToLower(ret.String()), a[0], a[1])
					}
					return conv(t), nil
				}), nil
			},
		})
	}
	days := func(t time.Time) int64 {
		d := t.Unix() / 86400
		if t.Unix() < 0 && t.Unix()%86400 != 0 {
			d--
		}
		return d
	}
	parse("PARSE_DATE", "Parses a string into a DATE with a java.time pattern.", types.DateType, func(t time.Time) any { return types.Date(days(t)) })
	parse("STRINGTODATE", "Parses a string into days since the epoch with a java.time pattern.", types.IntegerType, func(t time.Time) any { return int32(days(t)) })
	parse("PARSE_TIME", "Parses a string into a TIME with a java.time pattern.", types.TimeType, func(t time.Time) any {
		return types.TimeOfDay((t.Hour()*3600+t.Minute()*60+t.Second())*1000 + t.Nanosecond()/1e6)
	})
	r.AddScalar(&Scalar{
		Name: "UNIX_DATE", Category: cat, Description: "Today (or a DATE) in days since the epoch.",
		Signatures: []Signature{sig("INTEGER"), sig("INTEGER", "DATE")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			switch {
			case len(args) == 0:
				return types.IntegerType, func([]any) (any, error) { return int32(days(time.Now().UTC())), nil }, nil
			case len(args) == 1 && (args[0].Kind == types.KindDate || args[0].Kind == types.KindNull):
				return types.IntegerType, nullSafe(func(a []any) (any, error) { return int32(a[0].(types.Date)), nil }), nil
			}
			return nil, nil, argErr("UNIX_DATE", args)
		},
	})
	r.AddScalar(&Scalar{
		Name: "FROM_DAYS", Category: cat, Description: "Converts days since the epoch to a DATE.",
		Signatures: []Signature{sig("DATE", "INTEGER")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 1 || !isInt(args[0]) {
				return nil, nil, argErr("FROM_DAYS", args)
			}
			return types.DateType, nullSafe(func(a []any) (any, error) { return types.Date(types.ToInt64(a[0])), nil }), nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "CONVERT_TZ", Category: cat, Description: "Converts a TIMESTAMP from one time zone to another.",
		Signatures: []Signature{sig("TIMESTAMP", "TIMESTAMP", "VARCHAR", "VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 3 || args[0].Kind != types.KindTimestamp && args[0].Kind != types.KindNull || !isStr(args[1]) || !isStr(args[2]) {
				return nil, nil, argErr("CONVERT_TZ", args)
			}
			return types.TimestampType, nullSafe(func(a []any) (any, error) {
				from, err := time.LoadLocation(a[1].(string))
				if err != nil {
					return nil, err
				}
				to, err := time.LoadLocation(a[2].(string))
				if err != nil {
					return nil, err
				}
				t := time.UnixMilli(int64(a[0].(types.Timestamp))).UTC()
				_, fromOff := t.In(from).Zone()
				_, toOff := t.In(to).Zone()
				return a[0].(types.Timestamp) + types.Timestamp(int64(toOff-fromOff)*1000), nil
			}), nil
		},
	})
}

func registerURLs(r *Registry) {
	const cat = "URL"
	parsed := func(name, desc string, ret *types.Type, f func(u *url.URL) any) {
		simple(r, name, cat, desc, []Signature{sig(ret.String(), "VARCHAR")}, ret, oneStr, nullSafe(func(a []any) (any, error) {
			u, err := url.Parse(a[0].(string))
			if err != nil {
				return nil, nil
			}
			return f(u), nil
		}))
	}
	orNil := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	parsed("URL_EXTRACT_FRAGMENT", "The fragment of a URL.", types.StringType, func(u *url.URL) any { return orNil(u.Fragment) })
	parsed("URL_EXTRACT_HOST", "The host of a URL.", types.StringType, func(u *url.URL) any { return orNil(u.Hostname()) })
	parsed("URL_EXTRACT_PATH", "The path of a URL.", types.StringType, func(u *url.URL) any { return u.Path })
	parsed("URL_EXTRACT_PROTOCOL", "The protocol (scheme) of a URL.", types.StringType, func(u *url.URL) any { return orNil(u.Scheme) })
	parsed("URL_EXTRACT_QUERY", "The query string of a URL.", types.StringType, func(u *url.URL) any { return orNil(u.RawQuery) })
	parsed("URL_EXTRACT_PORT", "The port of a URL.", types.IntegerType, func(u *url.URL) any {
		p, err := strconv.Atoi(u.Port())
		if err != nil {
			return nil
		}
		return int32(p)
	})
	r.AddScalar(&Scalar{
		Name: "URL_EXTRACT_PARAMETER", Category: cat, Description: "The first value of a query parameter of a URL.",
		Signatures: []Signature{sig("VARCHAR", "VARCHAR", "VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 2 || !isStr(args[0]) || !isStr(args[1]) {
				return nil, nil, argErr("URL_EXTRACT_PARAMETER", args)
			}
			return types.StringType, nullSafe(func(a []any) (any, error) {
				u, err := url.Parse(a[0].(string))
				if err != nil {
					return nil, nil
				}
				vals, ok := u.Query()[a[1].(string)]
				if !ok || len(vals) == 0 {
					return nil, nil
				}
				return vals[0], nil
			}), nil
		},
	})
	simple(r, "URL_ENCODE_PARAM", cat, "Encodes a string for a URL query parameter.", []Signature{sig("VARCHAR", "VARCHAR")}, types.StringType, oneStr,
		nullSafe(func(a []any) (any, error) { return url.QueryEscape(a[0].(string)), nil }))
	simple(r, "URL_DECODE_PARAM", cat, "Decodes a URL query parameter.", []Signature{sig("VARCHAR", "VARCHAR")}, types.StringType, oneStr,
		nullSafe(func(a []any) (any, error) {
			s, err := url.QueryUnescape(a[0].(string))
			if err != nil {
				return nil, err
			}
			return s, nil
		}))
}
