package mlkit

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"
)

// PMMLNamespace is the XML namespace of PMML 4.4 documents.
const PMMLNamespace = "http://www.dmg.org/PMML-4_4"

// PMML is the subset of a PMML 4.4 document that a RegressionModel needs:
// the header, the data dictionary and one model. It is written by
// LinearForm.WritePMML and read back by ReadPMML.
type PMML struct {
	XMLName        xml.Name        `xml:"http://www.dmg.org/PMML-4_4 PMML"`
	Version        string          `xml:"version,attr"`
	Header         PMMLHeader      `xml:"Header"`
	DataDictionary PMMLDictionary  `xml:"DataDictionary"`
	Regression     *PMMLRegression `xml:"RegressionModel"`
}

// PMMLHeader names the application that wrote the document.
type PMMLHeader struct {
	Description string          `xml:"description,attr,omitempty"`
	Application PMMLApplication `xml:"Application"`
	Timestamp   string          `xml:"Timestamp,omitempty"`
}

// PMMLApplication is the header's Application element.
type PMMLApplication struct {
	Name    string `xml:"name,attr"`
	Version string `xml:"version,attr,omitempty"`
}

// PMMLDictionary lists every field: the features and the target.
type PMMLDictionary struct {
	NumberOfFields int             `xml:"numberOfFields,attr"`
	Fields         []PMMLDataField `xml:"DataField"`
}

// PMMLDataField is one field of the data dictionary.
type PMMLDataField struct {
	Name     string      `xml:"name,attr"`
	OpType   string      `xml:"optype,attr"`
	DataType string      `xml:"dataType,attr"`
	Values   []PMMLValue `xml:"Value,omitempty"`
}

// PMMLValue is one category of a categorical field.
type PMMLValue struct {
	Value string `xml:"value,attr"`
}

// PMMLRegression is a RegressionModel element.
type PMMLRegression struct {
	ModelName           string             `xml:"modelName,attr,omitempty"`
	FunctionName        string             `xml:"functionName,attr"`
	NormalizationMethod string             `xml:"normalizationMethod,attr"`
	MiningSchema        []PMMLMiningField  `xml:"MiningSchema>MiningField"`
	Tables              []PMMLRegressTable `xml:"RegressionTable"`
}

// PMMLMiningField is a field the model uses; the target has usageType "target".
type PMMLMiningField struct {
	Name      string `xml:"name,attr"`
	UsageType string `xml:"usageType,attr,omitempty"`
}

// PMMLRegressTable is one linear score: an intercept and a coefficient per
// feature; classifiers have one per category.
type PMMLRegressTable struct {
	Intercept      float64                `xml:"intercept,attr"`
	TargetCategory string                 `xml:"targetCategory,attr,omitempty"`
	Predictors     []PMMLNumericPredictor `xml:"NumericPredictor"`
}

// PMMLNumericPredictor is coefficient * field.
type PMMLNumericPredictor struct {
	Name        string  `xml:"name,attr"`
	Coefficient float64 `xml:"coefficient,attr"`
}

// PMMLOptions are the details of a PMML document that the model does not know.
type PMMLOptions struct {
	// Target names the label field; "target" when empty.
	Target string
	// ModelName is written as the model's name.
	ModelName string
	// Version is the writing application's version.
	Version string
	// Created is the header's timestamp; none when zero.
	Created time.Time
}

// PMML returns the model as a PMML 4.4 RegressionModel: a regressor with
// normalizationMethod "none", a binary logistic regression with two tables
// (the positive class's, then a zero table for the other class) and "logit",
// a multinomial one with a table per class and "softmax".
func (f *LinearForm) PMML(opts PMMLOptions) (*PMML, error) {
	target := opts.Target
	if target == "" {
		target = "target"
	}
	if slices.Contains(f.Features, target) {
		return nil, fmt.Errorf("mlkit: PMML export: the target %q is also a feature name", target)
	}
	doc := &PMML{
		Version: "4.4",
		Header: PMMLHeader{
			Description: f.Model + " exported by mlops-lab",
			Application: PMMLApplication{Name: "mlops-lab", Version: opts.Version},
		},
	}
	if !opts.Created.IsZero() {
		doc.Header.Timestamp = opts.Created.UTC().Format(time.RFC3339)
	}
	model := &PMMLRegression{ModelName: opts.ModelName, NormalizationMethod: "none", FunctionName: "regression"}
	for _, name := range f.Features {
		doc.DataDictionary.Fields = append(doc.DataDictionary.Fields, PMMLDataField{Name: name, OpType: "continuous", DataType: "double"})
		model.MiningSchema = append(model.MiningSchema, PMMLMiningField{Name: name})
	}
	targetField := PMMLDataField{Name: target, OpType: "continuous", DataType: "double"}
	table := func(k int, category string) PMMLRegressTable {
		t := PMMLRegressTable{Intercept: f.Intercept[k], TargetCategory: category}
		for j, w := range f.Coef[k] {
			t.Predictors = append(t.Predictors, PMMLNumericPredictor{Name: f.Features[j], Coefficient: w})
		}
		return t
	}
	switch f.Link {
	case LinkIdentity:
		model.Tables = []PMMLRegressTable{table(0, "")}
	case LinkLogistic, LinkSoftmax:
		model.FunctionName = "classification"
		targetField.OpType, targetField.DataType = "categorical", "string"
		for _, c := range f.Classes {
			targetField.Values = append(targetField.Values, PMMLValue{Value: classLabel(c)})
		}
		if f.Link == LinkLogistic {
			model.NormalizationMethod = "logit"
			model.Tables = []PMMLRegressTable{
				table(0, classLabel(f.Classes[1])),
				{Intercept: 0, TargetCategory: classLabel(f.Classes[0])},
			}
		} else {
			model.NormalizationMethod = "softmax"
			for k, c := range f.Classes {
				model.Tables = append(model.Tables, table(k, classLabel(c)))
			}
		}
	default:
		return nil, fmt.Errorf("mlkit: PMML export: unknown link %q: %w", f.Link, ErrNotExportable)
	}
	doc.DataDictionary.Fields = append(doc.DataDictionary.Fields, targetField)
	doc.DataDictionary.NumberOfFields = len(doc.DataDictionary.Fields)
	model.MiningSchema = append(model.MiningSchema, PMMLMiningField{Name: target, UsageType: "target"})
	doc.Regression = model
	return doc, nil
}

// WritePMML writes the model as an indented PMML 4.4 document.
func (f *LinearForm) WritePMML(w io.Writer, opts PMMLOptions) error {
	doc, err := f.PMML(opts)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("mlkit: PMML export: %w", err)
	}
	_, err = io.WriteString(w, "\n")
	return err
}

// ReadPMML reads a PMML 4.4 document holding a RegressionModel back into a
// LinearForm (with its target's name), so that an exported file can be
// checked and scored.
func ReadPMML(r io.Reader) (*LinearForm, string, error) {
	var doc PMML
	if err := xml.NewDecoder(r).Decode(&doc); err != nil {
		return nil, "", fmt.Errorf("mlkit: read PMML: %w", err)
	}
	if doc.Version != "4.4" {
		return nil, "", fmt.Errorf("mlkit: read PMML: version %q, want 4.4", doc.Version)
	}
	m := doc.Regression
	if m == nil || len(m.Tables) == 0 {
		return nil, "", fmt.Errorf("mlkit: read PMML: no RegressionModel with a RegressionTable")
	}
	var target string
	var features []string
	for _, mf := range m.MiningSchema {
		if mf.UsageType == "target" || mf.UsageType == "predicted" {
			target = mf.Name
		} else if mf.UsageType == "" || mf.UsageType == "active" {
			features = append(features, mf.Name)
		}
	}
	if target == "" {
		return nil, "", fmt.Errorf("mlkit: read PMML: the mining schema names no target field")
	}
	f := &LinearForm{Model: "pmml_regression", Features: features}
	row := func(t PMMLRegressTable) ([]float64, error) {
		w := make([]float64, len(features))
		for _, p := range t.Predictors {
			j := slices.Index(features, p.Name)
			if j < 0 {
				return nil, fmt.Errorf("mlkit: read PMML: predictor %q is not an active mining field", p.Name)
			}
			w[j] = p.Coefficient
		}
		return w, nil
	}
	categories := func() ([]float64, error) {
		out := make([]float64, len(m.Tables))
		for i, t := range m.Tables {
			v, err := strconv.ParseFloat(t.TargetCategory, 64)
			if err != nil {
				return nil, fmt.Errorf("mlkit: read PMML: target category %q is not a number", t.TargetCategory)
			}
			out[i] = v
		}
		return out, nil
	}
	switch {
	case m.FunctionName == "regression" && m.NormalizationMethod == "none" && len(m.Tables) == 1:
		w, err := row(m.Tables[0])
		if err != nil {
			return nil, "", err
		}
		f.Link, f.Coef, f.Intercept = LinkIdentity, [][]float64{w}, []float64{m.Tables[0].Intercept}
	case m.FunctionName == "classification" && m.NormalizationMethod == "logit" && len(m.Tables) == 2:
		w, err := row(m.Tables[0])
		if err != nil {
			return nil, "", err
		}
		cats, err := categories()
		if err != nil {
			return nil, "", err
		}
		// With logit, P(first category) = 1/(1+exp(-y1)) and the other
		// category gets the rest: the second table is not used.
		f.Link, f.Coef, f.Intercept = LinkLogistic, [][]float64{w}, []float64{m.Tables[0].Intercept}
		f.Classes = []float64{cats[1], cats[0]}
	case m.FunctionName == "classification" && m.NormalizationMethod == "softmax":
		cats, err := categories()
		if err != nil {
			return nil, "", err
		}
		f.Link, f.Classes = LinkSoftmax, cats
		for _, t := range m.Tables {
			w, err := row(t)
			if err != nil {
				return nil, "", err
			}
			f.Coef, f.Intercept = append(f.Coef, w), append(f.Intercept, t.Intercept)
		}
	default:
		return nil, "", fmt.Errorf("mlkit: read PMML: a %s RegressionModel with normalizationMethod %q and %d tables is not supported", m.FunctionName, m.NormalizationMethod, len(m.Tables))
	}
	return f, target, nil
}

// classLabel writes a numeric class label the shortest way (0, 1, 2.5).
func classLabel(c float64) string {
	if c == math.Trunc(c) && math.Abs(c) < 1e15 {
		return strconv.FormatInt(int64(c), 10)
	}
	return strconv.FormatFloat(c, 'g', -1, 64)
}
