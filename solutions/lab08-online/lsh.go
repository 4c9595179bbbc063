//go:build solution

package lab08

import (
	"encoding/json"
	"fmt"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// Exercise 6: nearest neighbours over a stream with LSH.

// The LSH settings for digits (64 pixels of 0 to 16): 3 neighbours, 12
// tables of 4 hashes, slots 32 wide, seed 1. See the README for how they
// trade accuracy against speed.
const (
	LSHNeighbours = 3
	LSHTables     = 12
	LSHHashes     = 4
	LSHWidth      = 32.0
	LSHSeed       = 1
)

// DigitStream classifies each image of a stream against the images seen
// before it, then keeps it as an example; a tombstone deletes the image
// of its key from the examples.
type DigitStream struct {
	Data *mlkit.Dataset
	// Index is the LSH nearest-neighbour index; Examples keeps it equal to
	// the live records of the stream (updates replace, tombstones delete).
	Index    *mlkit.LSHKNN
	Examples *mlkit.Keyed
	// Score is the prequential accuracy of the predictions.
	Score mlkit.Prequential
	// BruteForce is how many distances brute force would have computed for
	// the same predictions: the number of live examples at each one.
	BruteForce int
}

// NewDigitStream returns a DigitStream over an empty index with the LSH
// settings above, scored over AccuracyWindow records.
func NewDigitStream(d *mlkit.Dataset) (*DigitStream, error) {
	index, err := mlkit.NewLSHKNN(len(d.Features), LSHNeighbours, LSHTables, LSHHashes, LSHWidth, LSHSeed)
	if err != nil {
		return nil, err
	}
	return &DigitStream{Data: d, Index: index, Examples: mlkit.NewKeyed(index), Score: mlkit.Prequential{Window: AccuracyWindow}}, nil
}

// Transform is a stream.TransformFunc:
//   - a tombstone deletes its key's example (Examples.Delete; an unknown
//     key is an error wrapping mlkit.ErrUnknownKey) and returns nothing.
//   - an image (DecodeRow) is first predicted, when there is at least one
//     example, with the prediction scored, BruteForce increased by the
//     examples live then, and one AccuracyRecord returned (the input's
//     key, no Topic); then it is learned under its key (Examples.Upsert,
//     which replaces the key's earlier image).
//   - a value that is not an image: an error, and nothing changes.
func (s *DigitStream) Transform(in stream.Record) ([]stream.Record, error) {
	key := string(in.Key)
	if in.IsTombstone() {
		// Deleting is what keeps "forget me" honest: the image no longer
		// votes for anybody's neighbours.
		return nil, s.Examples.Delete(key)
	}
	x, y, err := DecodeRow(s.Data, in.Value)
	if err != nil {
		return nil, fmt.Errorf("image %q: %w", key, err)
	}
	var out []stream.Record
	if s.Examples.Live() > 0 {
		pred, err := s.Index.Predict(x)
		if err != nil {
			return nil, err
		}
		s.BruteForce += s.Examples.Live()
		pt := s.Score.Add(pred, y)
		value, err := json.Marshal(AccuracyRecord{Seen: pt.Seen, Predicted: pred, Actual: y, Accuracy: pt.Accuracy, WindowAccuracy: pt.WindowAccuracy})
		if err != nil {
			return nil, err
		}
		out = append(out, stream.Record{Key: in.Key, Value: value})
	}
	// Learn after predicting: test, then train.
	if err := s.Examples.Upsert(key, x, y); err != nil {
		return nil, err
	}
	return out, nil
}

// Report is what the stream has shown so far.
type Report struct {
	Queries  int     // images predicted
	Accuracy float64 // share predicted right
	// Distances computed by LSH, and by brute force for the same queries.
	LSHDistances, BruteForceDistances int
	// SpeedUp is BruteForceDistances / LSHDistances (0 before any query).
	SpeedUp float64
}

// Report returns the accuracy and the saving so far.
func (s *DigitStream) Report() Report {
	r := Report{Queries: s.Score.Seen, LSHDistances: s.Index.Candidates, BruteForceDistances: s.BruteForce}
	if s.Score.Seen > 0 {
		r.Accuracy = float64(s.Score.Correct) / float64(s.Score.Seen)
	}
	if r.LSHDistances > 0 {
		r.SpeedUp = float64(r.BruteForceDistances) / float64(r.LSHDistances)
	}
	return r
}
