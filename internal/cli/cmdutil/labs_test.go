package cmdutil

import (
	"context"
	"errors"
	"testing"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/pkg/labcontract"
)

func TestFindLabAndFindLabs(t *testing.T) {
	all := mustCatalogue(t).Labs()
	if len(all) < 2 {
		t.Fatalf("the catalogue has %d labs, want at least 2", len(all))
	}
	cat, lab, err := FindLab(all[1].ID)
	if err != nil || lab.ID != all[1].ID || cat == nil {
		t.Fatalf("FindLab(%q) = %v, %v, %v", all[1].ID, cat, lab, err)
	}
	if _, _, err := FindLab("no-such-lab"); err == nil {
		t.Error("FindLab(no-such-lab) did not fail")
	}
	got, err := FindLabs(cat, []string{all[1].ID, all[0].ID})
	if err != nil || len(got) != 2 || got[0].ID != all[1].ID || got[1].ID != all[0].ID {
		t.Fatalf("FindLabs kept neither the labs nor their order: %v, %v", got, err)
	}
	if _, err := FindLabs(cat, []string{all[0].ID, "no-such-lab"}); err == nil {
		t.Error("FindLabs with an unknown name did not fail")
	}
}

func TestLabTestEnv(t *testing.T) {
	var kafkaLab *labs.Lab
	for _, l := range mustCatalogue(t).Labs() {
		if l.NeedsKafka() {
			kafkaLab = l
			break
		}
	}
	if kafkaLab == nil {
		t.Skip("no lab needs Kafka")
	}
	calls, closed := 0, 0
	connect := func(_ context.Context, _ *EnvFlags, needs env.Needs) (env.Environment, error) {
		calls++
		if !needs.Kafka {
			t.Errorf("connect was asked for %+v, want Kafka", needs)
		}
		return closeCounter{env.Attach(env.Record{Bootstrap: "127.0.0.1:1234", KsqlURL: "http://127.0.0.1:8088"}), &closed}, nil
	}
	vars, done, err := LabTestEnv(context.Background(), connect, &EnvFlags{}, nil)
	if err != nil || len(vars) != 0 || calls != 0 {
		t.Fatalf("no labs: vars %v, err %v, %d connects; want none", vars, err, calls)
	}
	done()
	vars, done, err = LabTestEnv(context.Background(), connect, &EnvFlags{}, []*labs.Lab{kafkaLab})
	if err != nil {
		t.Fatal(err)
	}
	if vars[labcontract.EnvBootstrap] != "127.0.0.1:1234" || vars[labcontract.EnvKsqlURL] != "http://127.0.0.1:8088" || calls != 1 {
		t.Fatalf("vars %v after %d connects", vars, calls)
	}
	done()
	if closed != 1 {
		t.Errorf("the environment was closed %d times, want 1", closed)
	}
	failing := func(context.Context, *EnvFlags, env.Needs) (env.Environment, error) {
		return nil, errors.New("no broker")
	}
	if _, _, err := LabTestEnv(context.Background(), failing, &EnvFlags{}, []*labs.Lab{kafkaLab}); err == nil {
		t.Error("a failing connect was not reported")
	}
}

type closeCounter struct {
	env.Environment
	n *int
}

func (c closeCounter) Close(ctx context.Context) error { *c.n++; return c.Environment.Close(ctx) }

func mustCatalogue(t *testing.T) *labs.Catalogue {
	t.Helper()
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func TestRunE(t *testing.T) {
	type options struct{ prepared, ran, faked int }
	opts := &options{}
	run := func(o *options) error { o.ran++; return nil }
	fake := func(o *options) error { o.faked++; return nil }
	prepare := func(*cobra.Command, []string) error { opts.prepared++; return nil }
	if err := RunE(opts, prepare, nil, run)(&cobra.Command{}, nil); err != nil || opts.prepared != 1 || opts.ran != 1 {
		t.Fatalf("without runF: err %v, %+v", err, opts)
	}
	if err := RunE(opts, nil, fake, run)(&cobra.Command{}, nil); err != nil || opts.faked != 1 || opts.ran != 1 {
		t.Fatalf("with runF: err %v, %+v", err, opts)
	}
	bad := func(*cobra.Command, []string) error { return errors.New("--x is wrong") }
	if err := RunE(opts, bad, fake, run)(&cobra.Command{}, nil); err == nil || err.Error() != "--x is wrong" || opts.faked != 1 || opts.ran != 1 {
		t.Fatalf("a failing prepare: err %v, %+v; want its error and nothing run", err, opts)
	}
}

func TestLabArgs(t *testing.T) {
	var lab, second string
	if err := LabArgs(&lab, &second)(nil, []string{"lab3"}); err != nil || lab != "lab3" || second != "" {
		t.Fatalf("one argument: %q %q %v", lab, second, err)
	}
	if err := LabArgs(&lab, &second)(nil, []string{"lab1", "2"}); err != nil || lab != "lab1" || second != "2" {
		t.Fatalf("two arguments: %q %q %v", lab, second, err)
	}
	if err := LabArgs(&lab, nil)(nil, []string{"lab4", "x"}); err != nil || lab != "lab4" {
		t.Fatalf("no second wanted: %q %v", lab, err)
	}
}
