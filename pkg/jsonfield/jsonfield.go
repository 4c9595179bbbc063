// Package jsonfield finds the members of decoded JSON objects by name the
// way ksqlDB matches JSON fields to columns: the exact name first, then the
// name ignoring case.
package jsonfield

import "strings"

// Find returns the member of obj called name, or else one whose name equals
// it ignoring case (any one of them, when several do).
func Find[V any](obj map[string]V, name string) (V, bool) {
	if v, ok := obj[name]; ok {
		return v, true
	}
	for k, v := range obj {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	var zero V
	return zero, false
}
