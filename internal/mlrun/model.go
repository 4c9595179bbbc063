package mlrun

import (
	"fmt"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// ModelNames are the batch models, in the order help lists them.
var ModelNames = []string{"linreg", "ridge", "logreg", "knn", "nb"}

// ModelSpec chooses and configures a batch model. Only the settings of the
// chosen model are used.
type ModelSpec struct {
	Name    string  // one of ModelNames
	K       int     // knn: neighbours
	Metric  string  // knn: euclidean or manhattan
	Weights string  // knn: uniform or distance
	Alpha   float64 // ridge: penalty strength
	C       float64 // logreg: inverse penalty strength
	MaxIter int     // logreg: iteration limit
	Scale   bool    // standardize the features first
}

// Params are the settings a model was built with, as the output reports
// them. Fields are in the order of their JSON names, as before when the
// output was a map.
type Params struct {
	Alpha   *float64 `json:"alpha,omitempty"`
	C       *float64 `json:"c,omitempty"`
	K       *int     `json:"k,omitempty"`
	MaxIter *int     `json:"max_iter,omitempty"`
	Metric  string   `json:"metric,omitempty"`
	Scale   bool     `json:"scale,omitempty"`
	Weights string   `json:"weights,omitempty"`
}

// String writes the settings as " (k=5, metric=euclidean, ...)", or ""
// when there are none.
func (p Params) String() string {
	var parts []string
	add := func(k string, v any) { parts = append(parts, fmt.Sprintf("%s=%v", k, v)) }
	if p.K != nil {
		add("k", *p.K)
	}
	if p.Metric != "" {
		add("metric", p.Metric)
	}
	if p.Weights != "" {
		add("weights", p.Weights)
	}
	if p.Alpha != nil {
		add("alpha", *p.Alpha)
	}
	if p.C != nil {
		add("c", *p.C)
	}
	if p.MaxIter != nil {
		add("max_iter", *p.MaxIter)
	}
	if p.Scale {
		add("scale", true)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// New builds the chosen model and the parameters to report.
func (s ModelSpec) New() (mlkit.Model, Params, error) {
	p := Params{Scale: s.Scale}
	switch s.Name {
	case "linreg":
		return &mlkit.LinearRegression{}, p, nil
	case "ridge":
		p.Alpha = &s.Alpha
		return mlkit.NewRidge(s.Alpha), p, nil
	case "logreg":
		p.C, p.MaxIter = &s.C, &s.MaxIter
		return &mlkit.LogisticRegression{C: s.C, MaxIter: s.MaxIter}, p, nil
	case "knn":
		p.K, p.Metric, p.Weights = &s.K, s.Metric, s.Weights
		return mlkit.NewKNN(s.K, mlkit.Distance(s.Metric), mlkit.Weighting(s.Weights)), p, nil
	case "nb":
		return &mlkit.GaussianNB{}, p, nil
	}
	return nil, Params{}, fmt.Errorf("--model %q is not a model; choose one of %s", s.Name, strings.Join(ModelNames, ", "))
}

// warnConvergence says when a logistic regression stopped at its
// iteration limit.
func (e Env) warnConvergence(m mlkit.Model) {
	if lr, ok := m.(*mlkit.LogisticRegression); ok && !lr.Converged {
		e.warnf("logistic regression did not converge in %d iterations; try --scale or a larger --max-iter", lr.Iterations)
	}
}
