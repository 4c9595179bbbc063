//go:build grading

package lab04

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestPageviewsByRegion(t *testing.T) {
	k := labtest.NewKsql(t, []string{"PAGEVIEWS", "USERS", "PAGEVIEWS_ENRICHED", "PAGEVIEWS_PER_REGION"},
		[]string{"pageviews", "users", "pageviews_enriched", "pageviews_per_region"})
	// Co-partitioned: the same partition count on both sides of the join.
	k.CreateTopic("pageviews", 3)
	k.CreateTopic("users", 3)
	base := baseTime()
	users := []user{{"User_1", "Region_1", "FEMALE"}, {"User_2", "Region_2", "MALE"}, {"User_3", "Region_1", "OTHER"}}
	moved := user{"User_1", "Region_7", "FEMALE"}
	first := []view{{1, "User_1", "Page_11"}, {2, "User_2", "Page_12"}, {3, "User_9", "Page_13"}, {4, "User_3", "Page_14"}, {5, "User_1", "Page_15"}}
	later := []view{{6, "User_1", "Page_16"}, {7, "User_2", "Page_17"}}
	for _, u := range users {
		k.Produce("users", u.record(base))
	}
	sc := k.Load("07_pageviews_by_region.sql")
	k.Run(sc)
	joiner, counter := "", ""
	if ranAny(sc) {
		joiner = k.WaitWriter("PAGEVIEWS_ENRICHED", writerWait)
		counter = k.WaitWriter("PAGEVIEWS_PER_REGION", writerWait)
	}
	// One phase at a time, each processed before the next is written, so
	// every view meets the profile the test means it to meet.
	// Once the join's query has failed to catch up, waiting again would only
	// run into the test's deadline: the checks below say what is missing.
	stuck := false
	wait := func(topics ...string) {
		if joiner != "" && !stuck {
			stuck = !k.WaitProcessed(joiner, processWait, topics...)
		}
	}
	wait("users")
	for _, v := range first {
		k.Produce("pageviews", v.record(base))
	}
	wait("users", "pageviews")
	// Moved between the fifth view and the sixth, in event time too.
	k.Produce("users", moved.record(base.Add(5500*time.Millisecond)))
	wait("users", "pageviews")
	for _, v := range later {
		k.Produce("pageviews", v.record(base))
	}
	wait("users", "pageviews")
	var enriched []*sarama.ConsumerMessage
	if joiner != "" {
		enriched = k.ReadSink("PAGEVIEWS_ENRICHED")
		if counter != "" && !stuck {
			k.WaitProcessed(counter, processWait, k.SinkTopic("PAGEVIEWS_ENRICHED"))
		}
	}
	byPage := map[string][]enrichedView{}
	for _, m := range enriched {
		var v enrichedView
		if json.Unmarshal(m.Value, &v) == nil {
			v.Key = string(m.Key)
			byPage[v.PageID] = append(byPage[v.PageID], v)
		}
	}
	profile := map[string]user{}
	for _, u := range users {
		profile[u.ID] = u
	}

	t.Run("users is a table and pageviews a stream, over their topics", func(t *testing.T) {
		requireStarted(t, sc)
		u := requireSource(t, k, sc, "USERS", "TABLE", "a table of the users' latest profiles: CREATE TABLE users (userid VARCHAR PRIMARY KEY, ...)")
		checkColumns(t, "USERS", u.Fields, []column{
			{"USERID", "STRING", true, "userid VARCHAR PRIMARY KEY: the users topic is keyed by userid, and a table's key is what it is joined on"},
			{"REGISTERTIME", "BIGINT", false, "registertime BIGINT"},
			{"REGIONID", "STRING", false, "regionid VARCHAR"},
			{"GENDER", "STRING", false, "gender VARCHAR"},
		})
		p := requireSource(t, k, sc, "PAGEVIEWS", "STREAM", "CREATE STREAM pageviews (viewtime BIGINT, userid VARCHAR, pageid VARCHAR) WITH (...)")
		checkColumns(t, "PAGEVIEWS", p.Fields, []column{
			{"VIEWTIME", "BIGINT", false, "viewtime BIGINT"},
			{"USERID", "STRING", false, "userid VARCHAR, a value column (the pageviews topic is keyed by viewtime)"},
			{"PAGEID", "STRING", false, "pageid VARCHAR"},
		})
		for name, d := range map[string]engine.SourceDescription{"users": u, "pageviews": p} {
			if d.Topic != k.Topic(name) {
				t.Errorf("%s", labtest.Mismatch(strings.ToUpper(name)+"'s topic", name, k.Restore(d.Topic), fmt.Sprintf("KAFKA_TOPIC='%s'", name)))
			}
		}
	})

	t.Run("each view carries its user's region and gender", func(t *testing.T) {
		requireStarted(t, sc)
		requireEnriched(t, k, sc, joiner, enriched)
		if topic := k.SinkTopic("PAGEVIEWS_ENRICHED"); topic != k.Topic("pageviews_enriched") {
			t.Errorf("%s", labtest.Mismatch("PAGEVIEWS_ENRICHED's topic", "pageviews_enriched", k.Restore(topic), "WITH (KAFKA_TOPIC='pageviews_enriched', VALUE_FORMAT='JSON') before AS SELECT"))
		}
		for _, v := range first {
			u, known := profile[v.User]
			if !known {
				continue
			}
			got := byPage[v.Page]
			if len(got) == 0 {
				t.Errorf("the view of %s by %s did not reach pageviews_enriched", v.Page, v.User)
				continue
			}
			g := got[0]
			if str(g.RegionID) != u.Region || str(g.Gender) != u.Gender {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("REGIONID and GENDER of the view of %s by %s", v.Page, v.User), u.Region+" "+u.Gender, str(g.RegionID)+" "+str(g.Gender),
					"join the users table ON pv.userid = u.userid and select u.regionid AS regionid, u.gender AS gender"))
			}
			if g.Key != v.User && (g.UserID == nil || *g.UserID != v.User) {
				t.Errorf("the view of %s came out keyed %q, without a USERID: select pv.userid AS userid, the join column, which is the key of the joined stream", v.Page, g.Key)
			}
		}
	})

	t.Run("views of users without a profile are kept, with no region", func(t *testing.T) {
		requireStarted(t, sc)
		requireEnriched(t, k, sc, joiner, enriched)
		got := byPage["Page_13"]
		if len(got) == 0 {
			t.Fatalf("User_9 has no profile in users, and their view of Page_13 did not reach pageviews_enriched: a JOIN (inner) drops a view that finds no user; a LEFT JOIN keeps it, with NULL for the user's columns")
		}
		if got[0].RegionID != nil {
			t.Fatalf("User_9 has no profile, but the view of Page_13 came out with REGIONID %q: want NULL", *got[0].RegionID)
		}
	})

	t.Run("a profile change applies to later views only", func(t *testing.T) {
		requireStarted(t, sc)
		requireEnriched(t, k, sc, joiner, enriched)
		for _, c := range []struct {
			page, region, when string
		}{{"Page_15", "Region_1", "before"}, {"Page_16", "Region_7", "after"}} {
			got := byPage[c.page]
			if len(got) == 0 {
				t.Errorf("the view of %s by User_1 did not reach pageviews_enriched", c.page)
				continue
			}
			if str(got[0].RegionID) != c.region {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("the region of User_1's view of %s, written %s User_1 moved from Region_1 to Region_7", c.page, c.when), c.region, str(got[0].RegionID),
					"a stream-table join looks the user up when the view is processed: the table's latest value at that moment, never a later one"))
			}
		}
	})

	t.Run("the per-region table counts the views of each region", func(t *testing.T) {
		requireStarted(t, sc)
		d := requirePersistent(t, k, sc, "PAGEVIEWS_PER_REGION", "TABLE")
		checkColumns(t, "PAGEVIEWS_PER_REGION", d.Fields, []column{
			{"REGIONID", "STRING", true, "GROUP BY regionid, selecting regionid: it becomes the table's key"},
			{"VIEWS", "BIGINT", false, "COUNT(*) AS views"},
		})
		if d.Topic != k.Topic("pageviews_per_region") {
			t.Errorf("%s", labtest.Mismatch("PAGEVIEWS_PER_REGION's topic", "pageviews_per_region", k.Restore(d.Topic), "WITH (KAFKA_TOPIC='pageviews_per_region', VALUE_FORMAT='JSON') before AS SELECT"))
		}
		q := "SELECT regionid, views FROM pageviews_per_region;"
		res, err := k.Pull(q, pullWait)
		if err != nil {
			t.Fatalf("the test ran the pull query\n  %s\nand ksqlDB answered: %v", q, err)
		}
		want := map[string]int64{"Region_1": 3, "Region_2": 2, "Region_7": 1}
		got := map[string]int64{}
		for _, r := range res.Rows {
			n, _ := toInt(r[1])
			got[str(r[0])] = n
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s", labtest.Mismatch("the rows of "+q+" (views per region)", fmt.Sprint(want), fmt.Sprint(got),
				"count the enriched views: FROM pageviews_enriched GROUP BY regionid. User_1's views count where User_1 was at the time (2 in Region_1, 1 in Region_7); the view of User_9, with no region, is in no group"))
		}
	})
}

type user struct{ ID, Region, Gender string }

func (u user) record(at time.Time) labtest.Record {
	v := fmt.Sprintf(`{"registertime":%d,"userid":%q,"regionid":%q,"gender":%q}`, at.Add(-24*time.Hour).UnixMilli(), u.ID, u.Region, u.Gender)
	return labtest.Record{Key: []byte(u.ID), Value: []byte(v), Timestamp: at}
}

type view struct {
	Second     int
	User, Page string
}

// record is the view as the datagen writes it, keyed by its viewtime.
func (v view) record(base time.Time) labtest.Record {
	at := base.Add(time.Duration(v.Second) * time.Second)
	value := fmt.Sprintf(`{"viewtime":%d,"userid":%q,"pageid":%q}`, at.UnixMilli(), v.User, v.Page)
	return labtest.Record{Key: []byte(strconv.FormatInt(at.UnixMilli(), 10)), Value: []byte(value), Timestamp: at}
}

type enrichedView struct {
	Key      string  `json:"-"`
	UserID   *string `json:"USERID"`
	PageID   string  `json:"PAGEID"`
	RegionID *string `json:"REGIONID"`
	Gender   *string `json:"GENDER"`
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case *string:
		if x == nil {
			return "NULL"
		}
		return *x
	}
	return fmt.Sprint(v)
}

// requireStarted stops a subtest when none of the script's statements
// ran: a script that stopped half-way still earns what its first
// statements did.
func requireStarted(t *testing.T, sc *labtest.KsqlScript) {
	t.Helper()
	if !ranAny(sc) {
		t.Fatal(sc.Problem)
	}
}

// ranAny says at least one of the script's statements ran without error.
func ranAny(sc *labtest.KsqlScript) bool {
	for _, st := range sc.Statements {
		if st.Ran && st.Err == nil {
			return true
		}
	}
	return false
}

func requireEnriched(t *testing.T, k *labtest.Ksql, sc *labtest.KsqlScript, joiner string, enriched []*sarama.ConsumerMessage) {
	t.Helper()
	requirePersistent(t, k, sc, "PAGEVIEWS_ENRICHED", "STREAM")
	if joiner == "" {
		t.Fatalf("no persistent query writes PAGEVIEWS_ENRICHED")
	}
	if len(enriched) == 0 {
		t.Fatalf("the test wrote %d users and 7 page views, and nothing reached pageviews_enriched: is it CREATE STREAM pageviews_enriched WITH (KAFKA_TOPIC='pageviews_enriched', ...) AS SELECT ... FROM pageviews pv LEFT JOIN users u ON pv.userid = u.userid?", 3)
	}
}
