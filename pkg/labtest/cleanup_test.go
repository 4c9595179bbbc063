package labtest

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// The tests below run grading-test code against a broker they share with
// it, as `mlops-lab grade` does while `mlops-lab start` runs, and check
// that the broker holds afterwards exactly the topics and consumer groups
// it held before: a passing test, a failing one (in a child process, so
// that its failure is its own) and a KSQL session leave nothing behind.

// sharedBrokerForTest starts an embedded broker and makes it the shared
// one (MLOPS_LAB_BOOTSTRAP) for the rest of t; it returns its address and
// a topic that is the learner's own, which must survive.
func sharedBrokerForTest(t *testing.T) (bootstrap, learners string) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts an embedded broker")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	broker, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	t.Setenv(EnvBootstrap, broker.Addr())
	if err := kafkautil.EnsureTopics(ctx, broker.Addr(), []kafkautil.TopicSpec{{Name: "orders", Partitions: 3}}); err != nil {
		t.Fatal(err)
	}
	return broker.Addr(), "orders"
}

// brokerContents lists the broker's topics (Kafka's own left out) and
// consumer groups.
func brokerContents(t *testing.T, bootstrap string) (topics, groups []string) {
	t.Helper()
	kc := dial(t, bootstrap)
	defer kc.Close()
	infos, err := kc.ListTopics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range infos {
		if !tp.Internal {
			topics = append(topics, tp.Name)
		}
	}
	admin, err := sarama.NewClusterAdminFromClient(kc.Sarama())
	if err != nil {
		t.Fatal(err)
	}
	all, err := admin.ListConsumerGroups()
	if err != nil {
		t.Fatal(err)
	}
	for g := range all {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	return topics, groups
}

// useBroker does what grading tests do on a broker: topics of the test's
// own (one derived from another by its name), records, and a consumer
// group that commits. It returns the names it used.
func useBroker(t testing.TB, bootstrap string) (topics []string, group string) {
	t.Helper()
	in, out := Topic(t, "orders"), Topic(t, "orders-large")
	derived := in + "-changelog"
	CreateTopic(t, bootstrap, in, 3)
	CreateTopic(t, bootstrap, out, 1)
	// A topic the code under test creates by writing to it.
	Produce(t, bootstrap,
		&sarama.ProducerMessage{Topic: in, Partition: 1, Key: sarama.StringEncoder("1"), Value: sarama.StringEncoder(`{}`)},
		&sarama.ProducerMessage{Topic: derived, Partition: 0, Key: sarama.StringEncoder("1"), Value: sarama.StringEncoder(`{}`)})
	// A group member that reads the record and commits.
	group = Group(t, "totals")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := kafkautil.Consume(ctx, bootstrap, in, kafkautil.ConsumeOptions{Group: group, From: kafkautil.FromBeginning, MaxMessages: 1},
		func(kafkautil.ConsumerRecord) error { return nil })
	if err != nil || n != 1 {
		t.Fatalf("consuming %s as group %s: %d records, %v", in, group, n, err)
	}
	return []string{in, out, derived}, group
}

// checkNothingLeft compares the broker's contents with what it held before
// the test ran, and checks that the test did create what it names.
func checkNothingLeft(t *testing.T, bootstrap string, beforeTopics, beforeGroups, used []string) {
	t.Helper()
	topics, groups := brokerContents(t, bootstrap)
	if !slices.Equal(topics, beforeTopics) {
		t.Errorf("after the test the broker holds the topics %v; before it, %v (used by the test: %v)", topics, beforeTopics, used)
	}
	if !slices.Equal(groups, beforeGroups) {
		t.Errorf("after the test the broker holds the consumer groups %v; before it, %v", groups, beforeGroups)
	}
}

func TestSharedBrokerKeepsNoTopicOfAPassingTest(t *testing.T) {
	bootstrap, learners := sharedBrokerForTest(t)
	beforeTopics, beforeGroups := brokerContents(t, bootstrap)
	var used []string
	t.Run("grading", func(t *testing.T) {
		topics, group := useBroker(t, bootstrap)
		used = append(topics, group)
		// A name not from Topic may be the learner's own: a test that
		// makes sure it exists must leave it (and the topics it prefixes).
		CreateTopic(t, bootstrap, learners, 3)
		// The test must have created them, or the check below proves
		// nothing.
		now, groups := brokerContents(t, bootstrap)
		for _, tp := range topics {
			if !slices.Contains(now, tp) {
				t.Fatalf("the test's topic %s was never created (the broker holds %v)", tp, now)
			}
		}
		if !slices.Contains(groups, group) {
			t.Fatalf("the test's group %s was never created (the broker holds %v)", group, groups)
		}
	})
	checkNothingLeft(t, bootstrap, beforeTopics, beforeGroups, used)
	if !slices.Contains(beforeTopics, learners) {
		t.Errorf("the learner's topic %s is gone", learners)
	}
}

// envFailingChild makes TestSharedBrokerFailingChild run: it is the test
// that fails half-way, run by TestSharedBrokerKeepsNoTopicOfAFailingTest in
// a child process.
const envFailingChild = "MLOPS_LAB_LABTEST_FAILING_CHILD"

func TestSharedBrokerFailingChild(t *testing.T) {
	if os.Getenv(envFailingChild) == "" {
		t.Skip("run by TestSharedBrokerKeepsNoTopicOfAFailingTest")
	}
	topics, group := useBroker(t, os.Getenv(EnvBootstrap))
	t.Logf("used %s %s", strings.Join(topics, " "), group)
	t.Fatal("failing on purpose, with the topics in place")
}

func TestSharedBrokerKeepsNoTopicOfAFailingTest(t *testing.T) {
	bootstrap, _ := sharedBrokerForTest(t)
	beforeTopics, beforeGroups := brokerContents(t, bootstrap)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSharedBrokerFailingChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), envFailingChild+"=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "failing on purpose") {
		t.Fatalf("the child test should have failed on purpose; it said (%v):\n%s", err, out)
	}
	var used []string
	for _, line := range strings.Split(string(out), "\n") {
		if _, names, ok := strings.Cut(line, "used "); ok {
			used = strings.Fields(names)
		}
	}
	if len(used) == 0 {
		t.Fatalf("the child test did not say which names it used:\n%s", out)
	}
	checkNothingLeft(t, bootstrap, beforeTopics, beforeGroups, used)
}

func TestSharedBrokerKeepsNoTopicOfAKsqlSession(t *testing.T) {
	bootstrap, _ := sharedBrokerForTest(t)
	beforeTopics, beforeGroups := brokerContents(t, bootstrap)
	var used []string
	t.Run("grading", func(t *testing.T) {
		// An engine of the test's own over the shared broker: its command
		// topic, the session's input, a persistent query's sink and group.
		k := NewKsql(t, []string{"ORDERS", "LARGE_ORDERS"}, []string{"orders", "large_orders"})
		k.CreateTopic("orders", 3)
		k.Exec("CREATE STREAM orders (orderid VARCHAR KEY, orderunits DOUBLE) WITH (kafka_topic='orders', value_format='JSON');\n" +
			"CREATE STREAM large_orders WITH (kafka_topic='large_orders') AS SELECT * FROM orders WHERE orderunits > 8;")
		k.Produce("orders", Record{Key: []byte("1"), Value: []byte(`{"orderunits":9}`)})
		if !Eventually(30*time.Second, 50*time.Millisecond, func() bool { return len(k.ReadAll("large_orders")) == 1 }) {
			t.Fatal("the persistent query wrote nothing to large_orders")
		}
		now, _ := brokerContents(t, bootstrap)
		for _, tp := range now {
			if !slices.Contains(beforeTopics, tp) {
				used = append(used, tp)
			}
		}
	})
	if len(used) < 2 {
		t.Fatalf("the KSQL session created %v on the broker; want its input and sink at least", used)
	}
	checkNothingLeft(t, bootstrap, beforeTopics, beforeGroups, used)
}
