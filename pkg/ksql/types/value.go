package types

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Timestamp is a TIMESTAMP value: milliseconds since the Unix epoch (UTC).
type Timestamp int64

// Date is a DATE value: days since the Unix epoch.
type Date int32

// TimeOfDay is a TIME value: milliseconds since midnight.
type TimeOfDay int32

// Decimal is a DECIMAL value: Unscaled * 10^-Scale.
type Decimal struct {
	Unscaled *big.Int
	Scale    int
}

// Map is a MAP value. It keeps insertion order, as ksqlDB's maps do when
// they are read from JSON.
type Map struct {
	Keys   []any
	Values []any
}

// Get returns the value stored under key (nil when absent).
func (m *Map) Get(key any) any {
	if m == nil {
		return nil
	}
	for i, k := range m.Keys {
		if Equal(k, key) {
			return m.Values[i]
		}
	}
	return nil
}

// Put sets key to value, replacing an existing entry.
func (m *Map) Put(key, value any) {
	for i, k := range m.Keys {
		if Equal(k, key) {
			m.Values[i] = value
			return
		}
	}
	m.Keys = append(m.Keys, key)
	m.Values = append(m.Values, value)
}

// Struct is a STRUCT value; Values are in the order of Type.Fields.
type Struct struct {
	Type   *Type
	Values []any
}

// Get returns the value of the named field (nil when absent).
func (s *Struct) Get(name string) any {
	if s == nil {
		return nil
	}
	i := s.Type.FieldIndex(name)
	if i < 0 {
		return nil
	}
	return s.Values[i]
}

var bigTen = big.NewInt(10)

func pow10(n int) *big.Int {
	return new(big.Int).Exp(bigTen, big.NewInt(int64(n)), nil)
}

// MaxDecimalExponent bounds the power of ten of a DECIMAL that ParseDecimal
// builds: a number whose unscaled value or scale would need more digits
// than this is rejected rather than materialized (1e999999999 would take
// gigabytes).
const MaxDecimalExponent = 1 << 14

// splitDecimal parses decimal number text into its digits (sign included)
// and the power of ten they are multiplied by, without applying the
// exponent. The power is in int64 so that exponents near the int limits
// do not wrap.
func splitDecimal(text string) (*big.Int, int64, error) {
	s := strings.TrimSpace(text)
	var exp int64
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		es := s[i+1:]
		e, err := strconv.ParseInt(es, 10, 32)
		if err != nil {
			// A well-formed exponent beyond int32 (Java's limit for a
			// BigDecimal scale) is out of range, not malformed.
			if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
				return nil, 0, fmt.Errorf("invalid decimal %q", text)
			}
			return nil, 0, fmt.Errorf("decimal %q: exponent out of range", text)
		}
		exp = e
		s = s[:i]
	}
	frac := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		frac = len(s) - i - 1
		s = s[:i] + s[i+1:]
	}
	u, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, 0, fmt.Errorf("invalid decimal %q", text)
	}
	return u, exp - int64(frac), nil
}

// ParseDecimal parses a decimal literal such as "-12.340" keeping its scale.
// Numbers whose exponent would need more than MaxDecimalExponent digits
// are rejected.
func ParseDecimal(s string) (Decimal, error) {
	u, pow, err := splitDecimal(s)
	if err != nil {
		return Decimal{}, err
	}
	if pow > MaxDecimalExponent || pow < -MaxDecimalExponent {
		if u.Sign() == 0 {
			return Decimal{Unscaled: u, Scale: 0}, nil
		}
		return Decimal{}, fmt.Errorf("decimal %q: exponent out of range", s)
	}
	if pow > 0 {
		u.Mul(u, pow10(int(pow)))
		pow = 0
	}
	return Decimal{Unscaled: u, Scale: int(-pow)}, nil
}

// ParseDecimalFor parses number text as a value of DECIMAL(precision,
// scale): rounded HALF_UP to the scale, and an error when it does not fit
// the precision. Its cost is bounded by the length of the text whatever
// the exponent: a number too large for the column is rejected and one far
// below its scale rounds to zero, without being materialized.
func ParseDecimalFor(s string, precision, scale int) (Decimal, error) {
	u, pow, err := splitDecimal(s)
	if err != nil {
		return Decimal{}, err
	}
	t := DecimalOf(precision, scale)
	if u.Sign() == 0 {
		return Decimal{Unscaled: u, Scale: scale}, nil
	}
	// The value is u * 10^pow with n significant digits; at the column's
	// scale its unscaled value is u * 10^shift.
	n := int64(len(new(big.Int).Abs(u).String()))
	shift := pow + int64(scale)
	switch {
	case n+shift > int64(precision)+1:
		// At least precision+1 digits before rounding, so at least as
		// many after: it cannot fit.
		return Decimal{}, fmt.Errorf("value %s does not fit %s", strings.TrimSpace(s), t)
	case shift < -n:
		// Below half a unit of the last place: rounds to zero.
		return Decimal{Unscaled: new(big.Int), Scale: scale}, nil
	}
	var d Decimal
	if shift >= 0 {
		d = Decimal{Unscaled: u.Mul(u, pow10(int(shift))), Scale: scale}
	} else {
		d = Decimal{Unscaled: divRoundHalfUp(u, pow10(int(-shift))), Scale: scale}
	}
	if !d.FitsPrecision(precision, scale) {
		return Decimal{}, fmt.Errorf("value %s does not fit %s", strings.TrimSpace(s), t)
	}
	return d, nil
}

// DecimalFromInt returns an integer as a DECIMAL with scale 0.
func DecimalFromInt(v int64) Decimal { return Decimal{Unscaled: big.NewInt(v), Scale: 0} }

// DecimalFromFloat converts a DOUBLE to a DECIMAL with the shortest exact
// decimal representation of the double (as Java's BigDecimal.valueOf).
func DecimalFromFloat(f float64) (Decimal, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Decimal{}, errors.New("cannot convert NaN or Infinity to DECIMAL")
	}
	return ParseDecimal(strconv.FormatFloat(f, 'f', -1, 64))
}

// Rescale returns d with the given scale, rounding HALF_UP when digits are
// dropped.
func (d Decimal) Rescale(scale int) Decimal {
	if scale == d.Scale {
		return d
	}
	if scale > d.Scale {
		return Decimal{Unscaled: new(big.Int).Mul(d.Unscaled, pow10(scale-d.Scale)), Scale: scale}
	}
	return Decimal{Unscaled: divRoundHalfUp(d.Unscaled, pow10(d.Scale-scale)), Scale: scale}
}

// Truncate returns d with the given scale, dropping digits (rounding toward
// zero).
func (d Decimal) Truncate(scale int) Decimal {
	if scale >= d.Scale {
		return d.Rescale(scale)
	}
	q := new(big.Int).Quo(d.Unscaled, pow10(d.Scale-scale))
	return Decimal{Unscaled: q, Scale: scale}
}

func divRoundHalfUp(a, b *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(a, b, new(big.Int))
	r2 := new(big.Int).Abs(r)
	r2.Lsh(r2, 1)
	if r2.Cmp(new(big.Int).Abs(b)) >= 0 {
		if (a.Sign() < 0) != (b.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// Float returns the decimal as a float64.
func (d Decimal) Float() float64 {
	f, _ := strconv.ParseFloat(d.String(), 64)
	return f
}

// Sign returns -1, 0 or 1.
func (d Decimal) Sign() int { return d.Unscaled.Sign() }

// Cmp compares two decimals numerically.
func (d Decimal) Cmp(o Decimal) int {
	s := max(d.Scale, o.Scale)
	return d.Rescale(s).Unscaled.Cmp(o.Rescale(s).Unscaled)
}

// Precision returns the number of significant digits of the unscaled value.
func (d Decimal) Precision() int {
	s := new(big.Int).Abs(d.Unscaled).String()
	return len(s)
}

// String renders the decimal in plain notation keeping its scale, as
// Java's BigDecimal.toPlainString does.
func (d Decimal) String() string {
	if d.Unscaled == nil {
		return "0"
	}
	neg := d.Unscaled.Sign() < 0
	digits := new(big.Int).Abs(d.Unscaled).String()
	if d.Scale > 0 {
		if len(digits) <= d.Scale {
			digits = strings.Repeat("0", d.Scale-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-d.Scale] + "." + digits[len(digits)-d.Scale:]
	} else if d.Scale < 0 {
		digits += strings.Repeat("0", -d.Scale)
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// Add, Sub, Mul and Div implement DECIMAL arithmetic; the result has the
// scale given (Div rounds HALF_UP to it).
func (d Decimal) Add(o Decimal) Decimal {
	s := max(d.Scale, o.Scale)
	return Decimal{Unscaled: new(big.Int).Add(d.Rescale(s).Unscaled, o.Rescale(s).Unscaled), Scale: s}
}

// Sub subtracts o from d.
func (d Decimal) Sub(o Decimal) Decimal {
	s := max(d.Scale, o.Scale)
	return Decimal{Unscaled: new(big.Int).Sub(d.Rescale(s).Unscaled, o.Rescale(s).Unscaled), Scale: s}
}

// Mul multiplies two decimals exactly.
func (d Decimal) Mul(o Decimal) Decimal {
	return Decimal{Unscaled: new(big.Int).Mul(d.Unscaled, o.Unscaled), Scale: d.Scale + o.Scale}
}

// Div divides d by o giving a result of the given scale.
func (d Decimal) Div(o Decimal, scale int) (Decimal, error) {
	if o.Sign() == 0 {
		return Decimal{}, errors.New("division by zero")
	}
	// d/o = (du * 10^(scale + os - ds)) / ou
	shift := scale + o.Scale - d.Scale
	num := new(big.Int).Set(d.Unscaled)
	den := new(big.Int).Set(o.Unscaled)
	if shift >= 0 {
		num.Mul(num, pow10(shift))
	} else {
		den.Mul(den, pow10(-shift))
	}
	return Decimal{Unscaled: divRoundHalfUp(num, den), Scale: scale}, nil
}

// Mod returns d % o with the larger scale.
func (d Decimal) Mod(o Decimal) (Decimal, error) {
	if o.Sign() == 0 {
		return Decimal{}, errors.New("division by zero")
	}
	s := max(d.Scale, o.Scale)
	return Decimal{Unscaled: new(big.Int).Rem(d.Rescale(s).Unscaled, o.Rescale(s).Unscaled), Scale: s}, nil
}

// Neg negates the decimal.
func (d Decimal) Neg() Decimal {
	return Decimal{Unscaled: new(big.Int).Neg(d.Unscaled), Scale: d.Scale}
}

// FitsPrecision reports whether d fits DECIMAL(precision, scale) once
// rescaled.
func (d Decimal) FitsPrecision(precision, scale int) bool {
	r := d.Rescale(scale)
	return r.Precision() <= precision || r.Sign() == 0
}

// FormatNonFinite names NaN and the infinities as Java does (NaN,
// Infinity, -Infinity); ok is false for a finite f.
func FormatNonFinite(f float64) (s string, ok bool) {
	switch {
	case math.IsNaN(f):
		return "NaN", true
	case math.IsInf(f, 1):
		return "Infinity", true
	case math.IsInf(f, -1):
		return "-Infinity", true
	}
	return "", false
}

// FormatDouble renders a DOUBLE as Java's Double.toString does: plain
// notation with at least one fractional digit for magnitudes in
// [1e-3, 1e7), otherwise computerized scientific notation ("1.0E10").
func FormatDouble(f float64) string {
	if s, ok := FormatNonFinite(f); ok {
		return s
	}
	switch {
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.ContainsRune(s, '.') {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // like 1.2345E+08
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.ContainsRune(mant, '.') {
		mant += ".0"
	}
	if exp[0] == '+' {
		exp = exp[1:]
	}
	exp = strings.TrimLeft(exp, "0")
	if strings.HasPrefix(exp, "-") {
		exp = "-" + strings.TrimLeft(exp[1:], "0")
	}
	return mant + "E" + exp
}

// Format renders a value as text the way ksqlDB's DELIMITED format and
// string casts do.
func Format(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return FormatDouble(x)
	case Decimal:
		return x.String()
	case string:
		return x
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case Timestamp:
		return time.UnixMilli(int64(x)).UTC().Format("2006-01-02T15:04:05.000")
	case Date:
		return time.Unix(int64(x)*86400, 0).UTC().Format("2006-01-02")
	case TimeOfDay:
		return time.UnixMilli(int64(x)).UTC().Format("15:04:05")
	case []any:
		var b strings.Builder
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(formatNested(e))
		}
		b.WriteByte(']')
		return b.String()
	case *Map:
		var b strings.Builder
		b.WriteByte('{')
		for i := range x.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(formatNested(x.Keys[i]) + "=" + formatNested(x.Values[i]))
		}
		b.WriteByte('}')
		return b.String()
	case *Struct:
		var b strings.Builder
		b.WriteString("Struct{")
		n := 0
		for i, f := range x.Type.Fields {
			if x.Values[i] == nil {
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			b.WriteString(f.Name + "=" + formatNested(x.Values[i]))
		}
		b.WriteByte('}')
		return b.String()
	}
	return fmt.Sprint(v)
}

func formatNested(v any) string {
	if v == nil {
		return "null"
	}
	return Format(v)
}

// Equal reports SQL equality of two non-NULL values of comparable types;
// NULLs are equal to each other (used for grouping and map keys).
func Equal(a, b any) bool {
	c, err := Compare(a, b)
	return err == nil && c == 0
}

// Compare orders two values: numbers numerically across kinds, strings
// lexically, booleans false<true, and arrays/structs element-wise.
// NULL sorts first.
func Compare(a, b any) (int, error) {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0, nil
		case a == nil:
			return -1, nil
		default:
			return 1, nil
		}
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), nil
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0, nil
			case !x:
				return -1, nil
			default:
				return 1, nil
			}
		}
	case int32:
		switch y := b.(type) {
		case int32:
			return cmpInt(int64(x), int64(y)), nil
		case int64:
			return cmpInt(int64(x), y), nil
		}
	case int64:
		switch y := b.(type) {
		case int32:
			return cmpInt(x, int64(y)), nil
		case int64:
			return cmpInt(x, y), nil
		}
	case Timestamp:
		if y, ok := b.(Timestamp); ok {
			return cmpInt(int64(x), int64(y)), nil
		}
	case Date:
		if y, ok := b.(Date); ok {
			return cmpInt(int64(x), int64(y)), nil
		}
	case TimeOfDay:
		if y, ok := b.(TimeOfDay); ok {
			return cmpInt(int64(x), int64(y)), nil
		}
	case []byte:
		if y, ok := b.([]byte); ok {
			return bytes.Compare(x, y), nil
		}
	case []any:
		if y, ok := b.([]any); ok {
			for i := 0; i < len(x) && i < len(y); i++ {
				c, err := Compare(x[i], y[i])
				if err != nil || c != 0 {
					return c, err
				}
			}
			return cmpInt(int64(len(x)), int64(len(y))), nil
		}
	case *Struct:
		if y, ok := b.(*Struct); ok {
			for i := 0; i < len(x.Values) && i < len(y.Values); i++ {
				c, err := Compare(x.Values[i], y.Values[i])
				if err != nil || c != 0 {
					return c, err
				}
			}
			return cmpInt(int64(len(x.Values)), int64(len(y.Values))), nil
		}
	case *Map:
		if y, ok := b.(*Map); ok {
			if len(x.Keys) != len(y.Keys) {
				return cmpInt(int64(len(x.Keys)), int64(len(y.Keys))), nil
			}
			for i, k := range x.Keys {
				c, err := Compare(x.Values[i], y.Get(k))
				if err != nil || c != 0 {
					return c, err
				}
			}
			return 0, nil
		}
	}
	// Mixed numeric kinds.
	if isNum(a) && isNum(b) {
		_, aDec := a.(Decimal)
		_, bDec := b.(Decimal)
		_, aDbl := a.(float64)
		_, bDbl := b.(float64)
		if (aDec || bDec) && !aDbl && !bDbl {
			return toDecimal(a).Cmp(toDecimal(b)), nil
		}
		fa, fb := ToFloat(a), ToFloat(b)
		switch {
		case fa < fb:
			return -1, nil
		case fa > fb:
			return 1, nil
		case fa == fb:
			return 0, nil
		}
		// NaN: Java's Double.compare puts NaN above everything.
		switch {
		case math.IsNaN(fa) && math.IsNaN(fb):
			return 0, nil
		case math.IsNaN(fa):
			return 1, nil
		default:
			return -1, nil
		}
	}
	return 0, fmt.Errorf("cannot compare %s with %s", KindOf(a), KindOf(b))
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isNum(v any) bool {
	switch v.(type) {
	case int32, int64, float64, Decimal:
		return true
	}
	return false
}

func toDecimal(v any) Decimal {
	switch x := v.(type) {
	case int32:
		return DecimalFromInt(int64(x))
	case int64:
		return DecimalFromInt(x)
	case Decimal:
		return x
	case float64:
		d, _ := DecimalFromFloat(x)
		return d
	}
	return DecimalFromInt(0)
}

// ToFloat converts a numeric value to float64 (0 for non-numbers).
func ToFloat(v any) float64 {
	switch x := v.(type) {
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case float64:
		return x
	case Decimal:
		return x.Float()
	}
	return 0
}

// ToInt64 converts a numeric value to int64, truncating fractions.
func ToInt64(v any) int64 {
	switch x := v.(type) {
	case int32:
		return int64(x)
	case int64:
		return x
	case float64:
		return int64(x)
	case Decimal:
		return x.Truncate(0).Unscaled.Int64()
	case Timestamp:
		return int64(x)
	}
	return 0
}

// KindOf returns the kind of a run-time value.
func KindOf(v any) Kind {
	switch v.(type) {
	case nil:
		return KindNull
	case bool:
		return KindBoolean
	case int32:
		return KindInteger
	case int64:
		return KindBigint
	case float64:
		return KindDouble
	case Decimal:
		return KindDecimal
	case string:
		return KindString
	case []byte:
		return KindBytes
	case Timestamp:
		return KindTimestamp
	case Date:
		return KindDate
	case TimeOfDay:
		return KindTime
	case []any:
		return KindArray
	case *Map:
		return KindMap
	case *Struct:
		return KindStruct
	}
	return KindUnknown
}

// AppendKey appends a canonical, type-tagged encoding of v to dst; two
// values get the same encoding exactly when they are equal groups. It is
// used to key hash maps for GROUP BY, joins and table state.
func AppendKey(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, 'n')
	case bool:
		if x {
			return append(dst, 't')
		}
		return append(dst, 'f')
	case int32:
		dst = append(dst, 'i')
		return strconv.AppendInt(dst, int64(x), 10)
	case int64:
		dst = append(dst, 'l')
		return strconv.AppendInt(dst, x, 10)
	case float64:
		dst = append(dst, 'd')
		return strconv.AppendFloat(dst, x, 'g', -1, 64)
	case Decimal:
		dst = append(dst, 'm')
		return append(dst, x.String()...)
	case string:
		dst = append(dst, 's')
		dst = strconv.AppendInt(dst, int64(len(x)), 10)
		dst = append(dst, ':')
		return append(dst, x...)
	case []byte:
		dst = append(dst, 'b')
		dst = strconv.AppendInt(dst, int64(len(x)), 10)
		dst = append(dst, ':')
		return append(dst, x...)
	case Timestamp:
		dst = append(dst, 'T')
		return strconv.AppendInt(dst, int64(x), 10)
	case Date:
		dst = append(dst, 'D')
		return strconv.AppendInt(dst, int64(x), 10)
	case TimeOfDay:
		dst = append(dst, 'O')
		return strconv.AppendInt(dst, int64(x), 10)
	case []any:
		dst = append(dst, '[')
		for _, e := range x {
			dst = AppendKey(dst, e)
			dst = append(dst, ',')
		}
		return append(dst, ']')
	case *Map:
		dst = append(dst, '{')
		for i := range x.Keys {
			dst = AppendKey(dst, x.Keys[i])
			dst = append(dst, '=')
			dst = AppendKey(dst, x.Values[i])
			dst = append(dst, ',')
		}
		return append(dst, '}')
	case *Struct:
		dst = append(dst, '<')
		for _, e := range x.Values {
			dst = AppendKey(dst, e)
			dst = append(dst, ',')
		}
		return append(dst, '>')
	}
	return append(dst, fmt.Sprint(v)...)
}
