package grader

import (
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/labs"
)

func TestSubtestTitles(t *testing.T) {
	src := []byte("package x\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {\n" +
		"\tt.Run(\"LINE_SUMS holds n\", func(t *testing.T) {\n" +
		"\t\tt.Run(\"score_orders.sql deploys\", func(t *testing.T) {})\n" +
		"\t})\n" +
		"\tt.Run(\"a b\", func(t *testing.T) {})\n" +
		"\tt.Run(\"a_b\", func(t *testing.T) {})\n" +
		"\tname := \"built at run time\"\n" +
		"\tt.Run(name, func(t *testing.T) {})\n" +
		"}\n")
	titles := subtestTitles(map[string][]byte{"x_test.go": src, "notes.sql": []byte("not Go")})
	for reported, want := range map[string]string{
		"LINE_SUMS_holds_n":                          "LINE_SUMS holds n",
		"LINE_SUMS_holds_n/score_orders.sql_deploys": "LINE_SUMS holds n/score_orders.sql deploys",
		"LINE_SUMS_holds_n#01":                       "LINE_SUMS holds n",
		"built_at_run_time":                          "built at run time",
		"a_b":                                        "a b", // two literals report as a_b: read as before
		"tab\\there":                                 "tab\\there",
		"LINE_SUMS_holds_n/score_orders.sql_deploys/deeper_one": "LINE_SUMS holds n/score_orders.sql deploys/deeper one",
	} {
		if got := subtestTitle(titles, reported); got != want {
			t.Errorf("%q: got %q, want %q", reported, got, want)
		}
	}
	if got := reportedName("a b\tc\x01"); got != `a_b_c\x01` {
		t.Errorf("reportedName: %q", got)
	}

	// The course's own tests: names with underscores come back whole.
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, l := range cat.Labs() {
		files, err := cat.GradingFiles(l)
		if err != nil {
			t.Fatal(err)
		}
		for reported, title := range subtestTitles(files) {
			if reportedName(title) != reported {
				t.Errorf("%s: %q is reported as %q, not %q", l.ID, title, reportedName(title), reported)
			}
			if title == "LINE_SUMS holds n and the four sums over the live points" {
				found++
			}
		}
	}
	if found != 1 {
		t.Errorf("lab 8's LINE_SUMS check: found %d times", found)
	}
}
