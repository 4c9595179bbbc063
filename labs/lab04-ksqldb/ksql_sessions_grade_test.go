//go:build grading

package lab04

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/testrunner"
)

func TestKsqlSessions(t *testing.T) {
	run := grRunKSQL(t, "10_session.sql", []testrunner.Record{
		grPageview("User_1", "10:00:00", "Page_1"),
		grPageview("User_1", "10:01:30", "Page_2"),
		grPageview("User_2", "10:00:10", "Page_1"),
		grPageview("User_1", "10:06:00", "Page_3"),
		grPageview("User_1", "10:03:30", "Page_4"),
		grPageview("User_1", "10:04:45", "Page_5"),
		grPageview("User_2", "10:02:11", "Page_6"),
		grPageview("User_1", "10:08:00", "Page_7"),
	})
	spec := grTableSpec{file: "10_session.sql", table: "PAGEVIEW_SESSIONS", key: "USERID", count: "VIEWS", start: "SESSION_START", end: "SESSION_END", session: true}
	rows := func(t *testing.T) []grRow {
		t.Helper()
		return run.rows(t, spec)
	}
	const shape = "WINDOW SESSION (2 MINUTES), GROUP BY userid, COUNT(*) AS views"

	t.Run("pageviews more than the gap apart are separate sessions", func(t *testing.T) {
		r := rows(t)
		grCheckTable(t, spec, r, []grWindow{
			{key: "User_2", start: "10:00:10", end: "10:00:10", count: 1, why: "the pageview of 10:00:10"},
			{key: "User_2", start: "10:02:11", end: "10:02:11", count: 1, why: "the pageview of 10:02:11, 2 minutes and 1 second after the one before: more than the gap, so a session of its own"},
		}, shape)
		grCheckNoOtherSessions(t, spec, r, "User_2", 2)
	})

	t.Run("a pageview exactly the gap after a session joins it", func(t *testing.T) {
		grCheckUpdateSeen(t, spec, rows(t), grWindow{key: "User_1", start: "10:00:00", end: "10:03:30", count: 3,
			why: "the pageview of 10:03:30 comes exactly 2 minutes after the session [10:00:00, 10:01:30]: session bounds are inclusive, so it joins, and ksqlDB writes the session [10:00:00, 10:03:30] with 3 views"}, shape)
	})

	t.Run("a pageview that bridges two sessions merges them", func(t *testing.T) {
		r := rows(t)
		grCheckUpdateSeen(t, spec, r, grWindow{key: "User_1", start: "10:00:00", end: "10:06:00", count: 5,
			why: "the pageview of 10:04:45 is within 2 minutes of both [10:00:00, 10:03:30] and [10:06:00, 10:06:00]: it merges them into one session with 3 + 1 + 1 views"}, shape)
		grCheckTable(t, spec, r, []grWindow{
			{key: "User_1", start: "10:00:00", end: "10:08:00", count: 6, why: "all six pageviews of User_1: the merged session, extended by the pageview of 10:08:00 (exactly the gap after 10:06:00)"},
		}, shape)
		grCheckNoOtherSessions(t, spec, r, "User_1", 1)
	})

	t.Run("SESSION_START and SESSION_END are in the value", func(t *testing.T) {
		grCheckWindowColumns(t, spec, rows(t), "select WINDOWSTART AS session_start, WINDOWEND AS session_end: the session's bounds are otherwise only in the record's key")
	})
}

// checkNoOtherSessions checks that key has no session but the expected ones
// (a merged session must be gone).
func grCheckNoOtherSessions(t *testing.T, s grTableSpec, rows []grRow, key string, want int) {
	t.Helper()
	var n int
	for _, r := range grLatest(rows) {
		if r.key == key {
			n++
		}
	}
	if n > want {
		t.Errorf("%s holds %d sessions for %s (%s); expected %d: when sessions merge, the old ones are deleted (ksqlDB writes a tombstone for each)",
			s.table, n, key, grWindowsOf(grLatest(rows), key, true), want)
	}
}

// checkUpdateSeen checks that one of the table's records is the expected
// window with the expected values.
func grCheckUpdateSeen(t *testing.T, s grTableSpec, rows []grRow, w grWindow, shape string) {
	t.Helper()
	start, end := grAt(w.start), grAt(w.end)
	var same []string
	for _, r := range rows {
		if r.tombstone || r.key != w.key {
			continue
		}
		if r.start.Equal(start) && r.end.Equal(end) && r.count(s) == float64(w.count) {
			return
		}
		same = append(same, fmt.Sprintf("%s %s", grFmtSpan(r.start, r.end, s.session), grFmtValues(s, r)))
	}
	t.Errorf("%s never received the session %s for %s with %s: %s\n  what it received for %s: %s\n  the table wants %s",
		s.table, grFmtSpan(start, end, s.session), w.key, grFmtWant(s, w), w.why, w.key, strings.Join(same, "; "), shape)
}

// pageview is a pageview record, keyed by its viewtime as the datagen does.
func grPageview(user, ts, page string) testrunner.Record {
	ms := grAt(ts).UnixMilli()
	return testrunner.R("pageviews", fmt.Sprint(ms), map[string]any{"viewtime": ms, "userid": user, "pageid": page}).At(ms)
}
