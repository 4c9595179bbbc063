package services

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlclient"
)

func TestLocalBrokerAddr(t *testing.T) {
	for _, tc := range []struct{ listen, advertised, want string }{
		{"127.0.0.1:9092", "localhost:19092", "127.0.0.1:9092"},
		{"0.0.0.0:9092", "host:19092", "127.0.0.1:9092"},
		{":9092", "host:19092", "127.0.0.1:9092"},
		{"[::]:9092", "host:19092", "127.0.0.1:9092"},
		{"127.0.0.1:0", "127.0.0.1:40001", "127.0.0.1:40001"}, // the port is only known once bound
		{"nonsense", "127.0.0.1:40001", "127.0.0.1:40001"},
	} {
		if got := localBrokerAddr(tc.listen, tc.advertised); got != tc.want {
			t.Errorf("localBrokerAddr(%q, %q) = %q, want %q", tc.listen, tc.advertised, got, tc.want)
		}
	}
}

func TestStartKafkaBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s, err := StartKafka(context.Background(), Config{KafkaListen: ln.Addr().String()})
	if err == nil {
		s.Close()
		t.Fatal("the broker started on a busy port")
	}
	if !errors.Is(err, kafkautil.ErrAddressInUse) {
		t.Errorf("err = %v, want kafkautil.ErrAddressInUse", err)
	}
}

// TestStartKafkaAndKSQL starts both services and checks that the REST API
// answers and that Close stops both.
func TestStartKafkaAndKSQL(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var log strings.Builder
	s, err := StartKafka(ctx, Config{KafkaListen: "127.0.0.1:0", KsqlListen: "127.0.0.1:0", Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if err := kafkautil.EnsureTopics(ctx, s.KafkaAddr(), []kafkautil.TopicSpec{{Name: "probe", Partitions: 1}}); err != nil {
		s.Close()
		t.Fatalf("the broker at %s does not answer: %v", s.KafkaAddr(), err)
	}
	url, err := s.StartKSQL(ctx)
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("ksqlDB URL %q, want a loopback http URL", url)
	}
	if _, err := ksqlclient.New(url).Info(ctx); err != nil {
		t.Errorf("/info: %v", err)
	}
	s.Close()
	ictx, icancel := context.WithTimeout(ctx, 5*time.Second)
	defer icancel()
	if _, err := ksqlclient.New(url).Info(ictx); err == nil {
		t.Error("the REST API still answers after Close")
	}
}
