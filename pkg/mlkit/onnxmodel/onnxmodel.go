// Package onnxmodel writes the course's linear models as ONNX files and
// scores ONNX files with a pure-Go ONNX runtime (gonnx), so that a model
// trained with mlkit can leave Go for any ONNX runtime (onnxruntime, a
// browser, a model server) and come back.
//
// The graph uses only standard ONNX operators of opset 13, the newest opset
// the Go runtime implements (onnxruntime and the ONNX checker read it too):
//
//	regression:     X ─ MatMul(W) ─ Add(B) ─▶ prediction   [N, 1]
//	classification: X ─ MatMul(W) ─ Add(B) ─ Softmax(axis=1) ─▶ probabilities [N, classes]
//
// X is a double tensor [N, features] with a free batch dimension N. A binary
// logistic regression is written with two score columns, 0 and z, whose
// softmax is exactly [1 - sigmoid(z), sigmoid(z)]. A scaler the model was
// trained behind is folded into W and B (see mlkit.LinearFormOf). The
// feature names, the class labels and the model card travel in the model's
// metadata_props.
package onnxmodel

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/advancedclimatesystems/gonnx"
	"github.com/advancedclimatesystems/gonnx/onnx"
	"gonum.org/v1/gonum/mat"
	"google.golang.org/protobuf/proto"
	"gorgonia.org/tensor"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// Opset is the ONNX operator set version the files use, and IRVersion the
// ONNX IR version that goes with it.
const (
	Opset     = 13
	IRVersion = 7
)

// Names of the graph's input and outputs, and of the metadata entries.
const (
	InputName         = "X"
	PredictionOutput  = "prediction"
	ProbabilityOutput = "probabilities"
	metaFeatures      = "features"
	metaClasses       = "classes"
	metaCard          = "model_card"
)

// Options are what the file says about the model beyond its weights.
type Options struct {
	// Name is the graph's name; "mlkit_model" when empty.
	Name string
	// ProducerVersion is the writing program's version.
	ProducerVersion string
	// Card, when set, is stored as JSON in the metadata; its version
	// becomes the file's model_version.
	Card *mlkit.ModelCard
}

// Export writes a linear form as a serialized ONNX ModelProto.
func Export(form *mlkit.LinearForm, opts Options) ([]byte, error) {
	if form == nil || len(form.Coef) == 0 {
		return nil, errors.New("onnxmodel: export: no model")
	}
	nf := len(form.Features)
	coef, intercept := form.Coef, form.Intercept
	output := PredictionOutput
	switch form.Link {
	case mlkit.LinkIdentity:
	case mlkit.LinkLogistic:
		output = ProbabilityOutput
		coef = [][]float64{make([]float64, nf), form.Coef[0]}
		intercept = []float64{0, form.Intercept[0]}
	case mlkit.LinkSoftmax:
		output = ProbabilityOutput
	default:
		return nil, fmt.Errorf("onnxmodel: export: unknown link %q: %w", form.Link, mlkit.ErrNotExportable)
	}
	k := len(coef)
	// W is features x outputs, row-major: W[j][k] = coef[k][j].
	w := make([]float64, 0, nf*k)
	for j := 0; j < nf; j++ {
		for c := 0; c < k; c++ {
			w = append(w, coef[c][j])
		}
	}
	nodes := []*onnx.NodeProto{
		{Name: "scores", OpType: "MatMul", Input: []string{InputName, "W"}, Output: []string{"XW"}},
	}
	if output == PredictionOutput {
		nodes = append(nodes, &onnx.NodeProto{Name: "intercept", OpType: "Add", Input: []string{"XW", "B"}, Output: []string{output}})
	} else {
		nodes = append(nodes,
			&onnx.NodeProto{Name: "intercept", OpType: "Add", Input: []string{"XW", "B"}, Output: []string{"Z"}},
			&onnx.NodeProto{Name: "softmax", OpType: "Softmax", Input: []string{"Z"}, Output: []string{output},
				Attribute: []*onnx.AttributeProto{{Name: "axis", Type: onnx.AttributeProto_INT, I: 1}}})
	}
	name := opts.Name
	if name == "" {
		name = "mlkit_model"
	}
	graph := &onnx.GraphProto{
		Name: name,
		Node: nodes,
		Initializer: []*onnx.TensorProto{
			{Name: "W", DataType: int32(onnx.TensorProto_DOUBLE), Dims: []int64{int64(nf), int64(k)}, DoubleData: w},
			{Name: "B", DataType: int32(onnx.TensorProto_DOUBLE), Dims: []int64{int64(k)}, DoubleData: slices.Clone(intercept)},
		},
		Input:  []*onnx.ValueInfoProto{doubleTensor(InputName, nf)},
		Output: []*onnx.ValueInfoProto{doubleTensor(output, k)},
	}
	model := &onnx.ModelProto{
		IrVersion:       IRVersion,
		OpsetImport:     []*onnx.OperatorSetIdProto{{Domain: "", Version: Opset}},
		ProducerName:    "mlops-lab",
		ProducerVersion: opts.ProducerVersion,
		DocString:       form.Model + " over " + strings.Join(form.Features, ", "),
		Graph:           graph,
		MetadataProps: []*onnx.StringStringEntryProto{
			{Key: metaFeatures, Value: strings.Join(form.Features, ",")},
		},
	}
	if form.Classes != nil {
		labels := make([]string, len(form.Classes))
		for i, c := range form.Classes {
			labels[i] = strconv.FormatFloat(c, 'g', -1, 64)
		}
		model.MetadataProps = append(model.MetadataProps, &onnx.StringStringEntryProto{Key: metaClasses, Value: strings.Join(labels, ",")})
	}
	if opts.Card != nil {
		card, err := json.Marshal(opts.Card)
		if err != nil {
			return nil, fmt.Errorf("onnxmodel: export: model card: %w", err)
		}
		model.ModelVersion = int64(opts.Card.Version)
		model.MetadataProps = append(model.MetadataProps, &onnx.StringStringEntryProto{Key: metaCard, Value: string(card)})
	}
	data, err := proto.Marshal(model)
	if err != nil {
		return nil, fmt.Errorf("onnxmodel: export: %w", err)
	}
	return data, nil
}

// doubleTensor declares a double tensor [N, cols] with a free batch size.
func doubleTensor(name string, cols int) *onnx.ValueInfoProto {
	return &onnx.ValueInfoProto{
		Name: name,
		Type: &onnx.TypeProto{Value: &onnx.TypeProto_TensorType{TensorType: &onnx.TypeProto_Tensor{
			ElemType: int32(onnx.TensorProto_DOUBLE),
			Shape: &onnx.TensorShapeProto{Dim: []*onnx.TensorShapeProto_Dimension{
				{Value: &onnx.TensorShapeProto_Dimension_DimParam{DimParam: "N"}},
				{Value: &onnx.TensorShapeProto_Dimension_DimValue{DimValue: int64(cols)}},
			}},
		}}},
	}
}

// Model is an ONNX file loaded into the Go ONNX runtime.
type Model struct {
	runtime  *gonnx.Model
	output   string
	Features []string
	// Classes are the class labels of a classifier, in the order of the
	// probability columns; nil for a regressor.
	Classes []float64
	// Card is the model card the file carries, if any.
	Card *mlkit.ModelCard
}

// Load reads a serialized ONNX model with one double input [N, features]
// and one output, as Export writes them (other files with that shape work
// too).
func Load(data []byte) (*Model, error) {
	mp, err := gonnx.ModelProtoFromBytes(data)
	if err != nil {
		return nil, fmt.Errorf("onnxmodel: not an ONNX model: %w", err)
	}
	if mp.Graph == nil {
		return nil, errors.New("onnxmodel: the ONNX model has no graph")
	}
	rt, err := gonnx.NewModel(mp)
	if err != nil {
		return nil, fmt.Errorf("onnxmodel: %w", err)
	}
	if in := rt.InputNames(); len(in) != 1 || in[0] != InputName {
		return nil, fmt.Errorf("onnxmodel: inputs %v, want one named %q", in, InputName)
	}
	outs := rt.OutputNames()
	if len(outs) != 1 {
		return nil, fmt.Errorf("onnxmodel: outputs %v, want one", outs)
	}
	m := &Model{runtime: rt, output: outs[0]}
	for _, p := range mp.GetMetadataProps() {
		switch p.GetKey() {
		case metaFeatures:
			m.Features = strings.Split(p.GetValue(), ",")
		case metaClasses:
			for _, s := range strings.Split(p.GetValue(), ",") {
				c, err := strconv.ParseFloat(s, 64)
				if err != nil {
					return nil, fmt.Errorf("onnxmodel: class label %q in the metadata is not a number", s)
				}
				m.Classes = append(m.Classes, c)
			}
		case metaCard:
			var card mlkit.ModelCard
			if err := json.Unmarshal([]byte(p.GetValue()), &card); err != nil {
				return nil, fmt.Errorf("onnxmodel: the model card in the metadata: %w", err)
			}
			m.Card = &card
		}
	}
	shape := rt.InputShapes()[InputName]
	if len(shape) != 2 || shape[1].IsDynamic {
		return nil, fmt.Errorf("onnxmodel: input %s has shape %v, want [N, features]", InputName, shape)
	}
	if m.Features != nil && len(m.Features) != int(shape[1].Size) {
		return nil, fmt.Errorf("onnxmodel: %d feature names for an input of %d columns", len(m.Features), shape[1].Size)
	}
	if m.Features == nil {
		for j := 0; j < int(shape[1].Size); j++ {
			m.Features = append(m.Features, "x"+strconv.Itoa(j))
		}
	}
	return m, nil
}

// Run scores the rows of X (n x features) and returns the model's output:
// n x 1 predictions of a regressor, n x classes probabilities of a classifier.
func (m *Model) Run(X *mat.Dense) (*mat.Dense, error) {
	r, c := X.Dims()
	if c != len(m.Features) {
		return nil, fmt.Errorf("onnxmodel: X has %d columns, the model reads %d (%s): %w", c, len(m.Features), strings.Join(m.Features, ", "), mlkit.ErrShape)
	}
	backing := make([]float64, 0, r*c)
	for i := 0; i < r; i++ {
		backing = append(backing, X.RawRowView(i)...)
	}
	out, err := m.runtime.Run(gonnx.Tensors{InputName: tensor.New(tensor.WithShape(r, c), tensor.WithBacking(backing))})
	if err != nil {
		return nil, fmt.Errorf("onnxmodel: run: %w", err)
	}
	t := out[m.output]
	if t == nil {
		return nil, fmt.Errorf("onnxmodel: run: no output %q", m.output)
	}
	values, ok := t.Data().([]float64)
	if !ok {
		return nil, fmt.Errorf("onnxmodel: run: output %q holds %T, want float64 values", m.output, t.Data())
	}
	shape := t.Shape()
	if len(shape) != 2 || shape[0] != r {
		return nil, fmt.Errorf("onnxmodel: run: output %q has shape %v for %d rows", m.output, shape, r)
	}
	return mat.NewDense(r, shape[1], slices.Clone(values)), nil
}
