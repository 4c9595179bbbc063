package labtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// LiveBootstrap returns the broker a lab's live demo (go test -tags live)
// should use, and fails the test at once, with what to do, when nothing
// answers there. It looks, in order, at MLOPS_LAB_BOOTSTRAP, at the
// .mlops-lab/env.json that a running `mlops-lab start` writes in the
// workspace (searched from the working folder upwards, so it is found from
// the lab folder), and at localhost:9092. `start` uses another port when
// 9092 is taken, so the demo must not assume it.
func LiveBootstrap(t testing.TB) string {
	t.Helper()
	addr, from := LiveAddress()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := kafkautil.WaitReachable(ctx, addr); err != nil {
		t.Fatalf("no Kafka broker answers at %s (%s): run `mlops-lab start LAB` in another terminal first, or set MLOPS_LAB_BOOTSTRAP=HOST:PORT to the address it prints (%v)", addr, from, err)
	}
	fmt.Printf("Kafka at %s (%s)\n", addr, from)
	return addr
}

// LiveAddress is where LiveBootstrap looks, without checking that a broker
// answers there; from says where the address came from.
func LiveAddress() (addr, from string) {
	if b := os.Getenv(EnvBootstrap); b != "" {
		return b, "from " + EnvBootstrap
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			path := filepath.Join(dir, ".mlops-lab", "env.json")
			if data, err := os.ReadFile(path); err == nil {
				var rec struct {
					Bootstrap string `json:"bootstrap"`
					Lab       string `json:"lab"`
				}
				if json.Unmarshal(data, &rec) == nil && rec.Bootstrap != "" {
					return rec.Bootstrap, fmt.Sprintf("from %s, written by `mlops-lab start %s`", path, rec.Lab)
				}
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "localhost:9092", "the default: no MLOPS_LAB_BOOTSTRAP and no running `mlops-lab start` found"
}
