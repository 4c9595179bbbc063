package mlkit

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// KSQLExpression writes the model as a KSQL expression over the given
// column expressions (one per feature, in order: `ORDERUNITS`,
// `ADDRESS->ZIPCODE`, `CAST(X AS DOUBLE)`); nil columns use the feature
// names. A regressor gives `b0 + b1 * x1 + ...`; a binary logistic
// regression gives the probability of its positive class,
// `1 / (1 + EXP(-(b0 + b1 * x1 + ...)))`. A multinomial model has one
// probability per class and no single expression: use KSQLClassExpressions.
//
// Every weight is written with an exponent (1.5E-01), which KSQL reads as a
// DOUBLE: a plain 0.15 would be a DECIMAL, and DECIMAL arithmetic rounds to
// the literal's scale.
func (f *LinearForm) KSQLExpression(columns []string) (string, error) {
	cols, err := f.ksqlColumns(columns)
	if err != nil {
		return "", err
	}
	switch f.Link {
	case LinkIdentity:
		return linearKSQL(f.Intercept[0], f.Coef[0], cols), nil
	case LinkLogistic:
		return "1 / (1 + EXP(-(" + linearKSQL(f.Intercept[0], f.Coef[0], cols) + ")))", nil
	default:
		return "", fmt.Errorf("mlkit: KSQL export: a %s model with %d classes gives one probability per class, not one value: use KSQLClassExpressions: %w", f.Model, len(f.Classes), ErrNotExportable)
	}
}

// KSQLClassExpressions writes a classifier's probability of each class as a
// KSQL expression, in the order of Classes. For the multinomial model these
// are softmax terms, EXP(z_k) / (EXP(z_1) + ... + EXP(z_K)).
func (f *LinearForm) KSQLClassExpressions(columns []string) ([]string, error) {
	cols, err := f.ksqlColumns(columns)
	if err != nil {
		return nil, err
	}
	switch f.Link {
	case LinkLogistic:
		z := linearKSQL(f.Intercept[0], f.Coef[0], cols)
		return []string{
			"1 / (1 + EXP(" + z + "))",
			"1 / (1 + EXP(-(" + z + ")))",
		}, nil
	case LinkSoftmax:
		exps := make([]string, len(f.Coef))
		for k := range f.Coef {
			exps[k] = "EXP(" + linearKSQL(f.Intercept[k], f.Coef[k], cols) + ")"
		}
		sum := "(" + strings.Join(exps, " + ") + ")"
		out := make([]string, len(exps))
		for k, e := range exps {
			out[k] = e + " / " + sum
		}
		return out, nil
	default:
		return nil, fmt.Errorf("mlkit: KSQL export: a %s model is a regressor and has no classes: use KSQLExpression: %w", f.Model, ErrNotExportable)
	}
}

// KSQLQuery describes the persistent query KSQLStatement writes.
type KSQLQuery struct {
	// Sink and Source are the stream created and the stream it reads.
	Sink, Source string
	// Columns are the feature column expressions (nil: the feature names).
	Columns []string
	// Keep are the source columns passed through before the prediction
	// (for example the key, ORDERID).
	Keep []string
	// As names the prediction column; PREDICTION when empty.
	As string
}

// KSQLStatement writes a CREATE STREAM ... AS SELECT that scores every record
// of q.Source with the model and writes it to q.Sink: the model deployed
// inside the query engine, with no service of its own to run.
func (f *LinearForm) KSQLStatement(q KSQLQuery) (string, error) {
	if q.Sink == "" || q.Source == "" {
		return "", fmt.Errorf("mlkit: KSQL export: a statement needs a sink and a source stream")
	}
	expr, err := f.KSQLExpression(q.Columns)
	if err != nil {
		return "", err
	}
	as := q.As
	if as == "" {
		as = "PREDICTION"
	}
	selected := append(append([]string(nil), q.Keep...), expr+" AS "+as)
	return fmt.Sprintf("CREATE STREAM %s AS\n  SELECT %s\n  FROM %s\n  EMIT CHANGES;", q.Sink, strings.Join(selected, ",\n         "), q.Source), nil
}

func (f *LinearForm) ksqlColumns(columns []string) ([]string, error) {
	if columns == nil {
		return f.Features, nil
	}
	if len(columns) != len(f.Features) {
		return nil, fmt.Errorf("mlkit: KSQL export: %d column expressions for %d features (%s): %w", len(columns), len(f.Features), strings.Join(f.Features, ", "), ErrShape)
	}
	for i, c := range columns {
		if strings.TrimSpace(c) == "" {
			return nil, fmt.Errorf("mlkit: KSQL export: the column expression of feature %q is empty", f.Features[i])
		}
	}
	return columns, nil
}

// linearKSQL writes b0 + w1 * (c1) + ... with DOUBLE literals.
func linearKSQL(intercept float64, coef []float64, cols []string) string {
	var b strings.Builder
	b.WriteString(ksqlDouble(intercept))
	for j, w := range coef {
		fmt.Fprintf(&b, " + %s * %s", ksqlDouble(w), ksqlOperand(cols[j]))
	}
	return b.String()
}

// ksqlDouble writes v as a KSQL DOUBLE literal that reads back exactly.
func ksqlDouble(v float64) string {
	s := strconv.FormatFloat(v, 'E', -1, 64)
	if v < 0 {
		return "(" + s + ")"
	}
	return s
}

// plainColumn is a column name or a struct path (ADDRESS->ZIPCODE), which
// needs no brackets around it in an arithmetic expression.
var plainColumn = regexp.MustCompile("^(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)(->(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*))*$")

// ksqlOperand brackets a column expression unless it is a plain name or a
// struct path, so that a feature such as `A + B` keeps its meaning.
func ksqlOperand(col string) string {
	col = strings.TrimSpace(col)
	if plainColumn.MatchString(col) {
		return col
	}
	return "(" + col + ")"
}
