package ksqlserver_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlkafka"
)

// A persistent query reads from "latest" unless auto.offset.reset says
// "earliest", as in ksqlDB.
func TestPersistentQueryOffsetReset(t *testing.T) {
	s := start(t, "")
	s.exec(t, `CREATE STREAM osrc (id VARCHAR KEY, v INT) WITH (kafka_topic='osrc', value_format='JSON', partitions=1);`)
	s.produce(t, "osrc", "a", `{"V":1}`, "a", `{"V":2}`)
	s.exec(t, `CREATE STREAM olatest AS SELECT id, v FROM osrc;`)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if _, err := s.c.Execute(ctx, `CREATE STREAM oearliest AS SELECT id, v FROM osrc;`, map[string]any{"auto.offset.reset": "earliest"}); err != nil {
		t.Fatal(err)
	}
	s.produce(t, "osrc", "a", `{"V":3}`)
	if got := s.consumeAll(t, "OEARLIEST", 3); fmt.Sprint(got) != `[{"V":1} {"V":2} {"V":3}]` {
		t.Errorf("OEARLIEST = %v", got)
	}
	if got := s.consumeAll(t, "OLATEST", 1); fmt.Sprint(got) != `[{"V":3}]` {
		t.Errorf("OLATEST = %v", got)
	}
}

// A query started at "latest" resumes from its committed start after a
// restart (records produced while the server was down are processed)
// and rebuilds its state only from the records it had processed.
func TestLatestQueryRestart(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dir)
	s.exec(t, `CREATE STREAM lsrc (id VARCHAR KEY, v INT) WITH (kafka_topic='lsrc', value_format='JSON', partitions=1);`)
	s.produce(t, "lsrc", "a", `{"V":100}`) // before the queries: never read
	s.exec(t, `CREATE STREAM lcopy AS SELECT id, v FROM lsrc;
		CREATE TABLE ltotals AS SELECT id, SUM(v) AS total FROM lsrc GROUP BY id;`)
	waitStartCommitted(t, s.broker.Addr(), "lsrc", 2)
	s.stop()

	s = start(t, dir)
	s.stop() // a restart before any record arrived keeps the start
	s = start(t, dir)
	s.produce(t, "lsrc", "a", `{"V":1}`)
	if got := s.consumeAll(t, "LCOPY", 1); fmt.Sprint(got) != `[{"V":1}]` {
		t.Errorf("LCOPY = %v", got)
	}
	if got := s.consumeAll(t, "LTOTALS", 1); fmt.Sprint(got) != `[{"TOTAL":1}]` {
		t.Errorf("LTOTALS = %v", got)
	}
	waitStartCommitted(t, s.broker.Addr(), "lsrc", 2)
	s.stop()

	s = start(t, dir)
	s.produce(t, "lsrc", "a", `{"V":2}`)
	if got := s.consumeAll(t, "LCOPY", 2); fmt.Sprint(got) != `[{"V":1} {"V":2}]` {
		t.Errorf("LCOPY after restart = %v", got)
	}
	// State rebuilt from the query's first record, not the topic's.
	if got := s.consumeAll(t, "LTOTALS", 2); fmt.Sprint(got) != `[{"TOTAL":1} {"TOTAL":3}]` {
		t.Errorf("LTOTALS after restart = %v", got)
	}
}

// Records produced while the engine is down reach a "latest" query that
// had not processed anything yet: its start offsets were committed.
func TestLatestQueryResumesAfterDowntime(t *testing.T) {
	ctx := context.Background()
	b, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s := &stack{broker: b}
	rt, err := ksqlkafka.Open(ctx, ksqlkafka.Options{Bootstrap: b.Addr(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Execute(ctx, `CREATE STREAM dsrc (id VARCHAR KEY, v INT) WITH (kafka_topic='dsrc', value_format='JSON', partitions=1);
		CREATE STREAM dcopy AS SELECT id, v FROM dsrc;`, nil); err != nil {
		t.Fatal(err)
	}
	waitStartCommitted(t, b.Addr(), "dsrc", 1)
	rt.Close()
	s.produce(t, "dsrc", "a", `{"V":1}`) // while no engine runs
	rt, err = ksqlkafka.Open(ctx, ksqlkafka.Options{Bootstrap: b.Addr(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if got := s.consumeAll(t, "DCOPY", 1); fmt.Sprint(got) != `[{"V":1}]` {
		t.Errorf("DCOPY = %v", got)
	}
}

// waitStartCommitted waits until n persistent queries have committed an
// offset at the end of every partition of topic (for a query at
// "latest" that has read nothing: its start), so stopping the engine
// then loses nothing.
func waitStartCommitted(t *testing.T, bootstrap, topic string, n int) {
	t.Helper()
	client, err := sarama.NewClient([]string{bootstrap}, kafkautil.NewConfig("test-commits"))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	var state string
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		ends, err := endOffsets(client, map[string]bool{topic: true})
		if err != nil {
			state = err.Error()
		} else if commits, err := queryCommits(admin); err != nil {
			state = err.Error()
		} else {
			at := 0
			for _, byTopic := range commits {
				ok := len(ends[topic]) > 0
				for p, end := range ends[topic] {
					if off, has := byTopic[topic][p]; !has || off < end {
						ok = false
					}
				}
				if ok {
					at++
				}
			}
			if at >= n {
				return
			}
			state = fmt.Sprintf("%d of %d queries committed the end of %s %v", at, n, topic, ends[topic])
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("start offsets not committed within %v: %s", waitLimit, state)
}
