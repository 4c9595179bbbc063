package ksqlkafka_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlkafka"
)

// persistentIDs lists the ids of the running persistent queries, sorted.
func persistentIDs(rt *ksqlkafka.Runtime) []string {
	var ids []string
	for _, q := range rt.Engine().Queries() {
		if q.Persistent && !strings.HasPrefix(q.ID, "MATERIALIZE_") {
			ids = append(ids, q.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func idNumber(t *testing.T, id string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(id[strings.LastIndexByte(id, '_')+1:], 10, 64)
	if err != nil {
		t.Fatalf("query id %s has no number", id)
	}
	return n
}

// createdID returns the id of the query a statement created.
func createdID(t *testing.T, rt *ksqlkafka.Runtime, sql string) string {
	t.Helper()
	ents, err := rt.Execute(context.Background(), sql, nil)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	cs, ok := ents[len(ents)-1].(*engine.CurrentStatus)
	if !ok || cs.CommandStatus.QueryID == "" {
		t.Fatalf("%s: no query created: %#v", sql, ents)
	}
	return cs.CommandStatus.QueryID
}

// TestQueryIDsSurviveRestart: a restarted runtime gives persistent
// queries the ids they had (so TERMINATE with an id seen before the
// restart works), and queries created afterwards get new numbers.
func TestQueryIDsSurviveRestart(t *testing.T) {
	ctx := context.Background()
	br, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	open := func() *ksqlkafka.Runtime {
		t.Helper()
		rt, err := ksqlkafka.Open(ctx, ksqlkafka.Options{Bootstrap: br.Addr(), Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		return rt
	}

	rt := open()
	if _, err := rt.Execute(ctx, `CREATE STREAM ev (id VARCHAR KEY, v INT) WITH (kafka_topic='ev', value_format='JSON', partitions=2);`, nil); err != nil {
		t.Fatal(err)
	}
	evout := createdID(t, rt, `CREATE STREAM evout AS SELECT id, v FROM ev;`)
	first := createdID(t, rt, `CREATE STREAM evfirst AS SELECT id, v FROM ev WHERE v > 0;`)
	if _, err := rt.Execute(ctx, "TERMINATE "+first+"; DROP STREAM evfirst;", nil); err != nil {
		t.Fatal(err)
	}
	counts := createdID(t, rt, `CREATE TABLE evcount AS SELECT id, COUNT(*) AS n FROM ev GROUP BY id;`)
	before := persistentIDs(rt)
	rt.Close()

	used := []string{evout, first, counts}
	for restart := 1; restart <= 3; restart++ {
		rt = open()
		if got := persistentIDs(rt); !slices.Equal(got, before) {
			rt.Close()
			t.Fatalf("restart %d: query ids %v, want %v as before the restart", restart, got, before)
		}
		// A new query after the restart takes a number never used.
		id := createdID(t, rt, `CREATE STREAM evnew`+strconv.Itoa(restart)+` AS SELECT id, v FROM ev;`)
		for _, old := range used {
			if idNumber(t, id) <= idNumber(t, old) {
				t.Errorf("restart %d: new query %s numbered at or below %s", restart, id, old)
			}
		}
		used = append(used, id)
		before = persistentIDs(rt)
		rt.Close()
	}

	// TERMINATE with the id from the first run works after the restarts.
	rt = open()
	defer rt.Close()
	if _, err := rt.Execute(ctx, "TERMINATE "+evout+";", nil); err != nil {
		t.Fatalf("TERMINATE %s after restarts: %v", evout, err)
	}
	if slices.Contains(persistentIDs(rt), evout) {
		t.Errorf("%s still runs after TERMINATE", evout)
	}
}
