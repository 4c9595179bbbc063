//go:build solution

package lab07

// Exercise 1: the model as a KSQL expression, deployed as a query.

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// KSQLExpression writes a fitted linear model as a KSQL expression over the
// given column expressions (one per coefficient, in order):
//
//	linear regression:   b0 + b1 * x1 + b2 * x2 + ...
//	logistic regression: 1 / (1 + EXP(-(b0 + b1 * x1 + b2 * x2 + ...)))
//
// The expression runs inside the query engine, so deploying the model is a
// statement: no service to run, no model server to call.
func KSQLExpression(m LinearModel, columns []string) (string, error) {
	if len(columns) != len(m.Coef) {
		return "", fmt.Errorf("%d column expressions for a model of %d coefficients", len(columns), len(m.Coef))
	}
	if !finite(m.Intercept) {
		return "", fmt.Errorf("the intercept is %v: a model with it cannot be written", m.Intercept)
	}
	var b strings.Builder
	b.WriteString(double(m.Intercept))
	for j, w := range m.Coef {
		col := strings.TrimSpace(columns[j])
		if col == "" {
			return "", fmt.Errorf("the column expression of coefficient %d is empty", j)
		}
		if !finite(w) {
			return "", fmt.Errorf("coefficient %d (of %s) is %v: a model with it cannot be written", j, col, w)
		}
		fmt.Fprintf(&b, " + %s * %s", double(w), operand(col))
	}
	if m.Logistic {
		return "1 / (1 + EXP(-(" + b.String() + ")))", nil
	}
	return b.String(), nil
}

// double writes v as a KSQL DOUBLE literal that reads back to exactly v:
// 'E' with precision -1 is the shortest such text (%f would keep six
// decimals and turn a weight of 1.2e-07 into 0). The exponent also makes
// it a DOUBLE, the type the model computes in: KSQL reads 0.3125 as a
// DECIMAL(4,4), and DECIMAL arithmetic has rules of its own (a division
// rounds to a scale: 1 / 3.0 is 0.333333).
// A negative weight goes in brackets, so "+ (-1.5E-05) * x" never turns
// into a "--" comment or a "+ -" the parser might refuse.
func double(v float64) string {
	s := strconv.FormatFloat(v, 'E', -1, 64)
	if v < 0 {
		return "(" + s + ")"
	}
	return s
}

// operand brackets a column expression unless it is a plain column name or
// a struct path (ADDRESS->ZIPCODE): "w * A + B" would multiply A only.
func operand(col string) string {
	plain := true
	for _, part := range strings.Split(col, "->") {
		if part == "" {
			plain = false
		}
		for i, r := range part {
			if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
				plain = false
			}
		}
	}
	if plain {
		return col
	}
	return "(" + col + ")"
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
