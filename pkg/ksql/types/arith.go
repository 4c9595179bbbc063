package types

import (
	"errors"
	"fmt"
	"math"
)

// ArithResultType returns the type of `a op b` for op one of + - * / %,
// following ksqlDB: integers stay integers (with integer division),
// DECIMALs get the precision and scale of SQL's decimal rules, anything
// with a DOUBLE is a DOUBLE, and STRING + STRING concatenates.
func ArithResultType(op byte, a, b *Type) (*Type, error) {
	// ksqlDB refuses arithmetic with an untyped NULL (1 + null), and on
	// anything but numbers (and STRING + STRING).
	if op == '+' && a.Kind == KindString && b.Kind == KindString {
		return StringType, nil
	}
	if a.Kind == KindNull || b.Kind == KindNull || !a.IsNumeric() || !b.IsNumeric() {
		return nil, fmt.Errorf("Arithmetic on types %s and %s are not supported.", arithTypeName(a), arithTypeName(b))
	}
	if a.Kind == KindDouble || b.Kind == KindDouble {
		return DoubleType, nil
	}
	if a.Kind == KindDecimal || b.Kind == KindDecimal {
		da, db := DecimalFor(a), DecimalFor(b)
		p1, s1, p2, s2 := da.Precision, da.Scale, db.Precision, db.Scale
		var p, s int
		switch op {
		case '+', '-':
			s = max(s1, s2)
			p = max(p1-s1, p2-s2) + s + 1
		case '*':
			p, s = p1+p2+1, s1+s2
		case '/':
			s = max(6, s1+p2+1)
			p = p1 - s1 + s2 + s
		case '%':
			s = max(s1, s2)
			p = min(p1-s1, p2-s2) + s
		}
		if p > 38 {
			s = max(0, s-(p-38))
			p = 38
		}
		return DecimalOf(p, s), nil
	}
	if a.Kind == KindBigint || b.Kind == KindBigint {
		return BigintType, nil
	}
	return IntegerType, nil
}

// ErrDivideByZero is returned by integer and decimal division by zero.
var ErrDivideByZero = errors.New("/ by zero")

// intArith is INT and BIGINT arithmetic with Java's semantics: overflow
// wraps, MIN / -1 is MIN, x % -1 is 0, and division by zero is an error.
func intArith[T int32 | int64](op byte, x, y, minValue T) (any, error) {
	switch op {
	case '+':
		return x + y, nil
	case '-':
		return x - y, nil
	case '*':
		return x * y, nil
	case '/':
		if y == 0 {
			return nil, ErrDivideByZero
		}
		if x == minValue && y == -1 {
			return x, nil
		}
		return x / y, nil
	case '%':
		if y == 0 {
			return nil, ErrDivideByZero
		}
		if y == -1 {
			return T(0), nil
		}
		return x % y, nil
	}
	return nil, fmt.Errorf("unknown arithmetic operator %q", op)
}

// Arith evaluates `a op b` producing a value of type result (as returned
// by ArithResultType). NULL operands give NULL.
func Arith(op byte, a, b any, result *Type) (any, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	switch result.Kind {
	case KindString:
		return Format(a) + Format(b), nil
	case KindInteger:
		return intArith(op, int32(ToInt64(a)), int32(ToInt64(b)), math.MinInt32)
	case KindBigint:
		return intArith(op, ToInt64(a), ToInt64(b), math.MinInt64)
	case KindDouble:
		x, y := ToFloat(a), ToFloat(b)
		switch op {
		case '+':
			return x + y, nil
		case '-':
			return x - y, nil
		case '*':
			return x * y, nil
		case '/':
			return x / y, nil
		case '%':
			return math.Mod(x, y), nil
		}
	case KindDecimal:
		x, y := toDecimal(a), toDecimal(b)
		var r Decimal
		var err error
		switch op {
		case '+':
			r = x.Add(y)
		case '-':
			r = x.Sub(y)
		case '*':
			r = x.Mul(y)
		case '/':
			r, err = x.Div(y, result.Scale)
		case '%':
			r, err = x.Mod(y)
		}
		if err != nil {
			return nil, err
		}
		return r.Rescale(result.Scale), nil
	}
	return nil, fmt.Errorf("unsupported arithmetic %s %c %s", KindOf(a), op, KindOf(b))
}

// Negate returns -v for a numeric value.
func Negate(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int32:
		return -x, nil
	case int64:
		return -x, nil
	case float64:
		return -x, nil
	case Decimal:
		return x.Neg(), nil
	}
	return nil, fmt.Errorf("cannot negate %s", KindOf(v))
}

// arithTypeName names a type in arithmetic errors: ksqlDB writes the type
// of an untyped NULL as "null".
func arithTypeName(t *Type) string {
	if t.Kind == KindNull {
		return "null"
	}
	return t.String()
}
