package mlkit

import (
	"errors"
	"fmt"
	"slices"
)

// ErrUnknownKey is returned by Keyed.Delete for a key that holds no record.
var ErrUnknownKey = errors.New("no live record has this key")

// Keyed keeps an Online model equal to a batch fit over the live records of
// a keyed stream (a compacted topic, a table): a record with a new key is
// learned; a record with a key seen before replaces it (the old values are
// forgotten, the new ones learned); a tombstone deletes it (forgotten).
type Keyed struct {
	Model Online
	live  map[string]keyedRow
}

type keyedRow struct {
	X []float64
	Y float64
}

// NewKeyed wraps a model.
func NewKeyed(m Online) *Keyed { return &Keyed{Model: m, live: map[string]keyedRow{}} }

// Upsert applies a record: learn it, replacing the key's earlier record.
// On an error the model and the live set are as they were.
func (k *Keyed) Upsert(key string, x []float64, y float64) error {
	old, had := k.live[key]
	if had {
		if err := k.Model.Forget(old.X, old.Y); err != nil {
			return fmt.Errorf("key %q: %w", key, err)
		}
	}
	if err := k.Model.Learn(x, y); err != nil {
		if had {
			// Put the old record back: a bad update must not delete.
			if rerr := k.Model.Learn(old.X, old.Y); rerr != nil {
				return errors.Join(fmt.Errorf("key %q: %w", key, err), rerr)
			}
		}
		return fmt.Errorf("key %q: %w", key, err)
	}
	k.live[key] = keyedRow{X: slices.Clone(x), Y: y}
	return nil
}

// Delete forgets the key's record (a tombstone). A key with no live record
// is ErrUnknownKey: a duplicate delete, or a delete of something never seen.
func (k *Keyed) Delete(key string) error {
	old, had := k.live[key]
	if !had {
		return fmt.Errorf("key %q: %w", key, ErrUnknownKey)
	}
	if err := k.Model.Forget(old.X, old.Y); err != nil {
		return fmt.Errorf("key %q: %w", key, err)
	}
	delete(k.live, key)
	return nil
}

// Live is the number of live records.
func (k *Keyed) Live() int { return len(k.live) }

// Rows returns the live records, in key order: what a batch fit would see.
func (k *Keyed) Rows() (keys []string, X [][]float64, y []float64) {
	for key := range k.live {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	for _, key := range keys {
		X = append(X, k.live[key].X)
		y = append(y, k.live[key].Y)
	}
	return keys, X, y
}
