package ksqlclient_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlclient"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlkafka"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlserver"
)

func startServer(t *testing.T) *ksqlclient.Client {
	t.Helper()
	ctx := context.Background()
	b, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := ksqlkafka.Open(ctx, ksqlkafka.Options{Bootstrap: b.Addr(), Logf: t.Logf})
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	srv := ksqlserver.New(rt)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Close(context.Background())
		_ = rt.Close()
		b.Close()
	})
	return ksqlclient.New(srv.URL())
}

func TestClientEndToEnd(t *testing.T) {
	c := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ents, err := c.Execute(ctx, `CREATE STREAM readings (id VARCHAR KEY, temp DOUBLE, n BIGINT, loc STRUCT<lat DOUBLE, lon DOUBLE>)
		WITH (kafka_topic='readings', value_format='JSON', partitions=1);`)
	if err != nil || len(ents) != 1 || ents[0].Type != "currentStatus" || ents[0].Message != "Stream created" {
		t.Fatalf("%+v %v", ents, err)
	}
	// A failing second statement reports the first one's result too.
	_, err = c.Execute(ctx, "SHOW STREAMS; DROP STREAM nothere;")
	var ke *ksqlclient.Error
	if !errors.As(err, &ke) || ke.Code != 40001 || ke.StatementText != "DROP STREAM nothere;" || len(ke.Entities) != 1 || ke.Entities[0].Type != "streams" {
		t.Fatalf("error %#v", err)
	}
	// A query sent to /ksql is refused with 40002.
	if _, err := c.Execute(ctx, "SELECT * FROM readings EMIT CHANGES;"); !errors.As(err, &ke) || ke.Code != 40002 {
		t.Errorf("SELECT on /ksql: %v", err)
	}
	if err := c.Insert(ctx, "readings", []map[string]any{
		{"ID": "s1", "TEMP": 21.5, "N": 9007199254740993, "LOC": map[string]any{"LAT": 1.5, "LON": 2}},
	}); err != nil {
		t.Fatal(err)
	}
	rows, err := c.Query(ctx, "SELECT id, temp, n, loc FROM readings EMIT CHANGES LIMIT 1;", map[string]any{"auto.offset.reset": "earliest"})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got [][]any
	for r, err := range rows.All() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 1 {
		t.Fatalf("rows %v", got)
	}
	r := got[0]
	if r[0] != "s1" || r[1] != 21.5 || r[2] != int64(9007199254740993) || fmt.Sprint(r[3]) != "map[LAT:1.5 LON:2]" {
		t.Errorf("row %#v", r)
	}
	if _, err := c.Query(ctx, "SELECT * FROM nothere EMIT CHANGES;", nil); !errors.As(err, &ke) || ke.StatusCode != 400 {
		t.Errorf("query of a missing stream: %v", err)
	}
}
