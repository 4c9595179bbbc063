package functions

import (
	"fmt"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// registerLambdas describes TRANSFORM, FILTER and REDUCE for SHOW
// FUNCTIONS and DESCRIBE FUNCTION. Their lambda arguments are typed from
// the collection they run over, so the engine compiles the calls itself.
func registerLambdas(r *Registry) {
	lambda := func(name, desc string, sigs ...Signature) {
		r.AddScalar(&Scalar{
			Name: name, Category: "LAMBDA", Description: desc, Signatures: sigs,
			Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
				return nil, nil, fmt.Errorf("Function '%s' takes a lambda function as its last argument.", name)
			},
		})
	}
	lambda("TRANSFORM", "Applies a lambda to every element of an array (x => ...), or to every key and value of a map ((k, v) => new key, (k, v) => new value).",
		sig("ARRAY", "ARRAY", "LAMBDA"), sig("MAP", "MAP", "LAMBDA", "LAMBDA"))
	lambda("FILTER", "Keeps the elements of an array (x => condition), or the entries of a map ((k, v) => condition), for which the lambda is true.",
		sig("ARRAY", "ARRAY", "LAMBDA"), sig("MAP", "MAP", "LAMBDA"))
	lambda("REDUCE", "Folds an array ((s, x) => ...) or a map ((s, k, v) => ...) into a single value, starting from an initial state.",
		sig("ANY", "ARRAY", "ANY", "LAMBDA"), sig("ANY", "MAP", "ANY", "LAMBDA"))
}

// registerTableFunctions describes EXPLODE and CUBE_EXPLODE, which turn
// one row into several; the engine compiles them as select items.
func registerTableFunctions(r *Registry) {
	tf := func(name, desc string, sigs ...Signature) {
		r.AddScalar(&Scalar{
			Name: name, Category: "TABLE", Description: desc, Signatures: sigs,
			Resolve: func(args []*types.Type, _ []any) (*types.Type, Impl, error) {
				return nil, nil, fmt.Errorf("Table function %s can only be used as an item of the SELECT clause of a query on a stream.", name)
			},
		})
	}
	tf("EXPLODE", "Emits one row for each element of an array.", sig("ANY", "ARRAY"))
	tf("CUBE_EXPLODE", "Emits one row for each combination of the elements of an array with some of them NULL.", sig("ARRAY", "ARRAY"))
}
