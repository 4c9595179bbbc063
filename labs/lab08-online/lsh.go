package lab08

import (
	"errors"

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
// settings above (mlkit.NewLSHKNN), Examples wrapping it (mlkit.NewKeyed),
// scored over AccuracyWindow records.
func NewDigitStream(d *mlkit.Dataset) (*DigitStream, error) {
	// TODO(exercise 6)
	return nil, errors.New("TODO(exercise 6): NewDigitStream is not written yet")
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
	// TODO(exercise 6)
	return nil, errors.New("TODO(exercise 6): DigitStream.Transform is not written yet")
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

// Report returns the accuracy and the saving so far: Score's counts, the
// index's Candidates, and BruteForce.
func (s *DigitStream) Report() Report {
	// TODO(exercise 6)
	panic("TODO(exercise 6): DigitStream.Report is not written yet")
}
