package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// pullRows runs a pull query and returns its rows, or its error.
func pullRows(t *testing.T, eng *Engine, sql string, props map[string]string) ([]string, error) {
	t.Helper()
	q, err := eng.StartQuery(context.Background(), sql, props)
	if err != nil {
		return nil, err
	}
	var out []string
	for r := range q.Rows() {
		out = append(out, fmt.Sprint(r))
	}
	return out, nil
}

// TestPullWhereScans checks which WHERE clauses a pull query on a table
// accepts when table scans are disabled, as ksqlDB decides: key lookups,
// and one range on a STRING key unless range scans are disabled too.
func TestPullWhereScans(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE TABLE users (id VARCHAR PRIMARY KEY, n INT) WITH (kafka_topic='users', value_format='JSON', partitions=1);
		CREATE TABLE q_users AS SELECT * FROM users;
		CREATE TABLE nums (id INT PRIMARY KEY, n INT) WITH (kafka_topic='nums', value_format='JSON', partitions=1);
		CREATE TABLE q_nums AS SELECT * FROM nums;`)
	for i, id := range []string{"a", "b", "c"} {
		produce(t, topics, "users", []byte(id), fmt.Sprintf(`{"N":%d}`, i), int64(i))
		produce(t, topics, "nums", intKey(int32(i)), fmt.Sprintf(`{"N":%d}`, i), int64(i))
	}
	noScan := map[string]string{PullTableScanProperty: "false"}
	noScans := map[string]string{PullTableScanProperty: "false", PullRangeScanProperty: "false"}
	cases := []struct {
		sql   string
		props map[string]string
		rows  string // or the error's start
		err   bool
	}{
		{"SELECT * FROM q_users WHERE id = 'b';", noScan, "[[b 1]]", false},
		{"SELECT * FROM q_users WHERE id <= 'b';", noScan, "[[a 0] [b 1]]", false},
		{"SELECT * FROM q_users WHERE id <= 'b';", noScans, errNeedsTableScan, true},
		{"SELECT * FROM q_users WHERE id <= 'a' OR id >= 'c';", noScan, errNeedsTableScan, true},
		{"SELECT * FROM q_users WHERE id >= 'a' AND id < 'c';", noScan, "A comparison condition on the key column cannot be combined", true},
		{"SELECT * FROM q_users WHERE id >= 'a' AND id < 'c';", nil, "[[a 0] [b 1]]", false},
		{"SELECT * FROM q_users WHERE n > 0;", noScan, "WHERE clause missing key column for disjunct: (N > 0)", true},
		{"SELECT * FROM q_nums WHERE id >= 1;", noScan, errNeedsTableScan, true},
		{"SELECT * FROM q_nums WHERE id >= 1;", nil, "[[1 1] [2 2]]", false},
		{"SELECT * FROM q_nums WHERE id IN (0, 2);", noScan, "[[0 0] [2 2]]", false},
		{"SELECT * FROM q_nums WHERE id = NULL;", nil, "Error in WHERE expression: Comparison with NULL not supported: INTEGER = NULL", true},
		{"SELECT * FROM q_nums WHERE id IN ('1');", nil, "'1' can not be converted to the type of the key column: ID INTEGER KEY", true},
		{"SELECT * FROM q_nums WHERE id = '1';", nil, "Error in WHERE expression: Cannot compare ID (INTEGER) to '1' (STRING) with EQUAL.", true},
		{"SELECT * FROM q_nums WHERE WINDOWSTART = 1;", nil, "WHERE column 'WINDOWSTART' cannot be resolved", true},
		{"SELECT CASE WHEN ROWOFFSET > 0 THEN 1 ELSE 0 END FROM q_nums WHERE id = 1;", nil, "Pull queries don't support the following columns in SELECT clauses: `ROWOFFSET`", true},
		{"SELECT ABS(ROWPARTITION) FROM q_nums;", nil, "Pull queries don't support the following columns in SELECT clauses: `ROWPARTITION`", true},
		{"SELECT * FROM q_nums WHERE id = 1 AND CASE WHEN ROWOFFSET > 0 THEN TRUE ELSE FALSE END;", nil, "Pull queries don't support the following columns in WHERE clauses: `ROWOFFSET`", true},
		// 2^12 OR-ed parts once multiplied out: refused, not expanded.
		{"SELECT * FROM q_nums WHERE " + strings.Repeat("(id = 1 OR id = 2) AND ", 11) + "(id = 1 OR id = 2);", noScan, "The WHERE clause has more than 256 OR-ed parts", true},
	}
	for _, c := range cases {
		rows, err := pullRows(t, eng, c.sql, c.props)
		switch {
		case c.err && (err == nil || !strings.HasPrefix(err.Error(), c.rows)):
			t.Errorf("%s %v: err = %v, want one starting %q", c.sql, c.props, err, c.rows)
		case !c.err && err != nil:
			t.Errorf("%s %v: %v", c.sql, c.props, err)
		case !c.err && fmt.Sprint(rows) != c.rows:
			t.Errorf("%s %v: rows %v, want %s", c.sql, c.props, rows, c.rows)
		}
	}
}

// TestParsePartialTimestamp checks the timestamp strings WINDOWSTART and
// WINDOWEND compare with: prefixes take the least value of what is left
// out, a zone shifts the instant, hour 24 is the next midnight.
func TestParsePartialTimestamp(t *testing.T) {
	cases := map[string]int64{
		"2020-02-23T23:45:12.000":      1582501512000,
		"2020-02-23T22:45:12.000-0100": 1582501512000,
		"2020-02-23T22:45:12-01:00":    1582501512000,
		"2020-02-23T23:45:12Z":         1582501512000,
		"2020-02-23T23:45":             1582501500000,
		"2020-02-23":                   1582416000000,
		"2020":                         1577836800000,
		"2020-02-23T24":                1582502400000,
		"2020-02-23T23:45:12.5":        1582501512500,
	}
	for in, want := range cases {
		if got, err := parsePartialTimestamp(in); err != nil || got != want {
			t.Errorf("parsePartialTimestamp(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2020-02-23T1x", "2020-02-23T10:00+1", "2020-1-2-3"} {
		if _, err := parsePartialTimestamp(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("parsePartialTimestamp(%q): err = %v, want one naming the text", bad, err)
		}
	}
}
