//go:build grading

package lab03

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestAssigners(t *testing.T) {
	labtest.StopIfNotStarted(t,
		func() error { Tumbling{Size: time.Minute}.Assign(time.Time{}); return nil },
		func() error { Hopping{Size: time.Minute, Advance: time.Minute}.Assign(time.Time{}); return nil })
	type assignCase struct {
		ts   string
		want []Window
		why  string
	}
	check := func(t *testing.T, name string, a Assigner, cases []assignCase) {
		t.Helper()
		for _, c := range cases {
			var got []Window
			if !labtest.Guard(t, fmt.Sprintf("%s.Assign(%s)", name, c.ts), func() { got = a.Assign(grAt(c.ts)) }) {
				continue
			}
			if !grSameWindows(got, c.want) {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("%s.Assign(%s)", name, c.ts), grFmtWindows(c.want, false), grFmtWindows(got, false), c.why))
			}
		}
	}

	t.Run("tumbling windows are [start, end)", func(t *testing.T) {
		check(t, "Tumbling{Size: time.Minute}", Tumbling{Size: time.Minute}, []assignCase{
			{"10:00:00", grWins("10:00:00", "10:01:00"), "a record exactly at a window's start belongs to it"},
			{"10:00:59.999", grWins("10:00:00", "10:01:00"), "the last millisecond of a minute is still in it"},
			{"10:01:00", grWins("10:01:00", "10:02:00"), "the end is exclusive: a record at exactly 10:01:00 belongs in the next window, not in [10:00:00, 10:01:00)"},
		})
		check(t, "Tumbling{Size: 5 * time.Minute}", Tumbling{Size: 5 * time.Minute}, []assignCase{
			{"10:04:59.999", grWins("10:00:00", "10:05:00"), "a millisecond before 10:05 is in the window that ends at 10:05"},
			{"10:05:00", grWins("10:05:00", "10:10:00"), "the end is exclusive: 10:05:00 starts the next window"},
			{"10:07:30", grWins("10:05:00", "10:10:00"), "one window of 5 minutes, starting at a multiple of 5 minutes"},
		})
	})

	t.Run("windows are aligned to the Unix epoch", func(t *testing.T) {
		why := "windows start at multiples of their size counted from the Unix epoch (1970-01-01 00:00 UTC), as Kafka's and ksqlDB's do: " +
			"compute with ts.UnixMilli(); time.Truncate counts from the year 1, which agrees only for sizes that divide a day"
		check(t, "Tumbling{Size: 7 * time.Minute}", Tumbling{Size: 7 * time.Minute}, []assignCase{
			{"10:00:00", grWins("09:56:00", "10:03:00"), why},
			{"10:03:00", grWins("10:03:00", "10:10:00"), why},
		})
		check(t, "Tumbling{Size: 13 * time.Second}", Tumbling{Size: 13 * time.Second}, []assignCase{
			{"10:00:00", grWins("09:59:57", "10:00:10"), why},
		})
	})

	t.Run("hopping windows: every window that holds the record, earliest first", func(t *testing.T) {
		check(t, "Hopping{Size: 10 * time.Minute, Advance: 5 * time.Minute}", Hopping{Size: 10 * time.Minute, Advance: 5 * time.Minute}, []assignCase{
			{"10:07:00", grWins("10:00:00", "10:10:00", "10:05:00", "10:15:00"), "windows of 10 minutes starting every 5: each record is in two of them, the earlier one first"},
			{"10:05:00", grWins("10:00:00", "10:10:00", "10:05:00", "10:15:00"), "a record at exactly 10:05:00 is not in [09:55:00, 10:05:00): the end is exclusive"},
			{"10:04:59.999", grWins("09:55:00", "10:05:00", "10:00:00", "10:10:00"), "a millisecond before 10:05 is still in [09:55:00, 10:05:00)"},
		})
		check(t, "Hopping{Size: 5 * time.Minute, Advance: time.Minute}", Hopping{Size: 5 * time.Minute, Advance: time.Minute}, []assignCase{
			{"10:02:30", grWins("09:58:00", "10:03:00", "09:59:00", "10:04:00", "10:00:00", "10:05:00", "10:01:00", "10:06:00", "10:02:00", "10:07:00"),
				"5-minute windows starting every minute: every record is in 5 of them, earliest first"},
		})
		check(t, "Hopping{Size: 10 * time.Second, Advance: 3 * time.Second}", Hopping{Size: 10 * time.Second, Advance: 3 * time.Second}, []assignCase{
			{"10:00:00", grWins("09:59:51", "10:00:01", "09:59:54", "10:00:04", "09:59:57", "10:00:07", "10:00:00", "10:00:10"),
				"when the advance does not divide the size, a record is in size/advance windows rounded up (here 4): every window whose start is a multiple of 3 s in (ts-10s, ts]"},
		})
	})
}

func grWins(bounds ...string) []Window {
	var out []Window
	for i := 0; i+1 < len(bounds); i += 2 {
		out = append(out, Window{Start: grAt(bounds[i]), End: grAt(bounds[i+1])})
	}
	return out
}

func grSameWindows(a, b []Window) bool {
	return slices.EqualFunc(a, b, func(x, y Window) bool { return x.Start.Equal(y.Start) && x.End.Equal(y.End) })
}

func grFmtWindows(ws []Window, session bool) string {
	if len(ws) == 0 {
		return "no window"
	}
	var parts []string
	for _, w := range ws {
		parts = append(parts, grFmtWindow(w, session))
	}
	return strings.Join(parts, " ")
}
