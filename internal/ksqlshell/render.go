package ksqlshell

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlclient"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/restapi"
)

// RenderEntity writes one result of /ksql as ksql's CLI shows it: a blank
// line, then a table, a description or a message. Types it does not know
// are written as indented JSON.
func RenderEntity(w io.Writer, e ksqlclient.Entity) error {
	var b bytes.Buffer
	b.WriteString("\n")
	var warnings []restapi.Warning
	var err error
	switch e.Type {
	case "currentStatus":
		var v restapi.CurrentStatus
		if err = e.Decode(&v); err == nil {
			msg := v.CommandStatus.Message
			if msg == "" {
				msg = e.Message
			}
			err = Table{Header: []string{"Message"}, Rows: [][]string{{msg}}}.Write(&b)
			warnings = v.Warnings
		}
	case "streams":
		var v restapi.StreamsList
		if err = e.Decode(&v); err == nil {
			err = renderSources(&b, "Stream Name", v.Streams)
			warnings = v.Warnings
		}
	case "tables":
		var v restapi.TablesList
		if err = e.Decode(&v); err == nil {
			err = renderSources(&b, "Table Name", v.Tables)
			warnings = v.Warnings
		}
	case "queries":
		var v restapi.QueriesList
		if err = e.Decode(&v); err == nil {
			err = renderQueries(&b, v.Queries)
			warnings = v.Warnings
		}
	case "sourceDescription":
		var v restapi.SourceDescriptionEntity
		if err = e.Decode(&v); err == nil {
			renderSourceDescription(&b, v.SourceDescription)
			warnings = v.Warnings
		}
	case "source_descriptions":
		var v restapi.SourceDescriptionList
		if err = e.Decode(&v); err == nil {
			for i, d := range v.SourceDescriptions {
				if i > 0 {
					b.WriteString("\n")
				}
				renderSourceDescription(&b, d)
			}
			warnings = v.Warnings
		}
	case "kafka_topics":
		var v restapi.KafkaTopicsList
		if err = e.Decode(&v); err == nil {
			t := Table{Header: []string{"Kafka Topic", "Partitions", "Partition Replicas"}}
			for _, tp := range v.Topics {
				replicas := 0
				for _, r := range tp.ReplicaInfo {
					replicas = max(replicas, r)
				}
				t.Rows = append(t.Rows, []string{tp.Name, strconv.Itoa(len(tp.ReplicaInfo)), strconv.Itoa(replicas)})
			}
			err = t.Write(&b)
			warnings = v.Warnings
		}
	case "properties":
		var v restapi.PropertiesList
		if err = e.Decode(&v); err == nil {
			over := map[string]bool{}
			for _, p := range v.OverwrittenProperties {
				over[p] = true
			}
			t := Table{Header: []string{"Property", "Scope", "Level", "Effective Value"}}
			for _, p := range v.Properties {
				level := "SERVER"
				if over[p.Name] {
					level = "SESSION"
				}
				t.Rows = append(t.Rows, []string{p.Name, p.Scope, level, p.Value})
			}
			sort.Slice(t.Rows, func(i, j int) bool { return t.Rows[i][0] < t.Rows[j][0] })
			err = t.Write(&b)
			warnings = v.Warnings
		}
	case "function_names":
		var v restapi.FunctionNameList
		if err = e.Decode(&v); err == nil {
			t := Table{Header: []string{"Function Name", "Category"}}
			for _, f := range v.Functions {
				t.Rows = append(t.Rows, []string{f.Name, f.Category})
			}
			sort.Slice(t.Rows, func(i, j int) bool { return t.Rows[i][0] < t.Rows[j][0] })
			if err = t.Write(&b); err == nil {
				b.WriteString("For detailed information about a function, run: DESCRIBE FUNCTION <Function Name>;\n")
			}
			warnings = v.Warnings
		}
	case "describe_function":
		var v restapi.FunctionDescriptionList
		if err = e.Decode(&v); err == nil {
			renderFunction(&b, v)
			warnings = v.Warnings
		}
	case "queryDescription":
		var v restapi.QueryDescriptionEntity
		if err = e.Decode(&v); err == nil {
			renderQueryDescription(&b, v)
			warnings = v.Warnings
		}
	default:
		var out bytes.Buffer
		if json.Indent(&out, e.Raw, "", "  ") != nil {
			out.Reset()
			out.Write(e.Raw)
		}
		b.Write(out.Bytes())
		b.WriteString("\n")
	}
	if err != nil {
		return fmt.Errorf("reading the server's %q answer: %w", e.Type, err)
	}
	for _, wn := range warnings {
		fmt.Fprintf(&b, "WARNING: %s\n", wn.Message)
	}
	_, err = w.Write(b.Bytes())
	return err
}

func renderSources(w io.Writer, head string, list []restapi.SourceInfo) error {
	t := Table{Header: []string{head, "Kafka Topic", "Key Format", "Value Format", "Windowed"}}
	for _, s := range list {
		t.Rows = append(t.Rows, []string{s.Name, s.Topic, s.KeyFormat, s.ValueFormat, strconv.FormatBool(s.IsWindowed)})
	}
	sort.Slice(t.Rows, func(i, j int) bool { return t.Rows[i][0] < t.Rows[j][0] })
	return t.Write(w)
}

func renderQueries(w io.Writer, queries []restapi.RunningQuery) error {
	t := Table{Header: []string{"Query ID", "Query Type", "Status", "Sink Name", "Sink Kafka Topic", "Query String"}}
	for _, q := range queries {
		t.Rows = append(t.Rows, []string{q.ID, q.QueryType, queryStatus(q), strings.Join(q.Sinks, ","),
			strings.Join(q.SinkKafkaTopics, ","), parser.OneLine(q.QueryString)})
	}
	if err := t.Write(w); err != nil {
		return err
	}
	_, err := io.WriteString(w, "For detailed information on a Query run: EXPLAIN <Query ID>;\n")
	return err
}

// queryStatus is ksql's "RUNNING:1" (state and count of hosts in it).
func queryStatus(q restapi.RunningQuery) string {
	if len(q.StatusCount) == 0 {
		return q.State
	}
	states := make([]string, 0, len(q.StatusCount))
	for s, n := range q.StatusCount {
		states = append(states, s+":"+strconv.Itoa(n))
	}
	sort.Strings(states)
	return strings.Join(states, " ")
}

// typeString is a column type as ksql's CLI writes it in DESCRIBE:
// VARCHAR(STRING), ARRAY<INTEGER>, MAP<STRING, DOUBLE>, STRUCT<A INTEGER>,
// DECIMAL(4, 2).
func typeString(s restapi.Schema) string {
	switch s.Type {
	case "STRING":
		return "VARCHAR(STRING)"
	case "ARRAY":
		return "ARRAY<" + member(s) + ">"
	case "MAP":
		return "MAP<STRING, " + member(s) + ">"
	case "STRUCT":
		parts := make([]string, len(s.Fields))
		for i, f := range s.Fields {
			parts[i] = f.Name + " " + typeString(f.Schema)
		}
		return "STRUCT<" + strings.Join(parts, ", ") + ">"
	case "DECIMAL":
		p, okP := s.Parameters["precision"]
		sc, okS := s.Parameters["scale"]
		if okP && okS {
			return fmt.Sprintf("DECIMAL(%v, %v)", p, sc)
		}
	}
	return s.Type
}

func member(s restapi.Schema) string {
	if s.MemberSchema == nil {
		return "?"
	}
	return typeString(*s.MemberSchema)
}

// fieldType is a column's type with ksql's key marker.
func fieldType(f restapi.FieldInfo, windowType *string, isTable bool) string {
	switch f.Type {
	case "KEY":
		marker := "(key)"
		if isTable {
			marker = "(primary key)"
		}
		if windowType != nil && *windowType != "" {
			marker += " (Window type: " + *windowType + ")"
		}
		return fmt.Sprintf("%-16s %s", typeString(f.Schema), marker)
	case "HEADER":
		return fmt.Sprintf("%-16s (header)", typeString(f.Schema))
	}
	return typeString(f.Schema)
}

func writeFields(w io.Writer, fields []restapi.FieldInfo, windowType *string, isTable bool) {
	t := Table{Header: []string{"Field", "Type"}}
	for _, f := range fields {
		t.Rows = append(t.Rows, []string{f.Name, fieldType(f, windowType, isTable)})
	}
	_ = t.Write(w)
}

func renderSourceDescription(w io.Writer, d restapi.SourceDescription) {
	isTable := d.Type == "TABLE"
	fmt.Fprintf(w, "%-20s : %s\n", "Name", d.Name)
	if !d.Extended {
		writeFields(w, d.Fields, d.WindowType, isTable)
		fmt.Fprintln(w, "For runtime statistics and query details run: DESCRIBE <Stream,Table> EXTENDED;")
		return
	}
	fmt.Fprintf(w, "%-20s : %s\n", "Type", d.Type)
	ts := d.Timestamp
	if ts == "" {
		ts = "Not set - using <ROWTIME>"
	}
	fmt.Fprintf(w, "%-20s : %s\n", "Timestamp field", ts)
	fmt.Fprintf(w, "%-20s : %s\n", "Key format", d.KeyFormat)
	fmt.Fprintf(w, "%-20s : %s\n", "Value format", d.ValueFormat)
	if d.Topic != "" {
		topic := fmt.Sprintf("%-20s : %s", "Kafka topic", d.Topic)
		var extra []string
		if d.Partitions != 0 {
			extra = append(extra, fmt.Sprintf("partitions: %d", d.Partitions))
		}
		if d.Replication != 0 {
			extra = append(extra, fmt.Sprintf("replication: %d", d.Replication))
		}
		if len(extra) > 0 {
			topic += " (" + strings.Join(extra, ", ") + ")"
		}
		fmt.Fprintln(w, topic)
	}
	if d.Statement != "" {
		fmt.Fprintf(w, "%-20s : %s\n", "Statement", strings.TrimSpace(d.Statement))
	}
	fmt.Fprintln(w)
	writeFields(w, d.Fields, d.WindowType, isTable)
	if len(d.SourceConstraints) > 0 {
		fmt.Fprintf(w, "\nSources that have a DROP constraint on this source\n--------------------------------------------------\n")
		for _, c := range d.SourceConstraints {
			fmt.Fprintln(w, c)
		}
	}
	writeQueryRefs(w, d.ReadQueries, "read from", d.Type)
	writeQueryRefs(w, d.WriteQueries, "write from", d.Type)
	fmt.Fprintf(w, "\nLocal runtime statistics\n------------------------\n")
	if d.Statistics != "" {
		fmt.Fprintln(w, d.Statistics)
	}
	if d.ErrorStats != "" {
		fmt.Fprintln(w, d.ErrorStats)
	}
	if d.Topic != "" {
		fmt.Fprintf(w, "(Statistics of the local KSQL server interaction with the Kafka topic %s)\n", d.Topic)
	}
}

func writeQueryRefs(w io.Writer, queries []restapi.QueryRef, verb, sourceType string) {
	if len(queries) == 0 {
		return
	}
	fmt.Fprintf(w, "\nQueries that %s this %s\n-----------------------------------\n", verb, sourceType)
	for _, q := range queries {
		state := q.State
		if state == "" {
			state = "RUNNING"
		}
		fmt.Fprintf(w, "%s (%s) : %s\n", q.ID, state, parser.OneLine(q.QueryString))
	}
	fmt.Fprintln(w, "\nFor query topology and execution plan please run: EXPLAIN <QueryId>")
}

func renderFunction(w io.Writer, f restapi.FunctionDescriptionList) {
	fmt.Fprintf(w, "%-12s: %s\n", "Name", f.Name)
	if f.Author != "" {
		fmt.Fprintf(w, "%-12s: %s\n", "Author", f.Author)
	}
	if f.Version != "" {
		fmt.Fprintf(w, "%-12s: %s\n", "Version", f.Version)
	}
	fmt.Fprintf(w, "%-12s: %s\n", "Overview", f.Description)
	fmt.Fprintf(w, "%-12s: %s\n", "Type", f.FunctionType)
	fmt.Fprintf(w, "%-12s:\n", "Variations")
	for _, v := range f.Functions {
		args := make([]string, len(v.Arguments))
		for i, a := range v.Arguments {
			t := a.Type
			if a.IsVariadic {
				t = strings.TrimSuffix(strings.TrimSuffix(t, "[]"), "...") + "..."
			}
			args[i] = strings.TrimSpace(a.Name + " " + t)
		}
		fmt.Fprintf(w, "\n\t%-12s: %s(%s)\n", "Variation", f.Name, strings.Join(args, ", "))
		fmt.Fprintf(w, "\t%-12s: %s\n", "Returns", v.ReturnType)
		if v.Description != "" {
			fmt.Fprintf(w, "\t%-12s: %s\n", "Description", v.Description)
		}
	}
}

func renderQueryDescription(w io.Writer, v restapi.QueryDescriptionEntity) {
	q := v.QueryDescription
	fmt.Fprintf(w, "%-20s : %s\n", "ID", q.ID)
	if q.QueryType != "" {
		fmt.Fprintf(w, "%-20s : %s\n", "Query Type", q.QueryType)
	}
	fmt.Fprintf(w, "%-20s : %s\n", "SQL", strings.TrimSpace(q.StatementText))
	if q.State != "" {
		fmt.Fprintf(w, "%-20s : %s\n", "Status", q.State)
	}
	fmt.Fprintln(w)
	writeFields(w, q.Fields, q.WindowType, false)
	list := func(title string, items []string, hint string) {
		fmt.Fprintf(w, "\n%s\n-----------------------------------\n", title)
		for _, s := range items {
			fmt.Fprintln(w, s)
		}
		fmt.Fprintf(w, "\n%s\n", hint)
	}
	list("Sources that this query reads from:", q.Sources, "For source description please run: DESCRIBE [EXTENDED] <SourceId>")
	list("Sinks that this query writes to:", q.Sinks, "For sink description please run: DESCRIBE [EXTENDED] <SinkId>")
	if q.ExecutionPlan != "" {
		fmt.Fprintf(w, "\nExecution plan\n--------------\n%s\n", strings.TrimRight(q.ExecutionPlan, "\n"))
	}
	if q.Topology != "" {
		fmt.Fprintf(w, "\nProcessing topology\n-------------------\n%s\n", strings.TrimRight(q.Topology, "\n"))
	}
	if len(q.OverriddenProperties) > 0 {
		t := Table{Header: []string{"Property", "Value"}}
		for k, val := range q.OverriddenProperties {
			t.Rows = append(t.Rows, []string{k, FormatValue(val)})
		}
		sort.Slice(t.Rows, func(i, j int) bool { return t.Rows[i][0] < t.Rows[j][0] })
		fmt.Fprintf(w, "\nOverridden Properties\n---------------------\n")
		_ = t.Write(w)
	}
}
