package start

import (
	"context"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/datagen"
)

// runLabGenerator runs one of a lab's data generators until ctx ends (or
// until it has sent the lab's count).
func runLabGenerator(ctx context.Context, bootstrap string, g labs.Generator) error {
	gen, err := datagen.New(g.Name, datagen.Options{Seed: uint64(time.Now().UnixNano())})
	if err != nil {
		return err
	}
	_, err = datagen.Run(ctx, bootstrap, g.Topic, gen, datagen.RunOptions{Rate: g.Rate, Count: g.Count})
	return err
}
