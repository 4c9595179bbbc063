package kafkautil

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestValidateTopicConfig(t *testing.T) {
	if err := ValidateTopicConfig("retention.ms"); err != nil {
		t.Fatal(err)
	}
	err := ValidateTopicConfig("cleanup.polcy")
	if err == nil || !strings.Contains(err.Error(), "did you mean cleanup.policy?") {
		t.Fatalf("typo: %v", err)
	}
	if err := ValidateTopicConfig("colour"); err == nil {
		t.Fatal("unknown config accepted")
	}
	if _, err := ParseConfigs([]string{"retention.ms"}); err == nil {
		t.Fatal("a config without = accepted")
	}
	m, err := ParseConfigs([]string{"retention.ms=1000", "cleanup.policy=compact,delete"})
	if err != nil || m["retention.ms"] != "1000" || m["cleanup.policy"] != "compact,delete" {
		t.Fatalf("ParseConfigs = %v, %v", m, err)
	}
}

func TestValidateTopicName(t *testing.T) {
	for _, bad := range []string{"", ".", "has space", "slash/es", strings.Repeat("x", 250)} {
		if err := ValidateTopicName(bad); err == nil {
			t.Errorf("topic name %q accepted", bad)
		}
	}
	if err := ValidateTopicName("orders_v1.json-2"); err != nil {
		t.Error(err)
	}
}

func TestTopicAdmin(t *testing.T) {
	ctx := testCtx(t)
	bootstrap := startTestBroker(t)

	if err := CreateTopic(ctx, bootstrap, "orders", CreateTopicOptions{Partitions: 3, Configs: map[string]string{"retention.ms": "60000"}}); err != nil {
		t.Fatal(err)
	}
	if err := CreateTopic(ctx, bootstrap, "users-table", CreateTopicOptions{Partitions: 1, Compact: true}); err != nil {
		t.Fatal(err)
	}
	var exists *TopicExistsError
	if err := CreateTopic(ctx, bootstrap, "orders", CreateTopicOptions{Partitions: 3}); !errors.As(err, &exists) {
		t.Fatalf("creating orders twice: %v, want a TopicExistsError", err)
	}
	if err := CreateTopic(ctx, bootstrap, "orders", CreateTopicOptions{IfNotExists: true}); err != nil {
		t.Fatalf("IfNotExists: %v", err)
	}
	if err := CreateTopic(ctx, bootstrap, "x", CreateTopicOptions{Configs: map[string]string{"retention.msec": "1"}}); err == nil || !strings.Contains(err.Error(), "did you mean retention.ms") {
		t.Fatalf("bad config: %v", err)
	}
	if err := CreateTopic(ctx, bootstrap, "x", CreateTopicOptions{Compact: true, Configs: map[string]string{"cleanup.policy": "delete"}}); err == nil {
		t.Fatal("compact with cleanup.policy=delete accepted")
	}

	topics, err := ListTopics(ctx, bootstrap)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tp := range topics {
		if !tp.Internal {
			names = append(names, fmt.Sprintf("%s/%d/%v", tp.Name, tp.Partitions, tp.Compacted))
		}
	}
	if want := []string{"orders/3/false", "users-table/1/true"}; !slices.Equal(names, want) {
		t.Fatalf("ListTopics = %v, want %v", names, want)
	}

	if _, err := Produce(ctx, bootstrap, "orders", strings.NewReader("a:1\nb:2\nc:3\nd:4\n"), ProduceOptions{KeySeparator: ":"}); err != nil {
		t.Fatal(err)
	}
	desc, err := DescribeTopic(ctx, bootstrap, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if len(desc.Partitions) != 3 || desc.Records() != 4 || desc.Compacted() {
		t.Fatalf("DescribeTopic = %+v", desc)
	}
	for i, p := range desc.Partitions {
		if p.Partition != int32(i) || p.Leader < 0 || p.Earliest != 0 {
			t.Errorf("partition %+v", p)
		}
	}
	var retention *TopicConfig
	for i, c := range desc.Configs {
		if c.Name == "retention.ms" {
			retention = &desc.Configs[i]
		}
	}
	if retention == nil || retention.Value != "60000" || retention.Default {
		t.Errorf("retention.ms config = %+v", retention)
	}
	if d, err := DescribeTopic(ctx, bootstrap, "users-table"); err != nil || !d.Compacted() {
		t.Errorf("users-table compacted = %v, %v", d.Compacted(), err)
	}

	var unknown *UnknownTopicError
	if _, err := DescribeTopic(ctx, bootstrap, "nope"); !errors.As(err, &unknown) {
		t.Fatalf("describe unknown topic: %v", err)
	}
	if err := DeleteTopic(ctx, bootstrap, "nope"); !errors.As(err, &unknown) {
		t.Fatalf("delete unknown topic: %v", err)
	}
	if err := DeleteTopic(ctx, bootstrap, "orders"); err != nil {
		t.Fatal(err)
	}
	topics, _ = ListTopics(ctx, bootstrap)
	for _, tp := range topics {
		if tp.Name == "orders" || tp.Name == "nope" {
			t.Errorf("topic %s still listed (deleted, or never created)", tp.Name)
		}
	}
}
