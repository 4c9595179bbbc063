// Command gencharts draws the charts of the course's slides from the
// course's own data sets, with the project's plotting code (pkg/charts
// on gonum/plot), into slides/img. Run it through `go generate
// ./internal/slides/`; the output is committed so the binary embeds it.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/mat"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/mlops-lab/mlops-lab/datasets"
	"github.com/mlops-lab/mlops-lab/pkg/charts"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func main() {
	out := flag.String("out", "slides/img", "folder to write the charts into")
	flag.Parse()
	charts := []struct {
		file string
		draw func() (*gplot.Plot, error)
	}{
		{"knn-overfitting.png", knnOverfitting},
		{"diabetes-fit.png", diabetesFit},
		{"sgd-prequential.png", sgdPrequential},
	}
	for _, c := range charts {
		p, err := c.draw()
		if err != nil {
			fmt.Fprintf(os.Stderr, "gencharts: %s: %v\n", c.file, err)
			os.Exit(1)
		}
		if err := save(filepath.Join(*out, c.file), p); err != nil {
			fmt.Fprintf(os.Stderr, "gencharts: %v\n", err)
			os.Exit(1)
		}
	}
}

// save writes a wide chart that fits a 16:9 slide.
func save(path string, p *gplot.Plot) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := charts.WritePNG(f, p, 8*vg.Inch, 4.5*vg.Inch); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func load(name, label string) (*mlkit.Dataset, error) {
	return mlkit.LoadCSVFS(datasets.FS, name, mlkit.LoadOptions{Label: label})
}

// knnOverfitting: KNN's accuracy on its own training rows and on held-out
// rows of breast_cancer as K grows. K = 1 is perfect on the training rows
// (each row is its own nearest neighbour) and not the best on new rows.
func knnOverfitting() (*gplot.Plot, error) {
	d, err := load("breast_cancer.csv", "benign")
	if err != nil {
		return nil, err
	}
	s, err := mlkit.StratifiedSplit(d, 0.3, 7)
	if err != nil {
		return nil, err
	}
	var sc mlkit.StandardScaler
	xTrain, err := sc.FitTransform(s.Train.X)
	if err != nil {
		return nil, err
	}
	xTest, err := sc.Transform(s.Test.X)
	if err != nil {
		return nil, err
	}
	var train, test plotter.XYs
	for k := 1; k <= 40; k++ {
		m := mlkit.NewKNN(k, mlkit.Euclidean, mlkit.Uniform)
		if err := m.Fit(xTrain, s.Train.Y); err != nil {
			return nil, err
		}
		a, err := accuracy(m, xTrain, s.Train.Y)
		if err != nil {
			return nil, err
		}
		b, err := accuracy(m, xTest, s.Test.Y)
		if err != nil {
			return nil, err
		}
		train = append(train, plotter.XY{X: float64(k), Y: a})
		test = append(test, plotter.XY{X: float64(k), Y: b})
	}
	p := gplot.New()
	p.Title.Text = "KNN on breast_cancer (standardized): training vs held-out accuracy"
	p.X.Label.Text = "K (neighbours that vote)"
	p.Y.Label.Text = "accuracy"
	p.Y.Min, p.Y.Max = 0.9, 1.0
	lt, err := plotter.NewLine(train)
	if err != nil {
		return nil, err
	}
	lt.Color = plotutil.Color(0)
	lt.Width = vg.Points(2)
	lh, err := plotter.NewLine(test)
	if err != nil {
		return nil, err
	}
	lh.Color = plotutil.Color(1)
	lh.Width = vg.Points(2)
	p.Add(plotter.NewGrid(), lt, lh)
	p.Legend.Add("on the training rows", lt)
	p.Legend.Add("on held-out rows (30%, stratified)", lh)
	p.Legend.Top = false
	return p, nil
}

func accuracy(m mlkit.Model, X mat.Matrix, y []float64) (float64, error) {
	pred, err := m.Predict(X)
	if err != nil {
		return 0, err
	}
	return mlkit.Accuracy(y, pred)
}

// diabetesFit: least squares on diabetes, predictions against the truth on
// held-out rows.
func diabetesFit() (*gplot.Plot, error) {
	d, err := load("diabetes.csv", "progression")
	if err != nil {
		return nil, err
	}
	s, err := mlkit.TrainTestSplit(d, 0.25, 7)
	if err != nil {
		return nil, err
	}
	m := &mlkit.LinearRegression{}
	if err := m.Fit(s.Train.X, s.Train.Y); err != nil {
		return nil, err
	}
	pred, err := m.Predict(s.Test.X)
	if err != nil {
		return nil, err
	}
	return charts.PredictedVsActual(s.Test.Y, pred, "Linear regression on diabetes: 111 held-out patients")
}

// sgdPrequential: an SGD logistic regression learning breast_cancer one row
// at a time, tested on each row before it learns it.
func sgdPrequential() (*gplot.Plot, error) {
	d, err := load("breast_cancer.csv", "benign")
	if err != nil {
		return nil, err
	}
	m := &mlkit.SGDClassifier{Standardize: true}
	pq := mlkit.Prequential{Window: 50}
	var points []mlkit.PrequentialPoint
	row := make([]float64, d.Cols())
	for _, i := range mlkit.Permutation(d.Rows(), 1) {
		mat.Row(row, i, d.X)
		if m.Count() > 0 {
			pred, err := m.Predict(row)
			if err != nil {
				return nil, err
			}
			points = append(points, pq.Add(pred, d.Y[i]))
		}
		if err := m.Learn(row, d.Y[i]); err != nil {
			return nil, err
		}
	}
	return charts.AccuracyOverTime(points, 50, "SGD logistic regression on breast_cancer, test then train")
}
