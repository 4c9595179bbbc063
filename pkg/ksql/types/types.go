// Package types holds the SQL type system and value model of the embedded
// ksqlDB engine: the SQL types (BOOLEAN, INTEGER, BIGINT, DOUBLE, DECIMAL,
// STRING, BYTES, TIMESTAMP, DATE, TIME, ARRAY, MAP, STRUCT), the Go values
// that represent them at run time, and ksqlDB's rules for coercion,
// comparison and arithmetic.
//
// Values are plain Go values so that the hot path needs no reflection:
//
//	SQL NULL   nil
//	BOOLEAN    bool
//	INTEGER    int32
//	BIGINT     int64
//	DOUBLE     float64
//	DECIMAL    Decimal
//	STRING     string
//	BYTES      []byte
//	TIMESTAMP  Timestamp (milliseconds since the epoch)
//	DATE       Date (days since the epoch)
//	TIME       TimeOfDay (milliseconds since midnight)
//	ARRAY      []any
//	MAP        *Map
//	STRUCT     *Struct
package types

import (
	"fmt"
	"strings"
)

// Kind is the base kind of a SQL type.
type Kind uint8

// The SQL type kinds.
const (
	KindUnknown Kind = iota
	KindBoolean
	KindInteger
	KindBigint
	KindDouble
	KindDecimal
	KindString
	KindBytes
	KindTimestamp
	KindDate
	KindTime
	KindArray
	KindMap
	KindStruct
	// KindNull is the type of the NULL literal before it is coerced.
	KindNull
)

var kindNames = [...]string{
	KindUnknown: "UNKNOWN", KindBoolean: "BOOLEAN", KindInteger: "INTEGER", KindBigint: "BIGINT",
	KindDouble: "DOUBLE", KindDecimal: "DECIMAL", KindString: "STRING", KindBytes: "BYTES",
	KindTimestamp: "TIMESTAMP", KindDate: "DATE", KindTime: "TIME", KindArray: "ARRAY", KindMap: "MAP",
	KindStruct: "STRUCT", KindNull: "NULL",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "UNKNOWN"
}

// Field is one field of a STRUCT type.
type Field struct {
	Name string
	Type *Type
}

// Type is a SQL type. Types are immutable once built; share them freely.
type Type struct {
	Kind      Kind
	Precision int     // DECIMAL
	Scale     int     // DECIMAL
	Elem      *Type   // ARRAY element, MAP value
	Key       *Type   // MAP key
	Fields    []Field // STRUCT
}

// Shared primitive types.
var (
	BooleanType   = &Type{Kind: KindBoolean}
	IntegerType   = &Type{Kind: KindInteger}
	BigintType    = &Type{Kind: KindBigint}
	DoubleType    = &Type{Kind: KindDouble}
	StringType    = &Type{Kind: KindString}
	BytesType     = &Type{Kind: KindBytes}
	TimestampType = &Type{Kind: KindTimestamp}
	DateType      = &Type{Kind: KindDate}
	TimeType      = &Type{Kind: KindTime}
	NullType      = &Type{Kind: KindNull}
)

// DecimalOf returns DECIMAL(precision, scale).
func DecimalOf(precision, scale int) *Type {
	return &Type{Kind: KindDecimal, Precision: precision, Scale: scale}
}

// ArrayOf returns ARRAY<elem>.
func ArrayOf(elem *Type) *Type { return &Type{Kind: KindArray, Elem: elem} }

// MapOf returns MAP<key, value>.
func MapOf(key, value *Type) *Type { return &Type{Kind: KindMap, Key: key, Elem: value} }

// StructOf returns STRUCT<fields...>.
func StructOf(fields ...Field) *Type { return &Type{Kind: KindStruct, Fields: fields} }

// String renders the type as ksqlDB prints it (for example in DESCRIBE and
// in the columnTypes of a query header).
func (t *Type) String() string {
	if t == nil {
		return "NULL"
	}
	switch t.Kind {
	case KindDecimal:
		return fmt.Sprintf("DECIMAL(%d, %d)", t.Precision, t.Scale)
	case KindArray:
		return "ARRAY<" + t.Elem.String() + ">"
	case KindMap:
		return "MAP<" + t.Key.String() + ", " + t.Elem.String() + ">"
	case KindStruct:
		var b strings.Builder
		b.WriteString("STRUCT<")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("`" + f.Name + "` " + f.Type.String())
		}
		b.WriteString(">")
		return b.String()
	}
	return t.Kind.String()
}

// Equal reports whether two types are identical.
func (t *Type) Equal(o *Type) bool {
	if t == o {
		return true
	}
	if t == nil || o == nil || t.Kind != o.Kind {
		return false
	}
	switch t.Kind {
	case KindDecimal:
		return t.Precision == o.Precision && t.Scale == o.Scale
	case KindArray:
		return t.Elem.Equal(o.Elem)
	case KindMap:
		return t.Key.Equal(o.Key) && t.Elem.Equal(o.Elem)
	case KindStruct:
		if len(t.Fields) != len(o.Fields) {
			return false
		}
		for i := range t.Fields {
			if t.Fields[i].Name != o.Fields[i].Name || !t.Fields[i].Type.Equal(o.Fields[i].Type) {
				return false
			}
		}
	}
	return true
}

// IsNumeric reports whether the type is INTEGER, BIGINT, DECIMAL or DOUBLE.
func (t *Type) IsNumeric() bool {
	switch t.Kind {
	case KindInteger, KindBigint, KindDouble, KindDecimal:
		return true
	}
	return false
}

// IsPrimitive reports whether the type is neither ARRAY, MAP nor STRUCT.
func (t *Type) IsPrimitive() bool {
	switch t.Kind {
	case KindArray, KindMap, KindStruct:
		return false
	}
	return true
}

// FieldIndex returns the index of the named struct field, matching exactly
// first and then case-insensitively; -1 if there is none.
func (t *Type) FieldIndex(name string) int {
	for i, f := range t.Fields {
		if f.Name == name {
			return i
		}
	}
	for i, f := range t.Fields {
		if strings.EqualFold(f.Name, name) {
			return i
		}
	}
	return -1
}

// numericRank orders the numeric kinds for widening.
func numericRank(k Kind) int {
	switch k {
	case KindInteger:
		return 1
	case KindBigint:
		return 2
	case KindDecimal:
		return 3
	case KindDouble:
		return 4
	}
	return 0
}

// WiderNumeric returns the common type of two numeric types following
// ksqlDB's widening INTEGER < BIGINT < DECIMAL < DOUBLE.
func WiderNumeric(a, b *Type) *Type {
	if a.Kind == KindNull {
		return b
	}
	if b.Kind == KindNull {
		return a
	}
	ra, rb := numericRank(a.Kind), numericRank(b.Kind)
	if ra == 3 && rb == 3 {
		s := max(a.Scale, b.Scale)
		p := max(a.Precision-a.Scale, b.Precision-b.Scale) + s
		return DecimalOf(min(p, 38), s)
	}
	if ra == 3 || rb == 3 {
		if ra == 4 || rb == 4 {
			return DoubleType
		}
		d, o := a, b
		if rb == 3 {
			d, o = b, a
		}
		od := DecimalFor(o)
		s := max(d.Scale, od.Scale)
		p := max(d.Precision-d.Scale, od.Precision-od.Scale) + s
		return DecimalOf(min(p, 38), s)
	}
	if ra >= rb {
		return a
	}
	return b
}

// DecimalFor returns the DECIMAL type that holds every value of an integer
// type exactly (ksqlDB: INTEGER -> DECIMAL(10,0), BIGINT -> DECIMAL(19,0)).
func DecimalFor(t *Type) *Type {
	switch t.Kind {
	case KindInteger:
		return DecimalOf(10, 0)
	case KindBigint:
		return DecimalOf(19, 0)
	case KindDecimal:
		return t
	}
	return DecimalOf(38, 16)
}

// ParseKindName maps a SQL type name to its kind for the primitive types.
func ParseKindName(name string) (Kind, bool) {
	switch strings.ToUpper(name) {
	case "BOOLEAN", "BOOL":
		return KindBoolean, true
	case "INT", "INTEGER":
		return KindInteger, true
	case "BIGINT":
		return KindBigint, true
	case "DOUBLE":
		return KindDouble, true
	case "DECIMAL":
		return KindDecimal, true
	case "VARCHAR", "STRING":
		return KindString, true
	case "BYTES":
		return KindBytes, true
	case "TIMESTAMP":
		return KindTimestamp, true
	case "DATE":
		return KindDate, true
	case "TIME":
		return KindTime, true
	case "ARRAY":
		return KindArray, true
	case "MAP":
		return KindMap, true
	case "STRUCT":
		return KindStruct, true
	}
	return KindUnknown, false
}

// Primitive returns the shared type for a primitive kind.
func Primitive(k Kind) *Type {
	switch k {
	case KindBoolean:
		return BooleanType
	case KindInteger:
		return IntegerType
	case KindBigint:
		return BigintType
	case KindDouble:
		return DoubleType
	case KindString:
		return StringType
	case KindBytes:
		return BytesType
	case KindTimestamp:
		return TimestampType
	case KindDate:
		return DateType
	case KindTime:
		return TimeType
	}
	return nil
}
