package parser

import (
	"strings"
	"testing"
)

// TestStructStar checks `struct->*` select items: the struct expression is
// kept (nested dereferences included) and the item is marked; elsewhere
// ->* is a syntax error.
func TestStructStar(t *testing.T) {
	st, err := ParseStatement("SELECT id, s->*, s->f->* FROM t;")
	if err != nil {
		t.Fatal(err)
	}
	items := st.(*QueryStatement).Query.Select
	if len(items) != 3 || items[0].StructStar || !items[1].StructStar || !items[2].StructStar {
		t.Fatalf("items = %+v", items)
	}
	if got := FormatExpr(items[1].Expr); got != "S" {
		t.Errorf("s->* holds %s", got)
	}
	if got := FormatExpr(items[2].Expr); got != "S->F" {
		t.Errorf("s->f->* holds %s", got)
	}
	for _, bad := range []string{"SELECT * FROM t WHERE s->* = 1;", "SELECT s->* AS x FROM t;", "SELECT s->*->a FROM t;"} {
		if _, err := ParseStatement(bad); err == nil {
			t.Errorf("%s: parsed, want a syntax error", bad)
		} else if !strings.Contains(err.Error(), "line 1:") {
			t.Errorf("%s: error %q has no position", bad, err)
		}
	}
}
