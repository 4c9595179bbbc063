package main

import (
	"context"

	"github.com/mlops-lab/mlops-lab/internal/labs"
)

// runLabGenerator runs one of a lab's data generators until ctx ends.
func runLabGenerator(ctx context.Context, bootstrap string, g labs.Generator) error {
	<-ctx.Done()
	return nil
}
