package types

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Cast converts v to type t following ksqlDB's CAST rules. NULL casts to
// NULL. It fails when the value cannot be represented (for example a
// string that is not a number, or a DECIMAL that overflows its precision).
func Cast(v any, t *Type) (any, error) {
	if v == nil || t == nil {
		return nil, nil
	}
	switch t.Kind {
	case KindString:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return Format(v), nil
	case KindBoolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
			return nil, fmt.Errorf("cannot cast %q to BOOLEAN", x)
		}
	case KindInteger:
		switch x := v.(type) {
		case int32:
			return x, nil
		case int64:
			return int32(x), nil
		case float64:
			return int32(javaD2L(x)), nil
		case Decimal:
			return int32(x.Truncate(0).Unscaled.Int64()), nil
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 32)
			if err != nil {
				return nil, fmt.Errorf("cannot cast %q to INTEGER", x)
			}
			return int32(n), nil
		case bool:
			return nil, errors.New("cannot cast BOOLEAN to INTEGER")
		}
	case KindBigint:
		switch x := v.(type) {
		case int32:
			return int64(x), nil
		case int64:
			return x, nil
		case float64:
			return javaD2L(x), nil
		case Decimal:
			return x.Truncate(0).Unscaled.Int64(), nil
		case Timestamp:
			return int64(x), nil
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("cannot cast %q to BIGINT", x)
			}
			return n, nil
		}
	case KindDouble:
		switch x := v.(type) {
		case int32:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case float64:
			return x, nil
		case Decimal:
			return x.Float(), nil
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil {
				return nil, fmt.Errorf("cannot cast %q to DOUBLE", x)
			}
			return f, nil
		}
	case KindDecimal:
		var d Decimal
		var err error
		switch x := v.(type) {
		case int32:
			d = DecimalFromInt(int64(x))
		case int64:
			d = DecimalFromInt(x)
		case float64:
			d, err = DecimalFromFloat(x)
		case Decimal:
			d = x
		case string:
			return ParseDecimalFor(x, t.Precision, t.Scale)
		default:
			return nil, fmt.Errorf("cannot cast %s to %s", KindOf(v), t)
		}
		if err != nil {
			return nil, err
		}
		d = d.Rescale(t.Scale)
		if !d.FitsPrecision(t.Precision, t.Scale) {
			return nil, fmt.Errorf("value %s does not fit %s", d, t)
		}
		return d, nil
	case KindBytes:
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			b, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				return nil, fmt.Errorf("cannot cast %q to BYTES", x)
			}
			return b, nil
		}
	case KindTimestamp:
		switch x := v.(type) {
		case Timestamp:
			return x, nil
		case int64:
			return Timestamp(x), nil
		case int32:
			return Timestamp(x), nil
		case Date:
			return Timestamp(int64(x) * 86400000), nil
		case string:
			return ParseTimestamp(x)
		}
	case KindDate:
		switch x := v.(type) {
		case Date:
			return x, nil
		case Timestamp:
			return Date(floorDiv(int64(x), 86400000)), nil
		case string:
			tm, err := time.Parse("2006-01-02", strings.TrimSpace(x))
			if err != nil {
				return nil, fmt.Errorf("cannot cast %q to DATE", x)
			}
			return Date(tm.Unix() / 86400), nil
		}
	case KindTime:
		switch x := v.(type) {
		case TimeOfDay:
			return x, nil
		case Timestamp:
			ms := int64(x) % 86400000
			if ms < 0 {
				ms += 86400000
			}
			return TimeOfDay(ms), nil
		case string:
			for _, layout := range []string{"15:04:05.000", "15:04:05", "15:04"} {
				if tm, err := time.Parse(layout, strings.TrimSpace(x)); err == nil {
					return TimeOfDay(tm.Hour()*3600000 + tm.Minute()*60000 + tm.Second()*1000 + tm.Nanosecond()/1e6), nil
				}
			}
			return nil, fmt.Errorf("cannot cast %q to TIME", x)
		}
	case KindArray:
		if x, ok := v.([]any); ok {
			out := make([]any, len(x))
			for i, e := range x {
				c, err := Cast(e, t.Elem)
				if err != nil {
					return nil, err
				}
				out[i] = c
			}
			return out, nil
		}
	case KindMap:
		if x, ok := v.(*Map); ok {
			out := &Map{Keys: make([]any, len(x.Keys)), Values: make([]any, len(x.Values))}
			for i := range x.Keys {
				k, err := Cast(x.Keys[i], t.Key)
				if err != nil {
					return nil, err
				}
				val, err := Cast(x.Values[i], t.Elem)
				if err != nil {
					return nil, err
				}
				out.Keys[i], out.Values[i] = k, val
			}
			return out, nil
		}
	case KindStruct:
		if x, ok := v.(*Struct); ok {
			out := &Struct{Type: t, Values: make([]any, len(t.Fields))}
			for i, f := range t.Fields {
				c, err := Cast(x.Get(f.Name), f.Type)
				if err != nil {
					return nil, err
				}
				out.Values[i] = c
			}
			return out, nil
		}
	case KindNull:
		return nil, nil
	}
	return nil, fmt.Errorf("cannot cast %s to %s", KindOf(v), t)
}

// javaD2L converts like Java's (long) cast: NaN to 0, saturating at the
// int64 limits.
func javaD2L(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// ParseTimestamp parses an ISO-8601 timestamp as ksqlDB accepts in string
// to TIMESTAMP casts ("2021-01-02T03:04:05.678", optionally with a zone).
func ParseTimestamp(s string) (Timestamp, error) {
	s = strings.TrimSpace(s)
	layouts := []string{
		"2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02", "2006-01-02 15:04:05.999999999",
	}
	for _, l := range layouts {
		if tm, err := time.Parse(l, s); err == nil {
			return Timestamp(tm.UnixMilli()), nil
		}
	}
	return 0, fmt.Errorf("cannot parse %q as TIMESTAMP", s)
}

// CanImplicitlyCast reports whether a value of type from may be used where
// type to is expected without an explicit CAST (numeric widening, NULL).
func CanImplicitlyCast(from, to *Type) bool {
	if from.Kind == KindNull || from.Equal(to) {
		return true
	}
	if from.IsNumeric() && to.IsNumeric() {
		return numericRank(from.Kind) <= numericRank(to.Kind)
	}
	switch to.Kind {
	case KindArray:
		return from.Kind == KindArray && CanImplicitlyCast(from.Elem, to.Elem)
	case KindMap:
		return from.Kind == KindMap && CanImplicitlyCast(from.Key, to.Key) && CanImplicitlyCast(from.Elem, to.Elem)
	}
	return false
}
