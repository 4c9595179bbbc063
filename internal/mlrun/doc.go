// Package mlrun runs the jobs of `mlops-lab ml` over the model library
// (pkg/mlkit), the scoring service (pkg/scoring) and the online learner
// (pkg/streamlearn): split a data set, train and predict, train a model into
// an artifact, export it, publish it, serve it, and learn from a topic.
//
// Each job takes a spec and returns a typed result whose JSON form is the
// command's --format json output and whose WriteText method writes the text
// form. Error messages name the command's flags where the user gave the value,
// so the command returns them as they are.
package mlrun
