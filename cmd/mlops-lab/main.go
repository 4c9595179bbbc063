// Command mlops-lab runs the course: it starts a lab's Kafka and ksqlDB
// environment, grades the learner's work, and offers console tools for topics,
// data generators, ksqlDB and the model library.
package main

import (
	"os"
)

func main() {
	app := &App{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}
	os.Exit(app.Run(os.Args[1:]))
}
