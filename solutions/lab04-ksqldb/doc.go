// Package lab04 is lab 4, ksqlDB. The exercises are the SQL files in this
// folder, which the grading tests run on a ksqlDB server; this file only
// makes the folder a Go package, so the grader can compile those tests here.
package lab04
