// Package lab01 is lab 1 of mlops-lab: Kafka producers and consumers with
// IBM/sarama.
//
// Each exercise lives in its own file: README.md lists them, with their
// files and points.
//
// This file holds what they share. You do not need to change it.
package lab01

import (
	"strconv"
	"strings"

	"github.com/IBM/sarama"
)

// Order is one order, in the shape of ksql-datagen's "orders" quickstart:
// the records `mlops-lab start lab1` generates into the orders topic look
// exactly like the ones you produce.
//
//	{"ordertime":1700000000000,"orderid":42,"itemid":"Item_185","orderunits":4.37,
//	 "address":{"city":"City_64","state":"State_2","zipcode":77112}}
type Order struct {
	// OrderTime is when the order was placed, in milliseconds since the
	// Unix epoch.
	OrderTime  int64   `json:"ordertime"`
	OrderID    int     `json:"orderid"`
	ItemID     string  `json:"itemid"`
	OrderUnits float64 `json:"orderunits"`
	Address    Address `json:"address"`
}

// Address is where an order goes.
type Address struct {
	City    string `json:"city"`
	State   string `json:"state"`
	Zipcode int64  `json:"zipcode"`
}

// Key is an order's record key: its id as decimal text, as ksql-datagen
// writes it. Every record of one order shares this key, so they all land in
// the same partition and are read back in the order they were written.
func (o Order) Key() string { return strconv.Itoa(o.OrderID) }

// Handler processes one record a consumer-group member received (exercises
// 5 and 6). A member calls it from one goroutine per partition it owns, so a
// Handler must be safe for concurrent use.
type Handler func(msg *sarama.ConsumerMessage)

// brokers turns a bootstrap address, "host1:9092,host2:9092", into the
// broker list sarama wants.
func brokers(bootstrap string) []string {
	var out []string
	for _, b := range strings.Split(bootstrap, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// newConfig starts every client of this lab from sarama's defaults plus two
// things sarama cannot guess: the protocol version to speak (3.6, which the
// embedded broker, confluent-local and apache/kafka all understand; older
// versions have no record headers and no idempotence) and a client id, which
// names the client in the broker's logs and quotas.
func newConfig(clientID string) *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.ClientID = clientID
	return cfg
}
