package functions

import (
	"fmt"
	"strings"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// commonType returns the type that all of args can be coerced to.
func commonType(args []*types.Type) (*types.Type, bool) {
	ret := types.NullType
	for _, a := range args {
		switch {
		case a.Kind == types.KindNull:
		case ret.Kind == types.KindNull:
			ret = a
		case ret.IsNumeric() && a.IsNumeric():
			ret = types.WiderNumeric(ret, a)
		case ret.Equal(a), ret.Kind == a.Kind && !ret.IsPrimitive():
		default:
			return nil, false
		}
	}
	return ret, true
}

func registerMisc(r *Registry) {
	coalesce := func(name, desc string, exactly int) {
		r.AddScalar(&Scalar{
			Name: name, Category: "CONDITIONAL", Description: desc,
			Signatures: []Signature{{Args: []string{"ANY", "ANY"}, Returns: "ANY", Variadic: exactly == 0}},
			Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
				if len(args) == 0 || exactly > 0 && len(args) != exactly {
					return nil, nil, argErr(name, args)
				}
				ret, ok := commonType(args)
				if !ok {
					return nil, nil, argErr(name, args)
				}
				return ret, func(a []any) (any, error) {
					for _, v := range a {
						if v != nil {
							return types.Cast(v, ret)
						}
					}
					return nil, nil
				}, nil
			},
		})
	}
	coalesce("IFNULL", "The first argument, or the second when the first is NULL.", 2)
	coalesce("COALESCE", "The first non-NULL argument.", 0)
	r.AddScalar(&Scalar{
		Name: "NULLIF", Category: "CONDITIONAL", Description: "NULL when both arguments are equal, else the first.",
		Signatures: []Signature{sig("ANY", "ANY", "ANY")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 2 {
				return nil, nil, argErr("NULLIF", args)
			}
			return args[0], func(a []any) (any, error) {
				if a[0] != nil && a[1] != nil && types.Equal(a[0], a[1]) {
					return nil, nil
				}
				return a[0], nil
			}, nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "AS_VALUE", Category: "OTHER", Description: "Copies a key column into the value of the result.",
		Signatures: []Signature{sig("ANY", "ANY")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 1 {
				return nil, nil, argErr("AS_VALUE", args)
			}
			return args[0], func(a []any) (any, error) { return a[0], nil }, nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "ARRAY_LENGTH", Category: "ARRAY", Description: "The number of elements of an array.",
		Signatures: []Signature{sig("INTEGER", "ARRAY")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 1 || args[0].Kind != types.KindArray && args[0].Kind != types.KindNull {
				return nil, nil, argErr("ARRAY_LENGTH", args)
			}
			return types.IntegerType, nullSafe(func(a []any) (any, error) { return int32(len(a[0].([]any))), nil }), nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "ARRAY_CONTAINS", Category: "ARRAY", Description: "Whether an array contains a value.",
		Signatures: []Signature{sig("BOOLEAN", "ARRAY", "ANY")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 2 || args[0].Kind != types.KindArray && args[0].Kind != types.KindNull {
				return nil, nil, argErr("ARRAY_CONTAINS", args)
			}
			return types.BooleanType, func(a []any) (any, error) {
				arr, _ := a[0].([]any)
				for _, e := range arr {
					if types.Equal(e, a[1]) {
						return true, nil
					}
				}
				return false, nil
			}, nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "UNIX_TIMESTAMP", Category: "DATE / TIME", Description: "The current time (or a TIMESTAMP) in milliseconds since the epoch.",
		Signatures: []Signature{sig("BIGINT"), sig("BIGINT", "TIMESTAMP")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			switch len(args) {
			case 0:
				return types.BigintType, func([]any) (any, error) { return time.Now().UnixMilli(), nil }, nil
			case 1:
				return types.BigintType, nullSafe(func(a []any) (any, error) { return types.ToInt64(a[0]), nil }), nil
			}
			return nil, nil, argErr("UNIX_TIMESTAMP", args)
		},
	})
	r.AddScalar(&Scalar{
		Name: "TIMESTAMPTOSTRING", Category: "DATE / TIME",
		Description: "Formats milliseconds since the epoch with a java.text.SimpleDateFormat pattern, optionally in a time zone.",
		Signatures:  []Signature{sig("VARCHAR", "BIGINT", "VARCHAR"), sig("VARCHAR", "BIGINT", "VARCHAR", "VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) < 2 || len(args) > 3 || !isInt(args[0]) || !isStr(args[1]) {
				return nil, nil, argErr("TIMESTAMPTOSTRING", args)
			}
			return types.StringType, formatMillis, nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "FORMAT_TIMESTAMP", Category: "DATE / TIME",
		Description: "Formats a TIMESTAMP with a java.text.SimpleDateFormat pattern, optionally in a time zone.",
		Signatures:  []Signature{sig("VARCHAR", "TIMESTAMP", "VARCHAR"), sig("VARCHAR", "TIMESTAMP", "VARCHAR", "VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) < 2 || len(args) > 3 || !isStr(args[1]) {
				return nil, nil, argErr("FORMAT_TIMESTAMP", args)
			}
			return types.StringType, formatMillis, nil
		},
	})
	parse := func(name string, ret *types.Type) {
		r.AddScalar(&Scalar{
			Name: name, Category: "DATE / TIME",
			Description: "Parses a string with a java.text.SimpleDateFormat pattern, optionally in a time zone.",
			Signatures:  []Signature{sig(ret.String(), "VARCHAR", "VARCHAR"), sig(ret.String(), "VARCHAR", "VARCHAR", "VARCHAR")},
			Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
				if len(args) < 2 || len(args) > 3 || !isStr(args[0]) || !isStr(args[1]) {
					return nil, nil, argErr(name, args)
				}
				return ret, nullSafe(func(a []any) (any, error) {
					loc, err := zone(a, 2)
					if err != nil {
						return nil, err
					}
					t, err := time.ParseInLocation(JavaLayout(a[1].(string)), a[0].(string), loc)
					if err != nil {
						return nil, fmt.Errorf("failed to parse %q with pattern %q", a[0], a[1])
					}
					if ret.Kind == types.KindTimestamp {
						return types.Timestamp(t.UnixMilli()), nil
					}
					return t.UnixMilli(), nil
				}), nil
			},
		})
	}
	parse("STRINGTOTIMESTAMP", types.BigintType)
	parse("PARSE_TIMESTAMP", types.TimestampType)
	r.AddScalar(&Scalar{
		Name: "FROM_UNIXTIME", Category: "DATE / TIME", Description: "Converts milliseconds since the epoch to a TIMESTAMP.",
		Signatures: []Signature{sig("TIMESTAMP", "BIGINT")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 1 || !isInt(args[0]) {
				return nil, nil, argErr("FROM_UNIXTIME", args)
			}
			return types.TimestampType, nullSafe(func(a []any) (any, error) { return types.Timestamp(types.ToInt64(a[0])), nil }), nil
		},
	})
}

// formatMillis formats a[0], milliseconds since the epoch (BIGINT or
// TIMESTAMP), with the java.text.SimpleDateFormat pattern a[1] in the time
// zone a[2] (UTC without one).
var formatMillis = nullSafe(func(a []any) (any, error) {
	loc, err := zone(a, 2)
	if err != nil {
		return nil, err
	}
	return formatJava(time.UnixMilli(types.ToInt64(a[0])).In(loc), a[1].(string)), nil
})

func zone(a []any, i int) (*time.Location, error) {
	if len(a) <= i {
		return time.UTC, nil
	}
	return time.LoadLocation(a[i].(string))
}

// JavaLayout converts a java.text.SimpleDateFormat pattern to a Go time
// layout (the common letters: y M d H h m s S a E z Z X, and 'quoted'
// literals).
func JavaLayout(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); {
		c := p[i]
		if c == '\'' {
			j := strings.IndexByte(p[i+1:], '\'')
			if j < 0 {
				b.WriteString(p[i+1:])
				break
			}
			if j == 0 {
				b.WriteByte('\'')
			} else {
				b.WriteString(p[i+1 : i+1+j])
			}
			i += j + 2
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			b.WriteByte(c)
			i++
			continue
		}
		n := 1
		for i+n < len(p) && p[i+n] == c {
			n++
		}
		i += n
		switch c {
		case 'y', 'u':
			if n == 2 {
				b.WriteString("06")
			} else {
				b.WriteString("2006")
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				b.WriteString("January")
			case n == 3:
				b.WriteString("Jan")
			case n == 2:
				b.WriteString("01")
			default:
				b.WriteString("1")
			}
		case 'd':
			if n >= 2 {
				b.WriteString("02")
			} else {
				b.WriteString("2")
			}
		case 'H', 'k':
			b.WriteString("15")
		case 'h', 'K':
			if n >= 2 {
				b.WriteString("03")
			} else {
				b.WriteString("3")
			}
		case 'm':
			if n >= 2 {
				b.WriteString("04")
			} else {
				b.WriteString("4")
			}
		case 's':
			if n >= 2 {
				b.WriteString("05")
			} else {
				b.WriteString("5")
			}
		case 'S':
			b.WriteString(strings.Repeat("0", n))
		case 'a':
			b.WriteString("PM")
		case 'E':
			if n >= 4 {
				b.WriteString("Monday")
			} else {
				b.WriteString("Mon")
			}
		case 'z':
			b.WriteString("MST")
		case 'Z':
			b.WriteString("-0700")
		case 'X':
			switch n {
			case 1:
				b.WriteString("Z07")
			case 2:
				b.WriteString("Z0700")
			default:
				b.WriteString("Z07:00")
			}
		case 'D':
			b.WriteString("002")
		default:
			b.WriteString(strings.Repeat(string(c), n))
		}
	}
	return b.String()
}

// formatJava formats t with a SimpleDateFormat pattern. Go only formats
// fractional seconds after a '.' or ',', so SSS elsewhere is written by
// hand.
func formatJava(t time.Time, pattern string) string {
	layout := JavaLayout(pattern)
	return t.Format(layout)
}
