package functions

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/format"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// maxGenerated bounds the arrays GENERATE_SERIES builds, so that a query
// cannot ask for more memory than the machine has.
const maxGenerated = 1 << 20

func isArr(t *types.Type) bool { return t.Kind == types.KindArray || t.Kind == types.KindNull }
func isMap(t *types.Type) bool { return t.Kind == types.KindMap || t.Kind == types.KindNull }

// elemOf is the element type of an array type (STRING for NULL).
func elemOf(t *types.Type) *types.Type {
	if t.Kind == types.KindArray && t.Elem != nil {
		return t.Elem
	}
	return types.StringType
}

// arrayPair resolves a function of two arrays of the same element type.
func arrayPair(r *Registry, name, desc string, f func(a, b []any) []any, nullIfEither bool) {
	r.AddScalar(&Scalar{
		Name: name, Category: "ARRAY", Description: desc, Signatures: []Signature{sig("ARRAY", "ARRAY", "ARRAY")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 2 || !isArr(args[0]) || !isArr(args[1]) {
				return nil, nil, argErr(name, args)
			}
			ret := args[0]
			if ret.Kind == types.KindNull {
				ret = args[1]
			}
			if ret.Kind == types.KindNull {
				ret = types.ArrayOf(types.StringType)
			}
			if args[0].Kind == types.KindArray && args[1].Kind == types.KindArray && !args[0].Elem.Equal(args[1].Elem) {
				return nil, nil, argErr(name, args)
			}
			return ret, func(a []any) (any, error) {
				x, _ := a[0].([]any)
				y, _ := a[1].([]any)
				if nullIfEither && (a[0] == nil || a[1] == nil) || a[0] == nil && a[1] == nil {
					return nil, nil
				}
				return f(x, y), nil
			}, nil
		},
	})
}

func contains(list []any, v any) bool {
	for _, e := range list {
		if e == nil && v == nil || e != nil && v != nil && types.Equal(e, v) {
			return true
		}
	}
	return false
}

func distinct(list []any) []any {
	out := make([]any, 0, len(list))
	for _, e := range list {
		if !contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// compareNullsLast orders values with NULLs after every other value.
func compareNullsLast(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	c, err := types.Compare(a, b)
	if err != nil {
		return 0
	}
	return c
}

func registerCollections(r *Registry) {
	arrayPair(r, "ARRAY_CONCAT", "Concatenates two arrays; a NULL array counts as empty, two NULL arrays give NULL.",
		func(a, b []any) []any { return append(append(make([]any, 0, len(a)+len(b)), a...), b...) }, false)
	arrayPair(r, "ARRAY_EXCEPT", "The distinct elements of the first array that are not in the second.",
		func(a, b []any) []any {
			out := []any{}
			for _, e := range distinct(a) {
				if !contains(b, e) {
					out = append(out, e)
				}
			}
			return out
		}, true)
	arrayPair(r, "ARRAY_INTERSECT", "The distinct elements that are in both arrays.",
		func(a, b []any) []any {
			out := []any{}
			for _, e := range distinct(a) {
				if contains(b, e) {
					out = append(out, e)
				}
			}
			return out
		}, true)
	arrayPair(r, "ARRAY_UNION", "The distinct elements that are in either array.",
		func(a, b []any) []any { return distinct(append(append([]any{}, a...), b...)) }, true)

	oneArray := func(name, desc string, ret func(*types.Type) *types.Type, f func(a []any) any) {
		r.AddScalar(&Scalar{
			Name: name, Category: "ARRAY", Description: desc, Signatures: []Signature{sig("ANY", "ARRAY")},
			Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
				if len(args) != 1 || !isArr(args[0]) {
					return nil, nil, argErr(name, args)
				}
				return ret(args[0]), nullSafe(func(a []any) (any, error) { return f(a[0].([]any)), nil }), nil
			},
		})
	}
	sameType := func(t *types.Type) *types.Type {
		if t.Kind == types.KindNull {
			return types.ArrayOf(types.StringType)
		}
		return t
	}
	oneArray("ARRAY_DISTINCT", "The distinct elements of an array, in the order they first appear.", sameType,
		func(a []any) any { return distinct(a) })
	extreme := func(name, desc string, sign int) {
		oneArray(name, desc, elemOf, func(a []any) any {
			var best any
			for _, e := range a {
				if e == nil {
					continue
				}
				if best == nil {
					best = e
					continue
				}
				if c, err := types.Compare(e, best); err == nil && c*sign > 0 {
					best = e
				}
			}
			return best
		})
	}
	extreme("ARRAY_MAX", "The largest non-NULL element of an array.", 1)
	extreme("ARRAY_MIN", "The smallest non-NULL element of an array.", -1)

	r.AddScalar(&Scalar{
		Name: "ARRAY_SORT", Category: "ARRAY", Description: "Sorts an array ascending (or 'DESC'ending); NULLs go last.",
		Signatures: []Signature{sig("ARRAY", "ARRAY"), sig("ARRAY", "ARRAY", "VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) < 1 || len(args) > 2 || !isArr(args[0]) || len(args) == 2 && !isStr(args[1]) {
				return nil, nil, argErr("ARRAY_SORT", args)
			}
			return sameType(args[0]), func(a []any) (any, error) {
				arr, _ := a[0].([]any)
				if arr == nil {
					return nil, nil
				}
				desc := false
				if len(a) == 2 {
					dir, _ := a[1].(string)
					switch strings.ToUpper(dir) {
					case "ASC":
					case "DESC":
						desc = true
					default:
						return nil, nil
					}
				}
				out := append([]any{}, arr...)
				sort.SliceStable(out, func(i, j int) bool {
					if out[i] == nil || out[j] == nil {
						return out[j] == nil && out[i] != nil
					}
					c := compareNullsLast(out[i], out[j])
					if desc {
						return c > 0
					}
					return c < 0
				})
				return out, nil
			}, nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "ARRAY_REMOVE", Category: "ARRAY", Description: "Removes every element equal to a value from an array.",
		Signatures: []Signature{sig("ARRAY", "ARRAY", "ANY")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 2 || !isArr(args[0]) {
				return nil, nil, argErr("ARRAY_REMOVE", args)
			}
			return sameType(args[0]), func(a []any) (any, error) {
				arr, _ := a[0].([]any)
				if arr == nil {
					return nil, nil
				}
				out := []any{}
				for _, e := range arr {
					if !contains([]any{a[1]}, e) {
						out = append(out, e)
					}
				}
				return out, nil
			}, nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "ARRAY_JOIN", Category: "ARRAY", Description: "Joins the elements of an array of primitives into a string, with ',' or the given delimiter.",
		Signatures: []Signature{sig("VARCHAR", "ARRAY"), sig("VARCHAR", "ARRAY", "VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) < 1 || len(args) > 2 || !isArr(args[0]) || len(args) == 2 && !isStr(args[1]) ||
				args[0].Kind == types.KindArray && !args[0].Elem.IsPrimitive() {
				return nil, nil, argErr("ARRAY_JOIN", args)
			}
			return types.StringType, func(a []any) (any, error) {
				arr, _ := a[0].([]any)
				if arr == nil {
					return nil, nil
				}
				sep := ","
				if len(a) == 2 {
					sep, _ = a[1].(string)
				}
				parts := make([]string, len(arr))
				for i, e := range arr {
					if e == nil {
						parts[i] = "null"
					} else {
						parts[i] = types.Format(e)
					}
				}
				return strings.Join(parts, sep), nil
			}, nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "SLICE", Category: "ARRAY", Description: "The elements of an array from one position to another (1-based, inclusive).",
		Signatures: []Signature{sig("ARRAY", "ARRAY", "INTEGER", "INTEGER")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 3 || !isArr(args[0]) || !isInt(args[1]) || !isInt(args[2]) {
				return nil, nil, argErr("SLICE", args)
			}
			return sameType(args[0]), nullSafe(func(a []any) (any, error) {
				arr := a[0].([]any)
				from, to := types.ToInt64(a[1]), types.ToInt64(a[2])
				from = max(from, 1)
				to = min(to, int64(len(arr)))
				if from > to {
					return []any{}, nil
				}
				return append([]any{}, arr[from-1:to]...), nil
			}), nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "GENERATE_SERIES", Category: "ARRAY", Description: "The integers from start to end (inclusive), by step (default 1).",
		Signatures: []Signature{sig("ARRAY<INTEGER>", "INTEGER", "INTEGER"), sig("ARRAY<INTEGER>", "INTEGER", "INTEGER", "INTEGER"),
			sig("ARRAY<BIGINT>", "BIGINT", "BIGINT"), sig("ARRAY<BIGINT>", "BIGINT", "BIGINT", "INTEGER")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) < 2 || len(args) > 3 || !isInt(args[0]) || !isInt(args[1]) || len(args) == 3 && !isInt(args[2]) {
				return nil, nil, argErr("GENERATE_SERIES", args)
			}
			big := args[0].Kind == types.KindBigint || args[1].Kind == types.KindBigint
			ret := types.ArrayOf(types.IntegerType)
			if big {
				ret = types.ArrayOf(types.BigintType)
			}
			return ret, nullSafe(func(a []any) (any, error) {
				start, end, step := types.ToInt64(a[0]), types.ToInt64(a[1]), int64(1)
				if start > end {
					step = -1
				}
				if len(a) == 3 {
					step = types.ToInt64(a[2])
				}
				if step == 0 {
					return nil, fmt.Errorf("GENERATE_SERIES step cannot be zero")
				}
				if (end-start) != 0 && (end-start > 0) != (step > 0) {
					return nil, fmt.Errorf("GENERATE_SERIES step has wrong sign")
				}
				n := (end-start)/step + 1
				if n > maxGenerated || n < 0 {
					return nil, fmt.Errorf("GENERATE_SERIES would return %d elements, more than the %d allowed", n, maxGenerated)
				}
				out := make([]any, 0, n)
				for i := int64(0); i < n; i++ {
					v := start + i*step
					if big {
						out = append(out, v)
					} else {
						out = append(out, int32(v))
					}
				}
				return out, nil
			}), nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "ELT", Category: "STRING", Description: "The n-th of the following strings (1-based); NULL when out of range.",
		Signatures: []Signature{{Args: []string{"INTEGER", "VARCHAR"}, Returns: "VARCHAR", Variadic: true}},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) < 1 || !isInt(args[0]) {
				return nil, nil, argErr("ELT", args)
			}
			for _, t := range args[1:] {
				if !isStr(t) {
					return nil, nil, argErr("ELT", args)
				}
			}
			return types.StringType, func(a []any) (any, error) {
				if a[0] == nil {
					return nil, nil
				}
				n := types.ToInt64(a[0])
				if n < 1 || n >= int64(len(a)) {
					return nil, nil
				}
				return a[n], nil
			}, nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "FIELD", Category: "STRING", Description: "The 1-based position of a string among the following ones; 0 when absent or NULL.",
		Signatures: []Signature{{Args: []string{"VARCHAR", "VARCHAR"}, Returns: "INTEGER", Variadic: true}},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) < 1 {
				return nil, nil, argErr("FIELD", args)
			}
			for _, t := range args {
				if !isStr(t) {
					return nil, nil, argErr("FIELD", args)
				}
			}
			return types.IntegerType, func(a []any) (any, error) {
				if a[0] == nil {
					return int32(0), nil
				}
				for i, v := range a[1:] {
					if v != nil && v.(string) == a[0].(string) {
						return int32(i + 1), nil
					}
				}
				return int32(0), nil
			}, nil
		},
	})

	// Maps.
	r.AddScalar(&Scalar{
		Name: "MAP_KEYS", Category: "MAP", Description: "The keys of a map.", Signatures: []Signature{sig("ARRAY", "MAP")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 1 || !isMap(args[0]) {
				return nil, nil, argErr("MAP_KEYS", args)
			}
			kt := types.StringType
			if args[0].Kind == types.KindMap {
				kt = args[0].Key
			}
			return types.ArrayOf(kt), nullSafe(func(a []any) (any, error) {
				return append([]any{}, a[0].(*types.Map).Keys...), nil
			}), nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "MAP_VALUES", Category: "MAP", Description: "The values of a map.", Signatures: []Signature{sig("ARRAY", "MAP")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 1 || !isMap(args[0]) {
				return nil, nil, argErr("MAP_VALUES", args)
			}
			vt := types.StringType
			if args[0].Kind == types.KindMap {
				vt = args[0].Elem
			}
			return types.ArrayOf(vt), nullSafe(func(a []any) (any, error) {
				return append([]any{}, a[0].(*types.Map).Values...), nil
			}), nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "MAP_UNION", Category: "MAP", Description: "The entries of both maps; the second map's value wins for a key in both.",
		Signatures: []Signature{sig("MAP", "MAP", "MAP")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 2 || !isMap(args[0]) || !isMap(args[1]) {
				return nil, nil, argErr("MAP_UNION", args)
			}
			ret := args[0]
			if ret.Kind == types.KindNull {
				ret = args[1]
			}
			if ret.Kind == types.KindNull {
				ret = types.MapOf(types.StringType, types.StringType)
			}
			return ret, func(a []any) (any, error) {
				if a[0] == nil && a[1] == nil {
					return nil, nil
				}
				out := &types.Map{}
				for _, v := range a {
					if m, ok := v.(*types.Map); ok {
						for i := range m.Keys {
							out.Put(m.Keys[i], m.Values[i])
						}
					}
				}
				return out, nil
			}, nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "AS_MAP", Category: "MAP", Description: "Builds a map from an array of keys and an array of values.",
		Signatures: []Signature{sig("MAP", "ARRAY<VARCHAR>", "ARRAY")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 2 || !isArr(args[0]) || !isArr(args[1]) {
				return nil, nil, argErr("AS_MAP", args)
			}
			return types.MapOf(types.StringType, elemOf(args[1])), nullSafe(func(a []any) (any, error) {
				keys, vals := a[0].([]any), a[1].([]any)
				out := &types.Map{}
				for i, k := range keys {
					if i >= len(vals) {
						break
					}
					if k != nil {
						out.Put(types.Format(k), vals[i])
					}
				}
				return out, nil
			}), nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "ENTRIES", Category: "MAP", Description: "The entries of a map as an array of STRUCT<K, V>, sorted by key when the second argument is true.",
		Signatures: []Signature{sig("ARRAY<STRUCT<K VARCHAR, V ANY>>", "MAP", "BOOLEAN")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 2 || !isMap(args[0]) || args[1].Kind != types.KindBoolean && args[1].Kind != types.KindNull {
				return nil, nil, argErr("ENTRIES", args)
			}
			vt := types.StringType
			if args[0].Kind == types.KindMap {
				vt = args[0].Elem
			}
			st := types.StructOf(types.Field{Name: "K", Type: types.StringType}, types.Field{Name: "V", Type: vt})
			return types.ArrayOf(st), func(a []any) (any, error) {
				m, _ := a[0].(*types.Map)
				if m == nil {
					return nil, nil
				}
				out := make([]any, 0, len(m.Keys))
				for i, k := range m.Keys {
					out = append(out, &types.Struct{Type: st, Values: []any{types.Format(k), m.Values[i]}})
				}
				if sorted, _ := a[1].(bool); sorted {
					sort.SliceStable(out, func(i, j int) bool {
						return out[i].(*types.Struct).Values[0].(string) < out[j].(*types.Struct).Values[0].(string)
					})
				}
				return out, nil
			}, nil
		},
	})

	r.AddScalar(&Scalar{
		Name: "GEO_DISTANCE", Category: "NUMERIC",
		Description: "The great-circle distance between two points given in decimal degrees of latitude and longitude, in km (default) or miles.",
		Signatures:  []Signature{sig("DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE"), sig("DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) < 4 || len(args) > 5 || len(args) == 5 && !isStr(args[4]) {
				return nil, nil, argErr("GEO_DISTANCE", args)
			}
			for _, t := range args[:4] {
				if !isNum(t) {
					return nil, nil, argErr("GEO_DISTANCE", args)
				}
			}
			return types.DoubleType, nullSafe(func(a []any) (any, error) {
				lat1, lon1, lat2, lon2 := types.ToFloat(a[0]), types.ToFloat(a[1]), types.ToFloat(a[2]), types.ToFloat(a[3])
				radius := 6371.0
				if len(a) == 5 {
					switch strings.ToLower(a[4].(string)) {
					case "km", "kilometer", "kilometers", "kilometre", "kilometres":
					case "mi", "mile", "miles":
						radius = 3959.0
					default:
						return nil, fmt.Errorf("GeoDistance function units parameter must be one of 'KM' or 'MI'. Values are case-insensitive. Got: %s", a[4])
					}
				}
				for _, lat := range []float64{lat1, lat2} {
					if lat < -90 || lat > 90 {
						return nil, fmt.Errorf("valid latitude values for GeoDistance function are in the range of -90 to 90 decimal degrees. Got: %v", lat)
					}
				}
				for _, lon := range []float64{lon1, lon2} {
					if lon < -180 || lon > 180 {
						return nil, fmt.Errorf("valid longitude values for GeoDistance function are in the range of -180 to +180 decimal degrees. Got: %v", lon)
					}
				}
				rad := math.Pi / 180
				hav := func(x float64) float64 { s := math.Sin(x / 2); return s * s }
				h := hav((lat2-lat1)*rad) + hav((lon2-lon1)*rad)*math.Cos(lat1*rad)*math.Cos(lat2*rad)
				return 2 * math.Asin(math.Sqrt(h)) * radius, nil
			}), nil
		},
	})

	// JSON strings.
	jsonOf := func(s string) (any, bool) {
		var v any
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		if err := d.Decode(&v); err != nil || d.More() {
			return nil, false
		}
		return v, true
	}
	compact := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	simple(r, "IS_JSON_STRING", "JSON", "Whether a string is valid JSON.", []Signature{sig("BOOLEAN", "VARCHAR")}, types.BooleanType, oneStr,
		func(a []any) (any, error) {
			s, ok := a[0].(string)
			if !ok {
				return false, nil
			}
			_, valid := jsonOf(s)
			return valid, nil
		})
	simple(r, "JSON_ARRAY_LENGTH", "JSON", "The number of elements of a JSON array; NULL when the string is not one.", []Signature{sig("INTEGER", "VARCHAR")}, types.IntegerType, oneStr,
		nullSafe(func(a []any) (any, error) {
			v, _ := jsonOf(a[0].(string))
			if arr, ok := v.([]any); ok {
				return int32(len(arr)), nil
			}
			return nil, nil
		}))
	simple(r, "JSON_KEYS", "JSON", "The keys of a JSON object; NULL when the string is not one.", []Signature{sig("ARRAY<VARCHAR>", "VARCHAR")}, types.ArrayOf(types.StringType), oneStr,
		nullSafe(func(a []any) (any, error) {
			keys, ok := jsonObjectKeys(a[0].(string))
			if !ok {
				return nil, nil
			}
			out := make([]any, len(keys))
			for i, k := range keys {
				out[i] = k
			}
			return out, nil
		}))
	simple(r, "JSON_RECORDS", "JSON", "The entries of a JSON object as a map of key to JSON text; NULL when the string is not an object.",
		[]Signature{sig("MAP<VARCHAR, VARCHAR>", "VARCHAR")}, types.MapOf(types.StringType, types.StringType), oneStr,
		nullSafe(func(a []any) (any, error) {
			keys, ok := jsonObjectKeys(a[0].(string))
			if !ok {
				return nil, nil
			}
			v, _ := jsonOf(a[0].(string))
			obj := v.(map[string]any)
			out := &types.Map{}
			for _, k := range keys {
				out.Put(k, compact(obj[k]))
			}
			return out, nil
		}))
	simple(r, "JSON_ITEMS", "JSON", "The elements of a JSON array as JSON texts; NULL when the string is not an array.",
		[]Signature{sig("ARRAY<VARCHAR>", "VARCHAR")}, types.ArrayOf(types.StringType), oneStr,
		nullSafe(func(a []any) (any, error) {
			v, _ := jsonOf(a[0].(string))
			arr, ok := v.([]any)
			if !ok {
				return nil, nil
			}
			out := make([]any, len(arr))
			for i, e := range arr {
				out[i] = compact(e)
			}
			return out, nil
		}))
	r.AddScalar(&Scalar{
		Name: "JSON_ARRAY_CONTAINS", Category: "JSON", Description: "Whether a JSON array contains a value.",
		Signatures: []Signature{sig("BOOLEAN", "VARCHAR", "ANY")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 2 || !isStr(args[0]) {
				return nil, nil, argErr("JSON_ARRAY_CONTAINS", args)
			}
			return types.BooleanType, func(a []any) (any, error) {
				s, _ := a[0].(string)
				v, _ := jsonOf(s)
				arr, ok := v.([]any)
				if !ok {
					return false, nil
				}
				want := a[1]
				for _, e := range arr {
					switch x := e.(type) {
					case nil:
						if want == nil {
							return true, nil
						}
					case json.Number:
						if want != nil && types.KindOf(want) != types.KindString && types.KindOf(want) != types.KindBoolean {
							if f, err := x.Float64(); err == nil && f == types.ToFloat(want) {
								return true, nil
							}
						}
					case string, bool:
						if want != nil && x == want {
							return true, nil
						}
					}
				}
				return false, nil
			}, nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "JSON_CONCAT", Category: "JSON", Description: "Merges JSON objects (later keys win) or concatenates JSON arrays; NULL when a string is not JSON.",
		Signatures: []Signature{{Args: []string{"VARCHAR", "VARCHAR"}, Returns: "VARCHAR", Variadic: true}},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) < 1 {
				return nil, nil, argErr("JSON_CONCAT", args)
			}
			for _, t := range args {
				if !isStr(t) {
					return nil, nil, argErr("JSON_CONCAT", args)
				}
			}
			return types.StringType, nullSafe(func(a []any) (any, error) {
				allObjects := true
				var vals []any
				for _, s := range a {
					v, ok := jsonOf(s.(string))
					if !ok {
						return nil, nil
					}
					if _, isObj := v.(map[string]any); !isObj {
						allObjects = false
					}
					vals = append(vals, v)
				}
				if allObjects {
					// Keep the keys in the order they first appear.
					var b strings.Builder
					b.WriteByte('{')
					merged := map[string]any{}
					var order []string
					for i, s := range a {
						keys, _ := jsonObjectKeys(s.(string))
						for _, k := range keys {
							if _, seen := merged[k]; !seen {
								order = append(order, k)
							}
							merged[k] = vals[i].(map[string]any)[k]
						}
					}
					for i, k := range order {
						if i > 0 {
							b.WriteByte(',')
						}
						b.WriteString(compact(k) + ":" + compact(merged[k]))
					}
					b.WriteByte('}')
					return b.String(), nil
				}
				var out []any
				for _, v := range vals {
					if arr, ok := v.([]any); ok {
						out = append(out, arr...)
					} else {
						out = append(out, v)
					}
				}
				return compact(out), nil
			}), nil
		},
	})
	r.AddScalar(&Scalar{
		Name: "TO_JSON_STRING", Category: "JSON", Description: "The value as JSON text.",
		Signatures: []Signature{sig("VARCHAR", "ANY")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
			if len(args) != 1 {
				return nil, nil, argErr("TO_JSON_STRING", args)
			}
			return types.StringType, func(a []any) (any, error) { return string(format.AppendJSON(nil, a[0])), nil }, nil
		},
	})
}

// jsonObjectKeys lists the keys of a JSON object in document order.
func jsonObjectKeys(s string) ([]string, bool) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	tok, err := d.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var keys []string
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return nil, false
		}
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return nil, false
		}
		keys = append(keys, k.(string))
	}
	if _, err := d.Token(); err != nil {
		return nil, false
	}
	if _, err := d.Token(); err == nil {
		return nil, false // trailing data
	}
	return keys, true
}
