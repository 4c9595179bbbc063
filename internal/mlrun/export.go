package mlrun

import (
	"fmt"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit/onnxmodel"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

// ExportFormats are the formats Export writes.
var ExportFormats = []string{"onnx", "pmml", "ksql"}

// ExportSpec says how to export a model artifact.
type ExportSpec struct {
	// ModelFile names the artifact's file in messages.
	ModelFile string
	Format    string // one of ExportFormats
	// Producer is the version of the program, written into ONNX and PMML.
	Producer string
	Columns  []string // ksql: the column expression of each feature
	Source   string   // ksql: the stream to score (with Sink)
	Sink     string   // ksql: the stream the scores go to
	Keep     []string // ksql: source columns to pass through
	Target   string   // pmml: the target field's name; default the card's label
}

// Export writes a linear or logistic model as ONNX, PMML or KSQL; a scaler
// saved with the model is folded into the weights.
func Export(a *scoring.Artifact, spec ExportSpec) ([]byte, error) {
	form, err := a.LinearForm()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.ModelFile, err)
	}
	switch spec.Format {
	case "onnx":
		card := a.Card
		return onnxmodel.Export(form, onnxmodel.Options{Name: a.Card.Name, ProducerVersion: spec.Producer, Card: &card})
	case "pmml":
		var b strings.Builder
		target := spec.Target
		if target == "" {
			target = a.Card.Label
		}
		if err := form.WritePMML(&b, mlkit.PMMLOptions{Target: target, ModelName: a.Card.Name, Version: spec.Producer, Created: a.Card.Created}); err != nil {
			return nil, err
		}
		return []byte(b.String()), nil
	case "ksql":
		var text string
		if spec.Source != "" {
			text, err = form.KSQLStatement(mlkit.KSQLQuery{Sink: spec.Sink, Source: spec.Source, Columns: spec.Columns, Keep: spec.Keep})
		} else if form.Link == mlkit.LinkSoftmax {
			var exprs []string
			exprs, err = form.KSQLClassExpressions(spec.Columns)
			for i, e := range exprs {
				exprs[i] = fmt.Sprintf("%s AS P_%s", e, SQLName(a.Card.Classes, form.Classes, i))
			}
			text = strings.Join(exprs, ",\n")
		} else {
			text, err = form.KSQLExpression(spec.Columns)
		}
		if err != nil {
			return nil, err
		}
		return []byte(text + "\n"), nil
	}
	return nil, fmt.Errorf("--format %q is not an export format; choose one of %s", spec.Format, strings.Join(ExportFormats, ", "))
}

// SQLName names class i's probability column: its class name when it is a
// plain identifier, its label otherwise.
func SQLName(names []string, labels []float64, i int) string {
	if i < len(names) {
		n := strings.ToUpper(names[i])
		ok := n != ""
		for _, r := range n {
			if !(r == '_' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				ok = false
			}
		}
		if ok {
			return n
		}
	}
	return fmt.Sprint(labels[i])
}
