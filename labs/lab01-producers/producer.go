// Package lab01 is lab 1: producers and consumers.
package lab01
