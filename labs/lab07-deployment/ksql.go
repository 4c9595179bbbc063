package lab07

import "errors"

// Exercise 1: the model as a KSQL expression, deployed as a query.

// KSQLExpression writes a fitted linear model as a KSQL expression over the
// given column expressions (one per coefficient, in order):
//
//	linear regression:   b0 + b1 * x1 + b2 * x2 + ...
//	logistic regression: 1 / (1 + EXP(-(b0 + b1 * x1 + b2 * x2 + ...)))
//
// The expression runs inside the query engine, so deploying the model is a
// statement: no service to run, no model server to call.
//
// Contract:
//   - b0 is m.Intercept, b1, b2, ... are m.Coef; x1, x2, ... are columns,
//     which may be plain names (ORDERUNITS), struct paths
//     (ADDRESS->ZIPCODE) or any expression (A + B, CAST(N AS DOUBLE)): the
//     expression must mean w * (A + B), not w * A + B.
//   - m.Logistic: the probability of the positive class, 1/(1+EXP(-z));
//     otherwise the linear score z itself.
//   - evaluated by ksqlDB, the expression equals the model to 1e-9, for
//     weights of any size and sign: every number must read back to exactly
//     the model's float64 (README, "Numbers in KSQL").
//   - as many columns as coefficients, no empty column, no NaN or infinite
//     weight: otherwise an error (and no expression).
func KSQLExpression(m LinearModel, columns []string) (string, error) {
	// TODO(exercise 1): check the input, then build the string with a
	// strings.Builder: the intercept, then " + w * column" for each weight.
	return "", errors.New("TODO(exercise 1): KSQLExpression is not written yet")
}
