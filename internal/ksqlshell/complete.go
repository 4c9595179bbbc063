package ksqlshell

import (
	"sort"
	"strings"
	"unicode"
)

// keywords are what Tab completes.
var keywords = strings.Fields(`
ALL AND AS ASC BETWEEN BY CASE CAST CHANGES CREATE DECIMAL DELETE DESCRIBE DESC
DROP ELSE EMIT END EXISTS EXPLAIN EXTENDED FALSE FINAL FROM FULL FUNCTION FUNCTIONS
GRACE GROUP HAVING HOPPING IF IN INNER INSERT INTO IS JOIN KEY LEFT LIKE LIMIT
NOT NULL ON OR OUTER PARTITION PARTITIONS PERIOD PRIMARY PROPERTIES QUERIES
REPLACE RETENTION RIGHT RUN SCRIPT SELECT SESSION SET SHOW SIZE STREAM STREAMS
STRUCT TABLE TABLES TERMINATE THEN TOPIC TOPICS TRUE TUMBLING UNSET VALUES WHEN
WHERE WINDOW WITH WITHIN
ARRAY BIGINT BOOLEAN BYTES DATE DOUBLE INT INTEGER MAP STRING TIME TIMESTAMP VARCHAR
KAFKA_TOPIC VALUE_FORMAT KEY_FORMAT FORMAT TIMESTAMP_FORMAT REPLICAS
help history server exit quit
`)

// completeWord completes the keyword under the cursor, in the case the
// user started it in (liner's WordCompleter).
func completeWord(line string, pos int) (head string, completions []string, tail string) {
	if pos > len(line) {
		pos = len(line)
	}
	start := pos
	for start > 0 && (isWordByte(line[start-1]) && line[start-1] != '.') {
		start--
	}
	head, word, tail := line[:start], line[start:pos], line[pos:]
	if word == "" {
		return head, nil, tail
	}
	lower := unicode.IsLower(rune(word[0]))
	for _, k := range keywords {
		if strings.HasPrefix(strings.ToUpper(k), strings.ToUpper(word)) {
			if lower {
				k = strings.ToLower(k)
			} else {
				k = strings.ToUpper(k)
			}
			completions = append(completions, k)
		}
	}
	sort.Strings(completions)
	return head, completions, tail
}
