package functions

import (
	"math"
	"math/big"
	"math/rand/v2"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

func isNum(t *types.Type) bool { return t.IsNumeric() || t.Kind == types.KindNull }

// unaryDouble registers f(number) -> DOUBLE.
func unaryDouble(r *Registry, name, desc string, f func(float64) float64) {
	r.AddScalar(&Scalar{
		Name: name, Category: "MATHEMATICAL", Description: desc,
		Signatures: []Signature{sig("DOUBLE", "INTEGER"), sig("DOUBLE", "BIGINT"), sig("DOUBLE", "DOUBLE")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 1 || !isNum(args[0]) {
				return nil, nil, argErr(name, args)
			}
			return types.DoubleType, nullSafe(func(a []any) (any, error) { return f(types.ToFloat(a[0])), nil }), nil
		},
	})
}

// binaryDouble registers a DOUBLE function of two numbers.
func binaryDouble(r *Registry, name, desc string, f func(x, y float64) float64) {
	r.AddScalar(&Scalar{
		Name: name, Category: "MATHEMATICAL", Description: desc,
		Signatures: []Signature{sig("DOUBLE", "DOUBLE", "DOUBLE")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 2 || !isNum(args[0]) || !isNum(args[1]) {
				return nil, nil, argErr(name, args)
			}
			return types.DoubleType, nullSafe(func(a []any) (any, error) {
				return f(types.ToFloat(a[0]), types.ToFloat(a[1])), nil
			}), nil
		},
	})
}

// nullaryDouble registers a DOUBLE function without arguments.
func nullaryDouble(r *Registry, name, desc string, f func() float64) {
	r.AddScalar(&Scalar{
		Name: name, Category: "MATHEMATICAL", Description: desc,
		Signatures: []Signature{sig("DOUBLE")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 0 {
				return nil, nil, argErr(name, args)
			}
			return types.DoubleType, func([]any) (any, error) { return f(), nil }, nil
		},
	})
}

func registerMath(r *Registry) {
	unaryDouble(r, "EXP", "The exponential of a value.", math.Exp)
	unaryDouble(r, "LN", "The natural logarithm of a value.", math.Log)
	unaryDouble(r, "SQRT", "The square root of a value.", math.Sqrt)
	unaryDouble(r, "CBRT", "The cube root of a value.", math.Cbrt)
	unaryDouble(r, "ACOS", "The inverse cosine of a value.", math.Acos)
	unaryDouble(r, "ASIN", "The inverse sine of a value.", math.Asin)
	unaryDouble(r, "ATAN", "The inverse tangent of a value.", math.Atan)
	unaryDouble(r, "COS", "The cosine of a value in radians.", math.Cos)
	unaryDouble(r, "SIN", "The sine of a value in radians.", math.Sin)
	unaryDouble(r, "TAN", "The tangent of a value in radians.", math.Tan)
	unaryDouble(r, "COT", "The cotangent of a value in radians.", func(x float64) float64 { return 1 / math.Tan(x) })
	unaryDouble(r, "COSH", "The hyperbolic cosine of a value.", math.Cosh)
	unaryDouble(r, "SINH", "The hyperbolic sine of a value.", math.Sinh)
	unaryDouble(r, "TANH", "The hyperbolic tangent of a value.", math.Tanh)
	unaryDouble(r, "DEGREES", "Converts radians to degrees.", func(x float64) float64 { return x * 180 / math.Pi })
	unaryDouble(r, "RADIANS", "Converts degrees to radians.", func(x float64) float64 { return x / 180 * math.Pi })

	binaryDouble(r, "ATAN2", "The inverse tangent of y/x.", math.Atan2)
	nullaryDouble(r, "PI", "The value of pi.", func() float64 { return math.Pi })
	nullaryDouble(r, "RANDOM", "A random DOUBLE between 0.0 and 1.0.", rand.Float64)
	binaryDouble(r, "POWER", "The base raised to the power of the exponent.", math.Pow)
	r.AddScalar(&Scalar{
		Name: "LOG", Category: "MATHEMATICAL",
		Description: "LOG(value) is the natural logarithm; LOG(base, value) the logarithm to a base.",
		Signatures:  []Signature{sig("DOUBLE", "DOUBLE"), sig("DOUBLE", "DOUBLE", "DOUBLE")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			switch {
			case len(args) == 1 && isNum(args[0]):
				return types.DoubleType, nullSafe(func(a []any) (any, error) { return math.Log(types.ToFloat(a[0])), nil }), nil
			case len(args) == 2 && isNum(args[0]) && isNum(args[1]):
				return types.DoubleType, nullSafe(func(a []any) (any, error) {
					base, v := types.ToFloat(a[0]), types.ToFloat(a[1])
					if base <= 0 || base == 1 || v < 0 {
						return math.NaN(), nil
					}
					if v == 0 {
						return math.Inf(-1), nil
					}
					return math.Log(v) / math.Log(base), nil
				}), nil
			}
			return nil, nil, argErr("LOG", args)
		},
	})
	r.AddScalar(&Scalar{
		Name: "SIGN", Category: "MATHEMATICAL", Description: "The sign of a value: -1, 0 or 1.",
		Signatures: []Signature{sig("INTEGER", "DOUBLE")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 1 || !isNum(args[0]) {
				return nil, nil, argErr("SIGN", args)
			}
			return types.IntegerType, nullSafe(func(a []any) (any, error) {
				switch x := a[0].(type) {
				case types.Decimal:
					return int32(x.Sign()), nil
				}
				f := types.ToFloat(a[0])
				switch {
				case f > 0:
					return int32(1), nil
				case f < 0:
					return int32(-1), nil
				}
				return int32(0), nil
			}), nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "ABS", Category: "MATHEMATICAL", Description: "The absolute value of a value.",
		Signatures: []Signature{sig("INTEGER", "INTEGER"), sig("BIGINT", "BIGINT"), sig("DOUBLE", "DOUBLE"), sig("DECIMAL", "DECIMAL")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 1 || !isNum(args[0]) {
				return nil, nil, argErr("ABS", args)
			}
			return args[0], nullSafe(func(a []any) (any, error) {
				switch x := a[0].(type) {
				case int32:
					if x < 0 {
						return -x, nil
					}
					return x, nil
				case int64:
					if x < 0 {
						return -x, nil
					}
					return x, nil
				case float64:
					return math.Abs(x), nil
				case types.Decimal:
					return types.Decimal{Unscaled: new(big.Int).Abs(x.Unscaled), Scale: x.Scale}, nil
				}
				return nil, nil
			}), nil
		},
	})
	ceilFloor := func(name, desc string, f func(float64) float64, mode func(types.Decimal) types.Decimal) {
		r.AddScalar(&Scalar{
			Name: name, Category: "MATHEMATICAL", Description: desc,
			Signatures: []Signature{sig("INTEGER", "INTEGER"), sig("BIGINT", "BIGINT"), sig("DOUBLE", "DOUBLE"), sig("DECIMAL", "DECIMAL")},
			Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
				if len(args) != 1 || !isNum(args[0]) {
					return nil, nil, argErr(name, args)
				}
				ret := args[0]
				if ret.Kind == types.KindDecimal {
					ret = types.DecimalOf(max(1, ret.Precision-ret.Scale+1), 0)
				}
				return ret, nullSafe(func(a []any) (any, error) {
					switch x := a[0].(type) {
					case float64:
						return f(x), nil
					case types.Decimal:
						return mode(x), nil
					}
					return a[0], nil
				}), nil
			},
		})
	}
	ceilFloor("CEIL", "The smallest integer value not less than a value.", math.Ceil, func(d types.Decimal) types.Decimal {
		t := d.Truncate(0)
		if d.Sign() > 0 && t.Cmp(d) != 0 {
			t = t.Add(types.DecimalFromInt(1))
		}
		return t
	})
	ceilFloor("FLOOR", "The largest integer value not greater than a value.", math.Floor, func(d types.Decimal) types.Decimal {
		t := d.Truncate(0)
		if d.Sign() < 0 && t.Cmp(d) != 0 {
			t = t.Sub(types.DecimalFromInt(1))
		}
		return t
	})
	roundLike(r, "ROUND", "Rounds a value to the given number of decimal places (default 0), half up; halves of negative values round toward positive infinity.", false)
	roundLike(r, "TRUNC", "Truncates a value to the given number of decimal places (default 0).", true)

	greatestLeast := func(name string, want int) {
		r.AddScalar(&Scalar{
			Name: name, Category: "MATHEMATICAL", Description: "The " + map[int]string{1: "greatest", -1: "least"}[want] + " of the arguments, ignoring NULLs.",
			Signatures: []Signature{{Args: []string{"ANY"}, Returns: "ANY", Variadic: true}},
			Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
				if len(args) == 0 {
					return nil, nil, argErr(name, args)
				}
				ret := args[0]
				for _, a := range args[1:] {
					switch {
					case ret.IsNumeric() && a.IsNumeric():
						ret = types.WiderNumeric(ret, a)
					case ret.Kind == types.KindNull:
						ret = a
					case a.Kind == types.KindNull || a.Kind == ret.Kind:
					default:
						return nil, nil, argErr(name, args)
					}
				}
				return ret, func(a []any) (any, error) {
					var best any
					for _, v := range a {
						if v == nil {
							continue
						}
						if f, ok := v.(float64); ok && math.IsNaN(f) {
							continue
						}
						if best == nil {
							best = v
							continue
						}
						c, err := types.Compare(v, best)
						if err != nil {
							return nil, err
						}
						if c*want > 0 {
							best = v
						}
					}
					if best == nil {
						return nil, nil
					}
					return types.Cast(best, ret)
				}, nil
			},
		})
	}
	greatestLeast("GREATEST", 1)
	greatestLeast("LEAST", -1)
}

// roundDecimal rounds HALF_UP for non-negative values and HALF_DOWN for
// negative ones (matching Java's Math.round), or toward zero when truncate.
//
// places may be anything (ROUND(x, -2147483648)): below the value's
// integer digits the result is zero whatever places is, so places is
// clamped there, and the cost stays bounded by the value's digits.
func roundDecimal(d types.Decimal, places int, truncate bool) types.Decimal {
	if places >= d.Scale {
		return d
	}
	// |d| < 10^intDigits, so rounding to 10^(intDigits+1) or above gives 0.
	intDigits := max(d.Precision()-d.Scale, 0)
	places = max(places, -intDigits-1)
	if truncate {
		return d.Truncate(places)
	}
	if d.Sign() >= 0 {
		return d.Rescale(places)
	}
	// HALF_DOWN for negatives: -1.5 -> -1.
	neg := d.Neg()
	shift := d.Scale - places
	div := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(shift)), nil)
	q, rem := new(big.Int).QuoRem(neg.Unscaled, div, new(big.Int))
	rem.Lsh(rem, 1)
	if rem.Cmp(div) > 0 {
		q.Add(q, big.NewInt(1))
	}
	return types.Decimal{Unscaled: q, Scale: places}.Neg()
}

func roundLike(r *Registry, name, desc string, truncate bool) {
	r.AddScalar(&Scalar{
		Name: name, Category: "MATHEMATICAL", Description: desc,
		Signatures: []Signature{sig("INTEGER", "INTEGER"), sig("BIGINT", "BIGINT"), sig("BIGINT", "DOUBLE"), sig("DOUBLE", "DOUBLE", "INTEGER"), sig("DECIMAL", "DECIMAL"), sig("DECIMAL", "DECIMAL", "INTEGER")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) < 1 || len(args) > 2 || !isNum(args[0]) {
				return nil, nil, argErr(name, args)
			}
			if len(args) == 2 && args[1].Kind != types.KindInteger && args[1].Kind != types.KindBigint {
				return nil, nil, argErr(name, args)
			}
			t := args[0]
			switch t.Kind {
			case types.KindInteger, types.KindBigint:
				return t, nullSafe(func(a []any) (any, error) {
					if len(a) == 1 {
						return a[0], nil
					}
					places := types.ToInt64(a[1])
					if places >= 0 {
						return a[0], nil
					}
					// |a[0]| < 10^19: rounding to 10^20 or above is 0 (and
					// 10^-places would overflow to +Inf, giving NaN).
					places = max(places, -20)
					f := types.ToFloat(a[0])
					p := math.Pow(10, float64(-places))
					if truncate {
						f = math.Trunc(f/p) * p
					} else {
						f = math.Floor(f/p+0.5) * p
					}
					if t.Kind == types.KindInteger {
						return int32(f), nil
					}
					return int64(f), nil
				}), nil
			case types.KindDouble, types.KindNull:
				if len(args) == 1 {
					return types.BigintType, nullSafe(func(a []any) (any, error) {
						f := a[0].(float64)
						if truncate {
							return int64(math.Trunc(f)), nil
						}
						return int64(math.Floor(f + 0.5)), nil
					}), nil
				}
				return types.DoubleType, nullSafe(func(a []any) (any, error) {
					f := a[0].(float64)
					if math.IsNaN(f) || math.IsInf(f, 0) {
						return f, nil
					}
					d, err := types.DecimalFromFloat(f)
					if err != nil {
						return nil, err
					}
					places := int(types.ToInt64(a[1]))
					d = roundDecimal(d, places, truncate)
					if places < 0 {
						d = d.Rescale(0)
					}
					return d.Float(), nil
				}), nil
			case types.KindDecimal:
				if len(args) == 1 {
					ret := types.DecimalOf(max(1, t.Precision-t.Scale+1), 0)
					return ret, nullSafe(func(a []any) (any, error) {
						return roundDecimal(a[0].(types.Decimal), 0, truncate).Rescale(0), nil
					}), nil
				}
				ret := types.DecimalOf(min(38, t.Precision+1), t.Scale)
				return ret, nullSafe(func(a []any) (any, error) {
					d := a[0].(types.Decimal)
					return roundDecimal(d, int(types.ToInt64(a[1])), truncate).Rescale(d.Scale), nil
				}), nil
			}
			return nil, nil, argErr(name, args)
		},
	})
}
