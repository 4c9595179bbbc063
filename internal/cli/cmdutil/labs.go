package cmdutil

import (
	"context"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/pkg/labcontract"
)

// FindLab returns the catalogue this binary carries and the lab the learner
// named in it: hint, solution, reset, instructions and start all begin so.
func FindLab(name string) (*labs.Catalogue, *labs.Lab, error) {
	cat, err := labs.Default()
	if err != nil {
		return nil, nil, err
	}
	lab, err := cat.Find(name)
	if err != nil {
		return nil, nil, err
	}
	return cat, lab, nil
}

// FindLabs returns the labs of cat the learner named, in that order; the
// first name that is no lab is the error.
func FindLabs(cat *labs.Catalogue, names []string) ([]*labs.Lab, error) {
	var selected []*labs.Lab
	for _, name := range names {
		l, err := cat.Find(name)
		if err != nil {
			return nil, err
		}
		selected = append(selected, l)
	}
	return selected, nil
}

// ConnectFunc finds or starts the Kafka (and ksqlDB) a command needs, like
// Factory.Connect.
type ConnectFunc func(context.Context, *EnvFlags, env.Needs) (env.Environment, error)

// LabTestEnv connects, when any of the labs needs Kafka or ksqlDB, to the
// environment their grading tests run against, and returns the variables
// that point the tests at it (empty when no lab needs one) and a function
// that closes the connection when grading is done.
func LabTestEnv(ctx context.Context, connect ConnectFunc, flags *EnvFlags, selected []*labs.Lab) (map[string]string, func(), error) {
	var needs env.Needs
	for _, l := range selected {
		needs.Kafka = needs.Kafka || l.NeedsKafka()
		needs.KSQL = needs.KSQL || l.NeedsKSQL()
	}
	testEnv := map[string]string{}
	if !needs.Kafka && !needs.KSQL {
		return testEnv, func() {}, nil
	}
	e, err := connect(ctx, flags, needs)
	if err != nil {
		return nil, nil, err
	}
	testEnv[labcontract.EnvBootstrap] = e.Bootstrap()
	if e.KsqlURL() != "" {
		testEnv[labcontract.EnvKsqlURL] = e.KsqlURL()
	}
	return testEnv, func() { e.Close(context.Background()) }, nil
}
