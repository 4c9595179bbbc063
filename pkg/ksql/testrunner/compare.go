package testrunner

import (
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/jsonfield"
)

// Result is the outcome of comparing actual with expected outputs.
type Result struct {
	// Passed is true when every topic received exactly the expected
	// records, in order.
	Passed bool
	// Expected and Actual count the records over all compared topics.
	Expected, Actual int
	// Topics summarises each compared topic, expected topics first (in
	// the order the expected outputs name them), then other sink topics.
	Topics []TopicResult
	// Mismatches lists the differences, topic by topic, in order.
	Mismatches []Mismatch
	// Outputs are the actual records of the compared topics, in the same
	// topic order (what FormatOutputs writes as an output file).
	Outputs []Record
	// ProcessingErrors are the records the queries skipped; they often
	// explain missing outputs.
	ProcessingErrors []ProcessingError
}

// TopicResult summarises one topic.
type TopicResult struct {
	Topic            string
	Expected, Actual int
	// Matched counts expected records found, in order, among the actual ones.
	Matched int
}

// MismatchKind says how an expected and an actual record disagree.
type MismatchKind int

// The kinds of mismatch.
const (
	// Different: an expected record and the actual record in its place
	// differ in some fields.
	Different MismatchKind = iota
	// Missing: an expected record has no actual counterpart.
	Missing
	// Extra: an actual record was not expected.
	Extra
)

func (k MismatchKind) String() string {
	switch k {
	case Missing:
		return "missing"
	case Extra:
		return "extra"
	}
	return "different"
}

// Mismatch is one difference on a topic.
type Mismatch struct {
	Kind  MismatchKind
	Topic string
	// ExpectedIndex and ActualIndex are 0-based positions among the
	// topic's expected and actual records (-1 when there is none).
	ExpectedIndex, ActualIndex int
	// Expected and Actual are the records (nil when there is none).
	Expected, Actual *Record
	// Fields lists what differs (Kind Different only).
	Fields []FieldDiff
}

// FieldDiff is one differing field of a record: "key", "value",
// "timestamp" or "window".
type FieldDiff struct {
	Field    string
	Expected string
	Actual   string
	// Detail narrows a value difference down, e.g. `COUNT: expected 2, got 1`.
	Detail string
}

// Compare compares actual records, per topic, with the expected ones.
// Topics in actual with no expected records must be empty; topics named
// by expected records but absent from actual received nothing. Records are
// compared in order; the pairing tolerates inserted and dropped records,
// so one missing record is reported as missing rather than as every later
// record differing.
func Compare(expected []Record, actual map[string][]Record) *Result {
	res := &Result{}
	var order []string
	byTopic := map[string][]int{}
	for i, e := range expected {
		if _, ok := byTopic[e.Topic]; !ok {
			order = append(order, e.Topic)
		}
		byTopic[e.Topic] = append(byTopic[e.Topic], i)
	}
	var rest []string
	for t := range actual {
		if _, ok := byTopic[t]; !ok {
			rest = append(rest, t)
		}
	}
	sort.Strings(rest)
	order = append(order, rest...)
	for _, topic := range order {
		var exp []*Record
		for _, i := range byTopic[topic] {
			exp = append(exp, &expected[i])
		}
		act := make([]*Record, len(actual[topic]))
		for i := range actual[topic] {
			r := actual[topic][i]
			if r.Topic == "" {
				r.Topic = topic
			}
			act[i] = &r
			res.Outputs = append(res.Outputs, r)
		}
		tr := compareTopic(res, topic, exp, act)
		res.Topics = append(res.Topics, tr)
		res.Expected += tr.Expected
		res.Actual += tr.Actual
	}
	res.Passed = len(res.Mismatches) == 0
	return res
}

// maxAlignCells bounds the alignment table; longer topics are compared
// position by position.
const maxAlignCells = 4_000_000

func compareTopic(res *Result, topic string, exp, act []*Record) TopicResult {
	tr := TopicResult{Topic: topic, Expected: len(exp), Actual: len(act)}
	n, m := len(exp), len(act)
	en, an := normalize(exp), normalize(act)
	diffs := func(i, j int) []FieldDiff { return compareRecord(en[i], an[j]) }
	// pairs are the (expected, actual) positions matched exactly, in order.
	type pair struct{ i, j int }
	var pairs []pair
	if n*m <= maxAlignCells {
		eq := make([][]bool, n)
		for i := range eq {
			eq[i] = make([]bool, m)
			for j := range eq[i] {
				eq[i][j] = len(diffs(i, j)) == 0
			}
		}
		// Longest common subsequence over exact matches.
		l := make([][]int, n+1)
		for i := range l {
			l[i] = make([]int, m+1)
		}
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				switch {
				case eq[i][j]:
					l[i][j] = l[i+1][j+1] + 1
				case l[i+1][j] >= l[i][j+1]:
					l[i][j] = l[i+1][j]
				default:
					l[i][j] = l[i][j+1]
				}
			}
		}
		for i, j := 0, 0; i < n && j < m; {
			switch {
			case eq[i][j] && l[i][j] == l[i+1][j+1]+1:
				pairs = append(pairs, pair{i, j})
				i++
				j++
			case l[i+1][j] >= l[i][j+1]:
				i++
			default:
				j++
			}
		}
	} else {
		for i := 0; i < n && i < m; i++ {
			if len(diffs(i, i)) == 0 {
				pairs = append(pairs, pair{i, i})
			}
		}
	}
	tr.Matched = len(pairs)
	// Between matched pairs, pair the unmatched records position by
	// position as differing; the leftovers are missing or extra.
	pi, pj := 0, 0
	flush := func(i1, j1 int) {
		for pi < i1 && pj < j1 {
			res.Mismatches = append(res.Mismatches, Mismatch{Kind: Different, Topic: topic,
				ExpectedIndex: pi, ActualIndex: pj, Expected: exp[pi], Actual: act[pj], Fields: diffs(pi, pj)})
			pi++
			pj++
		}
		for ; pi < i1; pi++ {
			res.Mismatches = append(res.Mismatches, Mismatch{Kind: Missing, Topic: topic,
				ExpectedIndex: pi, ActualIndex: -1, Expected: exp[pi]})
		}
		for ; pj < j1; pj++ {
			res.Mismatches = append(res.Mismatches, Mismatch{Kind: Extra, Topic: topic,
				ExpectedIndex: -1, ActualIndex: pj, Actual: act[pj]})
		}
	}
	for _, p := range pairs {
		flush(p.i, p.j)
		pi, pj = p.i+1, p.j+1
	}
	flush(n, m)
	return tr
}

// normRecord is a record with its key and value decoded once.
type normRecord struct {
	*Record
	key, val       jsonValue
	keyBad, valBad bool // not representable as JSON
	tombstone      bool // a nil value or JSON null
}

func normalize(recs []*Record) []normRecord {
	out := make([]normRecord, len(recs))
	for i, r := range recs {
		n := normRecord{Record: r}
		var err error
		if n.key, err = toJSON(r.Key); err != nil {
			n.keyBad = true
		}
		if r.Value != nil {
			if n.val, err = toJSON(r.Value); err != nil {
				n.valBad = true
			}
		}
		n.tombstone = r.Value == nil || !n.valBad && n.val.v == nil
		out[i] = n
	}
	return out
}

// compareRecord returns the fields in which an actual record differs from
// an expected one.
func compareRecord(exp, act normRecord) []FieldDiff {
	var out []FieldDiff
	if exp.keyBad || act.keyBad || !jsonEqual(exp.key.v, act.key.v) {
		out = append(out, FieldDiff{Field: "key", Expected: renderAny(exp.Key), Actual: renderAny(act.Key)})
	}
	switch {
	case exp.tombstone && act.tombstone:
	case exp.tombstone || act.tombstone:
		out = append(out, FieldDiff{Field: "value", Expected: renderValue(exp.Value), Actual: renderValue(act.Value)})
	case exp.valBad || act.valBad || !jsonEqual(exp.val.v, act.val.v):
		out = append(out, FieldDiff{Field: "value", Expected: renderValue(exp.Value), Actual: renderValue(act.Value),
			Detail: valueDetail(exp.val.v, act.val.v)})
	}
	if exp.Timestamp != nil {
		if act.Timestamp == nil || *act.Timestamp != *exp.Timestamp {
			got := "none"
			if act.Timestamp != nil {
				got = fmt.Sprint(*act.Timestamp)
			}
			out = append(out, FieldDiff{Field: "timestamp", Expected: fmt.Sprint(*exp.Timestamp), Actual: got})
		}
	}
	if w := exp.Window; w != nil {
		a := act.Window
		et, _ := normWindowType(w.Type)
		var at string
		if a != nil {
			at, _ = normWindowType(a.Type)
		}
		if a == nil || a.Start != w.Start || a.End != w.End || et != "" && et != at {
			got := "no window (the key is not windowed)"
			if a != nil {
				got = a.String()
			}
			out = append(out, FieldDiff{Field: "window", Expected: w.String(), Actual: got})
		}
	}
	return out
}

// valueDetail names the differing fields of two JSON objects.
func valueDetail(exp, act any) string {
	eo, ok1 := exp.(map[string]any)
	ao, ok2 := act.(map[string]any)
	if !ok1 || !ok2 {
		return ""
	}
	var parts []string
	names := make([]string, 0, len(eo))
	for k := range eo {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		av, found := jsonfield.Find(ao, k)
		switch {
		case !found:
			parts = append(parts, fmt.Sprintf("%s: missing", k))
		case !jsonEqual(eo[k], av):
			parts = append(parts, fmt.Sprintf("%s: expected %s, got %s", k, marshal(eo[k]), marshal(av)))
		}
	}
	var extra []string
	for k := range ao {
		if _, found := jsonfield.Find(eo, k); !found {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		parts = append(parts, fmt.Sprintf("%s: not expected", k))
	}
	return strings.Join(parts, "; ")
}

func marshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// jsonEqual compares decoded JSON values by meaning: numbers by value
// (1 equals 1.0), objects regardless of member order.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		rx, ok1 := new(big.Rat).SetString(string(x))
		ry, ok2 := new(big.Rat).SetString(string(y))
		return ok1 && ok2 && rx.Cmp(ry) == 0
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case []any:
		return arraysEqual(x, b, jsonEqual)
	case map[string]any:
		return objectsEqual(x, b, jsonEqual, jsonfield.Find[any])
	}
	return false
}

// arraysEqual says whether b is a decoded JSON array of x's length whose
// elements equal x's by eq.
func arraysEqual(x []any, b any, eq func(x, y any) bool) bool {
	y, ok := b.([]any)
	if !ok || len(x) != len(y) {
		return false
	}
	for i := range x {
		if !eq(x[i], y[i]) {
			return false
		}
	}
	return true
}

// objectsEqual says whether b is a decoded JSON object with as many members
// as x, each of x's members found in it by lookup and equal by eq.
func objectsEqual(x map[string]any, b any, eq func(x, y any) bool, lookup func(map[string]any, string) (any, bool)) bool {
	y, ok := b.(map[string]any)
	if !ok || len(x) != len(y) {
		return false
	}
	for k, v := range x {
		yv, found := lookup(y, k)
		if !found || !eq(v, yv) {
			return false
		}
	}
	return true
}

// exactField finds an object member by its exact name.
func exactField(o map[string]any, name string) (any, bool) {
	v, ok := o[name]
	return v, ok
}
