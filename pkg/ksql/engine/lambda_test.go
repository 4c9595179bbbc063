package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// evalOne runs `SELECT expr AS v` over one record of a stream holding an
// array, a map and a few scalars, and returns the value's JSON.
func evalOne(t *testing.T, expr string) (string, error) {
	t.Helper()
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM s (id INT KEY, arr ARRAY<INT>, m MAP<STRING, INT>, words ARRAY<STRING>, s STRING, d DATE, ts TIMESTAMP)
		WITH (kafka_topic='s', value_format='JSON', partitions=1);`)
	if _, err := eng.Execute(context.Background(), "CREATE STREAM o AS SELECT id, "+expr+" AS v FROM s;", nil); err != nil {
		return "", err
	}
	produce(t, topics, "s", intKey(1), `{"arr":[3,1,2,1,null],"m":{"a":1,"b":2,"c":3},"words":["x","y"],"s":"Hello World 42!","d":19000,"ts":1700000000000}`, 1)
	recs := topics.Records("O")
	if len(recs) != 1 {
		t.Fatalf("%s: %d outputs", expr, len(recs))
	}
	v := strings.TrimSuffix(strings.TrimPrefix(string(recs[0].Value), `{"V":`), "}")
	return v, nil
}

func TestLambdaAndCollectionFunctions(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"TRANSFORM(arr, x => x * 10)", "[30,10,20,10,null]"},
		{"TRANSFORM(words, w => UCASE(w))", `["X","Y"]`},
		{"FILTER(arr, x => x > 1)", "[3,2]"},
		{"REDUCE(arr, 0, (acc, x) => acc + IFNULL(x, 0))", "7"},
		{"REDUCE(m, 0, (acc, k, v) => acc + v)", "6"},
		{"TRANSFORM(m, (k, v) => UCASE(k), (k, v) => v + 1)", `{"A":2,"B":3,"C":4}`},
		{"FILTER(m, (k, v) => v != 2)", `{"a":1,"c":3}`},
		{"TRANSFORM(arr, x => TRANSFORM(words, w => CONCAT(w, CAST(x AS STRING))))", `[["x3","y3"],["x1","y1"],["x2","y2"],["x1","y1"],["x","y"]]`},
		{"ARRAY_DISTINCT(arr)", "[3,1,2,null]"},
		{"ARRAY_SORT(arr)", "[1,1,2,3,null]"},
		{"ARRAY_SORT(arr, 'DESC')", "[3,2,1,1,null]"},
		{"ARRAY_MAX(arr)", "3"},
		{"ARRAY_MIN(arr)", "1"},
		{"ARRAY_EXCEPT(arr, ARRAY[1])", "[3,2,null]"},
		{"ARRAY_INTERSECT(arr, ARRAY[2, 3, 9])", "[3,2]"},
		{"ARRAY_UNION(ARRAY[1, 5], ARRAY[5, 6])", "[1,5,6]"},
		{"ARRAY_CONCAT(arr, ARRAY[7])", "[3,1,2,1,null,7]"},
		{"ARRAY_REMOVE(arr, 1)", "[3,2,null]"},
		{"ARRAY_JOIN(words, '|')", `"x|y"`},
		{"SLICE(arr, 2, 3)", "[1,2]"},
		{"GENERATE_SERIES(1, 7, 3)", "[1,4,7]"},
		{"MAP_KEYS(m)", `["a","b","c"]`},
		{"MAP_VALUES(m)", "[1,2,3]"},
		{"MAP_UNION(m, MAP('a' := 9))", `{"a":9,"b":2,"c":3}`},
		{"AS_MAP(words, ARRAY[1, 2])", `{"x":1,"y":2}`},
		{"ENTRIES(m, true)[1]->V", "1"},
		{"ELT(2, 'a', 'b')", `"b"`},
		{"FIELD('b', 'a', 'b')", "2"},
		{"ROUND(GEO_DISTANCE(37.4439, -122.1663, 51.5078, -0.1281), 0)", "8635.0"},
		{"ROUND(GEO_DISTANCE(37.4439, -122.1663, 51.5078, -0.1281, 'MI'), 0)", "5366.0"},
		{"MASK(s)", `"Xxxxx-Xxxxx-nn-"`},
		{"MASK_LEFT(s, 2)", `"Xxllo World 42!"`},
		{"MASK_KEEP_RIGHT(s, 3, NULL, '*')", `"H****-W****-42!"`},
		{"CHR(75)", `"K"`},
		{"ENCODE('4b', 'hex', 'utf8')", `"K"`},
		{"FROM_BYTES(TO_BYTES('aGk=', 'base64'), 'utf8')", `"hi"`},
		{"REGEXP_EXTRACT_ALL(s, '[a-z]+')", `["ello","orld"]`},
		{"REGEXP_SPLIT_TO_ARRAY('a1b22c', '[0-9]+')", `["a","b","c"]`},
		{"SPLIT_TO_MAP('a=1;b=2', ';', '=')", `{"a":"1","b":"2"}`},
		{"LEN(UUID())", "36"},
		{"JSON_ARRAY_LENGTH('[1,2,3]')", "3"},
		{"JSON_KEYS('{\"b\":1,\"a\":2}')", `["b","a"]`},
		{"JSON_CONCAT('{\"a\":1}', '{\"b\":2}')", `"{\"a\":1,\"b\":2}"`},
		{"JSON_ARRAY_CONTAINS('[1,2]', 2)", "true"},
		{"IS_JSON_STRING('{')", "false"},
		{"TO_JSON_STRING(m)", `"{\"a\":1,\"b\":2,\"c\":3}"`},
		{"FORMAT_DATE(DATEADD(DAYS, 1, d), 'yyyy-MM-dd')", `"2022-01-09"`},
		{"UNIX_DATE(PARSE_DATE('2022-01-08', 'yyyy-MM-dd'))", "19000"},
		{"TIMESTAMPSUB(SECONDS, 1, ts)", "1699999999000"},
		{"URL_EXTRACT_HOST('http://a.example.com:8080/p?q=1#f')", `"a.example.com"`},
		{"URL_EXTRACT_PORT('http://a.example.com:8080/p?q=1#f')", "8080"},
		{"URL_EXTRACT_PARAMETER('http://a.example.com/p?q=1&r=2', 'r')", `"2"`},
		{"URL_ENCODE_PARAM('a b&c')", `"a+b%26c"`},
	} {
		got, err := evalOne(t, tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
	}
}

// Lambdas and functions used wrongly are refused with ksqlDB's wording.
func TestLambdaAndFunctionErrors(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"NO_SUCH_FN(arr)", "Can't find any functions with the name 'NO_SUCH_FN'"},
		{"TRANSFORM(arr, (x, y) => x)", "Was expecting 1 arguments to lambda function, got 2."},
		{"TRANSFORM(arr, id => id)", "Lambda function argument can't be a column name: ID"},
		{"REDUCE(arr, 0, (s, x) => x)", "Lambda function argument can't be a column name: S"},
		{"TRANSFORM(s, x => x)", "Function 'TRANSFORM' does not accept parameters (STRING, LAMBDA)."},
		{"FILTER(arr, x => x + 1)", "Should be BOOLEAN"},
		{"TRANSFORM(arr, x => TRANSFORM(arr, x => x))", "Reusing lambda arguments in nested lambda is not allowed"},
		{"GEO_DISTANCE('a', 1, 2, 3)", "Function 'GEO_DISTANCE' does not accept parameters (STRING, INTEGER, INTEGER, INTEGER)."},
	} {
		_, err := evalOne(t, tc.expr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.expr, err, tc.want)
		}
	}
}

// EXPLODE and CUBE_EXPLODE emit one row per value; several table
// functions are zipped, the shorter padded with NULL.
func TestTableFunctions(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM s (id INT KEY, a ARRAY<INT>, b ARRAY<STRING>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		CREATE STREAM e AS SELECT id, EXPLODE(a) AS x, EXPLODE(b) AS y FROM s;
		CREATE STREAM c AS SELECT id, CUBE_EXPLODE(b) AS combo FROM s;`)
	if got := schemaString(eng.Catalog().Get("E").Columns); got != "ID INTEGER KEY, X INTEGER, Y STRING" {
		t.Errorf("schema = %s", got)
	}
	produce(t, topics, "s", intKey(1), `{"a":[1,2,3],"b":["p","q"]}`, 1)
	produce(t, topics, "s", intKey(2), `{"a":[],"b":null}`, 2)
	var got []string
	for _, r := range topics.Records("E") {
		got = append(got, string(r.Value))
	}
	if want := `[{"X":1,"Y":"p"} {"X":2,"Y":"q"} {"X":3,"Y":null}]`; fmt.Sprint(got) != want {
		t.Errorf("EXPLODE rows = %v, want %s", got, want)
	}
	got = nil
	for _, r := range topics.Records("C") {
		got = append(got, string(r.Value))
	}
	if want := `[{"COMBO":[null,null]} {"COMBO":[null,"q"]} {"COMBO":["p",null]} {"COMBO":["p","q"]}]`; fmt.Sprint(got) != want {
		t.Errorf("CUBE_EXPLODE rows = %v, want %s", got, want)
	}
	if _, err := eng.Execute(context.Background(), "CREATE TABLE t AS SELECT id, COUNT(*) AS n FROM s GROUP BY id; CREATE TABLE u AS SELECT id, EXPLODE(ARRAY[n]) AS m FROM t;", nil); err == nil ||
		!strings.Contains(err.Error(), "Table source is not supported with table functions") {
		t.Errorf("table source: error %v", err)
	}
}

// HISTOGRAM counts a column's values per group; CORRELATION correlates two
// columns.
func TestHistogramAndCorrelation(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM s (id INT KEY, w STRING, x DOUBLE, y DOUBLE) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		CREATE TABLE h AS SELECT id, HISTOGRAM(w) AS hist, CORRELATION(x, y) AS c FROM s GROUP BY id;`)
	produce(t, topics, "s", intKey(1), `{"w":"a","x":1,"y":2}`, 1)
	produce(t, topics, "s", intKey(1), `{"w":"b","x":2,"y":4}`, 2)
	produce(t, topics, "s", intKey(1), `{"w":"a","x":3,"y":6}`, 3)
	recs := topics.Records("H")
	if len(recs) != 3 || string(recs[2].Value) != `{"HIST":{"a":2,"b":1},"C":1.0}` {
		for _, r := range recs {
			t.Log(string(r.Value))
		}
		t.Errorf("%d records", len(recs))
	}
}
