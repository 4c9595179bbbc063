// Package functions is the function registry of the embedded ksqlDB
// engine: scalar functions (UDFs) and aggregate functions (UDAFs), each
// with a description and signatures for SHOW FUNCTIONS and DESCRIBE
// FUNCTION. Functions resolve their return type from the argument types
// once, at plan time, and return an implementation that is called per
// record without reflection.
package functions

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// Impl evaluates a scalar function on its argument values.
type Impl func(args []any) (any, error)

// Scalar is a scalar function (UDF).
type Scalar struct {
	Name        string
	Category    string
	Description string
	// Signatures are human-readable "ARGS -> RETURN" lines for DESCRIBE.
	Signatures []Signature
	// Resolve checks the argument types and returns the result type and
	// the implementation. consts holds the value of each argument that is
	// a literal (nil otherwise).
	Resolve func(args []*types.Type, consts []any) (*types.Type, Impl, error)
}

// Signature documents one variant of a function.
type Signature struct {
	Args        []string // "DOUBLE", "INTEGER", "VARCHAR", "ANY"
	Returns     string
	Description string
	Variadic    bool
}

// Accumulator is the running state of one aggregate for one group.
type Accumulator interface {
	// Add folds one row's argument values in.
	Add(args []any)
	// Undo removes a row previously added (table aggregations).
	Undo(args []any)
	// Merge folds in another accumulator of the same aggregate (session
	// window merges).
	Merge(other Accumulator)
	// Result returns the current aggregate value.
	Result() any
}

// AggregateFactory creates empty accumulators.
type AggregateFactory func() Accumulator

// Aggregate is an aggregate function (UDAF).
type Aggregate struct {
	Name        string
	Category    string
	Description string
	Signatures  []Signature
	// Undoable is true when the aggregate supports Undo (so it may
	// aggregate a table).
	Undoable bool
	Resolve  func(args []*types.Type, consts []any) (*types.Type, AggregateFactory, error)
}

// Registry holds the functions known to an engine.
type Registry struct {
	mu         sync.RWMutex
	scalars    map[string]*Scalar
	aggregates map[string]*Aggregate
}

// NewRegistry returns a registry holding the built-in functions.
func NewRegistry() *Registry {
	r := &Registry{scalars: map[string]*Scalar{}, aggregates: map[string]*Aggregate{}}
	registerMath(r)
	registerStrings(r)
	registerMisc(r)
	registerAggregates(r)
	registerMoreAggregates(r)
	registerLambdas(r)
	registerTableFunctions(r)
	registerMore(r)
	return r
}

// AddScalar registers (or replaces) a scalar function.
func (r *Registry) AddScalar(f *Scalar) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.scalars[strings.ToUpper(f.Name)] = f
}

// AddAggregate registers (or replaces) an aggregate function.
func (r *Registry) AddAggregate(f *Aggregate) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.aggregates[strings.ToUpper(f.Name)] = f
}

// Scalar looks up a scalar function by name (case-insensitive).
func (r *Registry) Scalar(name string) *Scalar {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.scalars[strings.ToUpper(name)]
}

// Aggregate looks up an aggregate function by name (case-insensitive).
func (r *Registry) Aggregate(name string) *Aggregate {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.aggregates[strings.ToUpper(name)]
}

// IsAggregate reports whether name is an aggregate function.
func (r *Registry) IsAggregate(name string) bool { return r.Aggregate(name) != nil }

// Info describes a function for SHOW FUNCTIONS and DESCRIBE FUNCTION.
type Info struct {
	Name        string
	Type        string // SCALAR or AGGREGATE
	Category    string
	Description string
	Signatures  []Signature
}

// List returns every function sorted by name.
func (r *Registry) List() []Info {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []Info
	for _, f := range r.scalars {
		out = append(out, Info{Name: f.Name, Type: "SCALAR", Category: f.Category, Description: f.Description, Signatures: f.Signatures})
	}
	for _, f := range r.aggregates {
		out = append(out, Info{Name: f.Name, Type: "AGGREGATE", Category: f.Category, Description: f.Description, Signatures: f.Signatures})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Describe returns the description of one function.
func (r *Registry) Describe(name string) (Info, bool) {
	if f := r.Scalar(name); f != nil {
		return Info{Name: f.Name, Type: "SCALAR", Category: f.Category, Description: f.Description, Signatures: f.Signatures}, true
	}
	if f := r.Aggregate(name); f != nil {
		return Info{Name: f.Name, Type: "AGGREGATE", Category: f.Category, Description: f.Description, Signatures: f.Signatures}, true
	}
	return Info{}, false
}

func argErr(name string, args []*types.Type) error {
	s := make([]string, len(args))
	for i, a := range args {
		s[i] = a.String()
	}
	return fmt.Errorf("Function '%s' does not accept parameters (%s).", name, strings.Join(s, ", "))
}

// nullSafe wraps an implementation so that any NULL argument yields NULL,
// as most ksqlDB functions do.
func nullSafe(f Impl) Impl {
	return func(args []any) (any, error) {
		for _, a := range args {
			if a == nil {
				return nil, nil
			}
		}
		return f(args)
	}
}

func sig(ret string, args ...string) Signature { return Signature{Args: args, Returns: ret} }
