package scoring

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit/onnxmodel"
)

// Formats of an Artifact's weights.
const (
	// FormatMLKit: the model's mlkit JSON (any model LoadModel reads), with
	// an optional scaler.
	FormatMLKit = "mlkit"
	// FormatONNX: an ONNX file as onnxmodel.Export writes it.
	FormatONNX = "onnx"
)

// Artifact is a model as it is published on a models topic: the record's
// key is Card.Name and its value this JSON. A newer record for the same name
// replaces the deployed model, whatever its version number, so a rollback
// is publishing the older artifact again.
type Artifact struct {
	Card   mlkit.ModelCard       `json:"card"`
	Format string                `json:"format"`
	Model  json.RawMessage       `json:"model,omitempty"`  // FormatMLKit
	Scaler *mlkit.StandardScaler `json:"scaler,omitempty"` // FormatMLKit
	ONNX   []byte                `json:"onnx,omitempty"`   // FormatONNX (base64 in JSON)
}

// NewArtifact packs a fitted mlkit model (behind an optional scaler) with
// its card.
func NewArtifact(card mlkit.ModelCard, m mlkit.Model, scaler *mlkit.StandardScaler) (*Artifact, error) {
	if m == nil {
		return nil, errors.New("scoring: artifact: no model")
	}
	card.Model, card.Scaled = m.Type(), scaler != nil
	if err := card.Validate(); err != nil {
		return nil, err
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("scoring: artifact: %w", err)
	}
	return &Artifact{Card: card, Format: FormatMLKit, Model: data, Scaler: scaler}, nil
}

// NewONNXArtifact packs an exported ONNX file with its card.
func NewONNXArtifact(card mlkit.ModelCard, onnx []byte) (*Artifact, error) {
	if err := card.Validate(); err != nil {
		return nil, err
	}
	if _, err := onnxmodel.Load(onnx); err != nil {
		return nil, fmt.Errorf("scoring: artifact: %w", err)
	}
	return &Artifact{Card: card, Format: FormatONNX, ONNX: onnx}, nil
}

// DecodeArtifact reads an artifact from a models-topic record value.
func DecodeArtifact(data []byte) (*Artifact, error) {
	var a Artifact
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("not a model artifact (JSON with card, format and model): %w", err)
	}
	if err := a.Card.Validate(); err != nil {
		return nil, err
	}
	return &a, nil
}

// Build loads the artifact's weights into a Model, and checks that the model
// reads the features its card lists, in that order.
func (a *Artifact) Build() (Model, error) {
	var m Model
	switch a.Format {
	case FormatMLKit:
		model, err := mlkit.LoadModel(a.Model)
		if err != nil {
			return nil, err
		}
		if form, err := mlkit.LinearFormOf(model, a.Scaler, a.Card.Features); err == nil {
			m = FromLinearForm(form)
		} else if errors.Is(err, mlkit.ErrNotExportable) {
			m = FromMLKit(model, a.Scaler, a.Card.Features)
		} else {
			return nil, fmt.Errorf("model %s v%d: %w", a.Card.Name, a.Card.Version, err)
		}
	case FormatONNX:
		om, err := onnxmodel.Load(a.ONNX)
		if err != nil {
			return nil, err
		}
		if !slices.Equal(om.Features, a.Card.Features) {
			return nil, fmt.Errorf("model %s v%d: the ONNX file reads %s, its card lists %s", a.Card.Name, a.Card.Version, strings.Join(om.Features, ","), strings.Join(a.Card.Features, ","))
		}
		m = FromONNX(om)
	case "":
		return nil, fmt.Errorf("model %s v%d: no format (want %q or %q)", a.Card.Name, a.Card.Version, FormatMLKit, FormatONNX)
	default:
		return nil, fmt.Errorf("model %s v%d: unknown format %q (want %q or %q)", a.Card.Name, a.Card.Version, a.Format, FormatMLKit, FormatONNX)
	}
	// A scoring call on a row of zeros catches weights that do not fit the
	// features (a 3-feature model under a 4-feature card) before the model
	// is deployed.
	if _, err := m.Predict(make([]float64, len(a.Card.Features))); err != nil {
		return nil, fmt.Errorf("model %s v%d does not score its own %d features: %w", a.Card.Name, a.Card.Version, len(a.Card.Features), err)
	}
	return m, nil
}

// Marshal writes the artifact as a models-topic record value.
func (a *Artifact) Marshal() ([]byte, error) { return json.Marshal(a) }

// LinearForm returns the weights of an mlkit linear or logistic model over
// its card's features, for the exports (KSQL, PMML, ONNX).
func (a *Artifact) LinearForm() (*mlkit.LinearForm, error) {
	if a.Format != FormatMLKit {
		return nil, fmt.Errorf("model %s v%d is a %s file; only an mlkit model can be exported again", a.Card.Name, a.Card.Version, a.Format)
	}
	model, err := mlkit.LoadModel(a.Model)
	if err != nil {
		return nil, err
	}
	return mlkit.LinearFormOf(model, a.Scaler, a.Card.Features)
}
