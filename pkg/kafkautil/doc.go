// Package kafkautil holds the Kafka pieces the course builds on: the embedded
// broker (an in-process Kafka on kfake), sarama configuration with safe
// defaults, topic administration, console produce/consume helpers and the data
// generators that feed the labs.
package kafkautil
