//go:build solution

package lab02

import (
	"context"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// Exercise 5: surviving a restart without counting twice.

// CountUnitsOnce is CountUnits made safe to repeat. After a crash the
// processor reads again every order since the last committed offset, while
// the changelog already holds the totals those orders produced: counting
// them again would count them twice.
//
// Contract: like CountUnits, and in addition
//   - an order the state's total has already counted (its Counted positions
//     cover it) changes nothing.
//   - every order counted advances the total's Counted positions, in the
//     same Put, so the total and what it has counted travel together.
func CountUnitsOnce(in stream.Record, table *stream.Table) ([]stream.Record, error) {
	o, total, err := orderAndTotal(in, table)
	if err != nil {
		return nil, err
	}
	if total.Counted.Covers(in) {
		// Counted before the restart: the changelog already has it.
		return nil, nil
	}
	total = AddOrder(total, o)
	// One Put carries the new total and how far it has counted: there is no
	// moment at which one is stored and the other is not.
	total.Counted.Advance(in)
	return nil, putTotal(table, total)
}

// RunTotals runs the totals processor until ctx ends, then returns nil (an
// error only when it cannot run). It reads the orders topic s.Orders as
// consumer group s.Group, counts with CountUnitsOnce into a table whose
// changelog is s.Totals, and reports skipped records to s.OnSkip.
//
// Run it again and it continues: the processor restores the table from the
// changelog and resumes the input from the group's committed offsets.
func RunTotals(ctx context.Context, s Settings) error {
	return stream.Run(ctx, stream.Config{
		Bootstrap: s.Bootstrap,
		// The same group every time: its committed offsets are where a
		// restart resumes.
		Group:          s.Group,
		Inputs:         []string{s.Orders},
		Changelog:      s.Totals,
		TableTransform: CountUnitsOnce,
		OnSkip:         s.OnSkip,
	})
}
