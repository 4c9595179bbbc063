package testrunner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/functions"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// qttFloor is how many of ksqlDB's own query-validation cases must pass
// through the runner: the same as the engine's conformance floor, so the
// runner's encoding, decoding and comparison agree with ksqlDB's.
const qttFloor = 204

// TestQTTCases runs ksqlDB's query-validation cases (the engine's
// conformance suite) through Run, with the records parsed from the same
// JSON shapes the runner's files use.
func TestQTTCases(t *testing.T) {
	data, err := os.ReadFile("../testdata/qtt-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []struct {
			File       string            `json:"file"`
			Name       string            `json:"name"`
			Statements []string          `json:"statements"`
			Inputs     []json.RawMessage `json:"inputs"`
			Outputs    []json.RawMessage `json:"outputs"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	passed := 0
	for _, qc := range doc.Cases {
		in, _ := json.Marshal(map[string]any{"inputs": qc.Inputs})
		out, _ := json.Marshal(map[string]any{"outputs": qc.Outputs})
		c := Case{Name: qc.Name, Statements: strings.Join(qc.Statements, "\n")}
		if c.Inputs, err = ParseInputs("input.json", in); err != nil {
			t.Errorf("%s: %v", qc.Name, err)
			continue
		}
		if c.Outputs, err = ParseOutputs("output.json", out); err != nil {
			t.Errorf("%s: %v", qc.Name, err)
			continue
		}
		runner := Runner{Backend: &InProcess{Setup: registerBadUDF}}
		res, err := runner.Run(context.Background(), c)
		switch {
		case err != nil:
			t.Logf("%s / %s: %v", qc.File, qc.Name, err)
		case !res.Passed:
			t.Logf("%s / %s: %s", qc.File, qc.Name, res.Diff())
		default:
			passed++
		}
	}
	t.Logf("%d/%d cases pass through the runner", passed, len(doc.Cases))
	if passed < qttFloor {
		t.Errorf("%d/%d cases pass, want at least %d", passed, len(doc.Cases), qttFloor)
	}
}

// registerBadUDF adds BAD_UDF, the function ksqlDB's query-validation
// suite uses to make expressions fail: BAD_UDF(INT) fails,
// BAD_UDF(BOOLEAN) fails on true, BAD_UDF(STRING) returns NULL every other
// call.
func registerBadUDF(eng *engine.Engine) {
	calls := 0
	eng.Functions().AddScalar(&functions.Scalar{
		Name: "BAD_UDF", Category: "TEST", Description: "fails on purpose",
		Resolve: func(args []*types.Type, _ []any) (*types.Type, functions.Impl, error) {
			if len(args) != 1 {
				return nil, nil, fmt.Errorf("BAD_UDF takes one argument")
			}
			switch args[0].Kind {
			case types.KindInteger:
				return types.StringType, func([]any) (any, error) { return nil, fmt.Errorf("boom") }, nil
			case types.KindBoolean:
				return types.IntegerType, func(a []any) (any, error) {
					if b, _ := a[0].(bool); b {
						return nil, fmt.Errorf("asked to fail")
					}
					return int32(0), nil
				}, nil
			case types.KindString:
				return types.StringType, func(a []any) (any, error) {
					calls++
					if calls%2 == 1 {
						return nil, nil
					}
					return a[0], nil
				}, nil
			}
			return nil, nil, fmt.Errorf("BAD_UDF does not accept %s", args[0])
		},
	})
}
