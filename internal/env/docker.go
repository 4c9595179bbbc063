package env

import (
	"context"
	"errors"
)

func startDocker(ctx context.Context, spec Spec) (Environment, error) {
	return nil, errors.New("the docker runtime is not available yet: use --runtime embedded")
}
