package jsonfield

import (
	"encoding/json"
	"testing"
)

func TestFind(t *testing.T) {
	obj := map[string]int{"Units": 1, "units": 2, "STATE": 3}
	cases := []struct {
		name  string
		want  int
		found bool
	}{
		{"Units", 1, true}, {"units", 2, true}, {"state", 3, true}, {"State", 3, true}, {"price", 0, false}, {"", 0, false},
	}
	for _, c := range cases {
		if got, ok := Find(obj, c.name); got != c.want || ok != c.found {
			t.Errorf("Find(%q) = %d, %v; want %d, %v", c.name, got, ok, c.want, c.found)
		}
	}
	raw := map[string]json.RawMessage{"Value": json.RawMessage(`12.5`)}
	if v, ok := Find(raw, "VALUE"); !ok || string(v) != "12.5" {
		t.Errorf("Find(raw, VALUE) = %s, %v", v, ok)
	}
}
