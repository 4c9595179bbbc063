package engine

import (
	"context"
	"sort"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

func (e *Engine) show(ctx context.Context, s *parser.Show) (Entity, error) {
	text := s.Text()
	switch s.What {
	case "STREAMS", "TABLES":
		var list []SourceInfo
		for _, src := range e.cat.List() {
			if (src.Kind == parser.KindStream) != (s.What == "STREAMS") {
				continue
			}
			list = append(list, SourceInfo{Type: src.Kind.String(), Name: src.Name, Topic: src.Topic,
				KeyFormat: src.KeyFormat, ValueFormat: src.ValueFormat, IsWindowed: src.Windowed()})
		}
		if list == nil {
			list = []SourceInfo{}
		}
		if s.What == "STREAMS" {
			return &StreamsList{Type: "streams", StatementText: text, Streams: list, Warnings: []Warning{}}, nil
		}
		return &TablesList{Type: "tables", StatementText: text, Tables: list, Warnings: []Warning{}}, nil
	case "TOPICS":
		topics, err := e.opts.Admin.ListTopics(ctx)
		if err != nil {
			return nil, stmtErr(ErrServer, text, "listing topics: %v", err)
		}
		out := &KafkaTopicsList{Type: "kafka_topics", StatementText: text, Topics: []KafkaTopicInfo{}, Warnings: []Warning{}}
		for _, t := range topics {
			if strings.HasPrefix(t.Name, "_") && !s.Extended {
				continue
			}
			ri := make([]int, max(t.Partitions, 1))
			for i := range ri {
				ri[i] = max(t.Replicas, 1)
			}
			out.Topics = append(out.Topics, KafkaTopicInfo{Name: t.Name, ReplicaInfo: ri})
		}
		return out, nil
	case "QUERIES":
		out := &QueriesList{Type: "queries", StatementText: text, Queries: []RunningQuery{}, Warnings: []Warning{}}
		for _, q := range e.Queries() {
			if strings.HasPrefix(q.ID, "MATERIALIZE_") {
				continue
			}
			out.Queries = append(out.Queries, runningQuery(q))
		}
		return out, nil
	case "FUNCTIONS":
		out := &FunctionNameList{Type: "function_names", StatementText: text, Warnings: []Warning{}}
		for _, f := range e.reg.List() {
			out.Functions = append(out.Functions, SimpleFunctionInfo{Name: f.Name, Type: f.Type, Category: f.Category})
		}
		return out, nil
	case "PROPERTIES":
		out := &PropertiesList{Type: "properties", StatementText: text, OverwrittenProperties: []string{}, DefaultProperties: []string{}, Warnings: []Warning{}}
		props := map[string]string{
			"ksql.service.id":                     "default_",
			"ksql.streams.auto.offset.reset":      "latest",
			"ksql.persistence.wrap.single.values": "true",
		}
		for k, v := range e.props {
			props[k] = v
		}
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out.Properties = append(out.Properties, Property{Name: k, Scope: "KSQL", Value: props[k]})
		}
		return out, nil
	case "TYPES", "VARIABLES", "CONNECTORS":
		return nil, stmtErr(ErrBadStatement, text, "SHOW %s is not supported by the embedded engine.", s.What)
	}
	return nil, stmtErr(ErrBadStatement, text, "Unsupported SHOW %s", s.What)
}

func runningQuery(q *Query) RunningQuery {
	qt := "PERSISTENT"
	if !q.Persistent {
		qt = "PUSH"
	}
	rq := RunningQuery{QueryString: q.Statement, ID: q.ID, StatusCount: map[string]int{"RUNNING": 1},
		QueryType: qt, State: "RUNNING", Sinks: []string{}, SinkKafkaTopics: []string{}}
	if q.SinkName != "" {
		rq.Sinks = []string{q.SinkName}
		rq.SinkKafkaTopics = []string{q.SinkTopic}
	}
	return rq
}

// schemaOf describes a type as ksqlDB's REST API does.
func schemaOf(t *types.Type) Schema {
	s := Schema{Type: t.Kind.String()}
	switch t.Kind {
	case types.KindString:
		s.Type = "STRING"
	case types.KindDecimal:
		s.Type = "DECIMAL"
	case types.KindArray:
		m := schemaOf(t.Elem)
		s.MemberSchema = &m
	case types.KindMap:
		m := schemaOf(t.Elem)
		s.MemberSchema = &m
	case types.KindStruct:
		for _, f := range t.Fields {
			s.Fields = append(s.Fields, FieldInfo{Name: f.Name, Schema: schemaOf(f.Type)})
		}
	}
	return s
}

func (e *Engine) sourceDescription(src *Source, extended bool) SourceDescription {
	d := SourceDescription{Name: src.Name, Type: src.Kind.String(), Extended: extended, KeyFormat: src.KeyFormat,
		ValueFormat: src.ValueFormat, Topic: src.Topic, Partitions: src.Partitions, Replication: src.Replicas,
		Statement: src.Statement, Timestamp: src.TimestampColumn, ReadQueries: []QueryRef{}, WriteQueries: []QueryRef{},
		QueryOffsetSummaries: []any{}, SourceConstraints: []string{}}
	if src.Windowed() {
		wt := src.WindowType
		d.WindowType = &wt
	}
	for _, c := range src.Columns {
		fi := FieldInfo{Name: c.Name, Schema: schemaOf(c.Type)}
		if c.Key {
			fi.Type = "KEY"
		}
		d.Fields = append(d.Fields, fi)
	}
	var processed, errs int64
	for _, q := range e.Queries() {
		if !q.Persistent || strings.HasPrefix(q.ID, "MATERIALIZE_") {
			continue
		}
		ref := QueryRef{QueryString: q.Statement, Sinks: []string{q.SinkName}, ID: q.ID}
		if q.SinkName == src.Name {
			d.WriteQueries = append(d.WriteQueries, ref)
			processed += q.Processed()
		}
		for _, ps := range q.plan.sources {
			if ps.Name == src.Name {
				d.ReadQueries = append(d.ReadQueries, ref)
				errs += q.Errors()
			}
		}
	}
	if extended {
		d.Statistics = "total-messages: " + itoa(int(processed))
		d.ErrorStats = "failed-messages: " + itoa(int(errs))
	}
	return d
}

func (e *Engine) describe(_ context.Context, s *parser.Describe) (Entity, error) {
	text := s.Text()
	if s.All != "" {
		out := &SourceDescriptionList{Type: "source_descriptions", StatementText: text, SourceDescriptions: []SourceDescription{}, Warnings: []Warning{}}
		for _, src := range e.cat.List() {
			if (src.Kind == parser.KindStream) == (s.All == "STREAMS") {
				out.SourceDescriptions = append(out.SourceDescriptions, e.sourceDescription(src, s.Extended))
			}
		}
		return out, nil
	}
	src := e.cat.Get(s.Name)
	if src == nil {
		return nil, stmtErr(ErrBadStatement, text, "Could not find STREAM/TABLE '%s' in the Metastore", s.Name)
	}
	return &SourceDescriptionEntity{Type: "sourceDescription", StatementText: text,
		SourceDescription: e.sourceDescription(src, s.Extended), Warnings: []Warning{}}, nil
}

func (e *Engine) describeFunction(s *parser.DescribeFunction) (Entity, error) {
	info, ok := e.reg.Describe(s.Name)
	if !ok {
		return nil, stmtErr(ErrBadStatement, s.Text(), "Can't find any functions with the name '%s'", s.Name)
	}
	out := &FunctionDescriptionList{Type: "describe_function", StatementText: s.Text(), Name: info.Name,
		Description: info.Description, Author: "Confluent", Version: "", Path: "internal", FunctionType: info.Type, Warnings: []Warning{}}
	for _, sg := range info.Signatures {
		fi := FunctionInfo{ReturnType: sg.Returns, Description: sg.Description, Arguments: []ArgumentInfo{}}
		if fi.Description == "" {
			fi.Description = info.Description
		}
		for i, a := range sg.Args {
			fi.Arguments = append(fi.Arguments, ArgumentInfo{Name: "arg" + itoa(i+1), Type: a, IsVariadic: sg.Variadic && i == len(sg.Args)-1})
		}
		out.Functions = append(out.Functions, fi)
	}
	return out, nil
}

// Explain returns the logical plan of a statement or running query as
// text, one operator per line, sink first.
func (e *Engine) explain(s *parser.Explain, props map[string]string) (Entity, error) {
	text := s.Text()
	var pl *plan
	var id, stmt, sinkName string
	state := "RUNNING"
	if s.QueryID != "" {
		q := e.Query(s.QueryID)
		if q == nil {
			return nil, stmtErr(ErrBadStatement, text, "Query with id:%s does not exist, use SHOW QUERIES to view the full set of running queries.", s.QueryID)
		}
		pl, id, stmt, sinkName = q.plan, q.ID, q.Statement, q.SinkName
	} else {
		var query *parser.Query
		switch inner := s.Statement.(type) {
		case *parser.CreateAsSelect:
			query, sinkName = inner.Query, inner.Name
		case *parser.InsertInto:
			query, sinkName = inner.Query, inner.Target
		case *parser.QueryStatement:
			query = inner.Query
		default:
			return nil, stmtErr(ErrBadStatement, text, "The provided statement does not run a query: %s", s.Statement.Text())
		}
		var err error
		if pl, err = e.planner().planQuery(query); err != nil {
			return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
		}
		stmt, state = s.Statement.Text(), "UNKNOWN"
	}
	d := QueryDescription{ID: id, StatementText: stmt, Topology: "", ExecutionPlan: planText(pl, sinkName),
		OverriddenProperties: map[string]any{}, QueryType: "PERSISTENT", State: state, Sources: []string{}, Sinks: []string{}}
	for k, v := range props {
		d.OverriddenProperties[k] = v
	}
	for _, src := range pl.sources {
		d.Sources = append(d.Sources, src.Name)
	}
	if sinkName != "" {
		d.Sinks = []string{sinkName}
	} else {
		d.QueryType = "PUSH"
	}
	for _, c := range pl.selectedColumns() {
		fi := FieldInfo{Name: c.Name, Schema: schemaOf(c.Type)}
		if c.Key {
			fi.Type = "KEY"
		}
		d.Fields = append(d.Fields, fi)
	}
	return &QueryDescriptionEntity{Type: "queryDescription", StatementText: text, QueryDescription: d, Warnings: []Warning{}}, nil
}

// planText renders the logical plan: the sink on top, each input below
// its consumer.
func planText(pl *plan, sinkName string) string {
	var b strings.Builder
	depth := 0
	line := func(s string) {
		b.WriteString(strings.Repeat("\t\t", depth) + " > " + s + "\n")
		depth++
	}
	if sinkName != "" {
		line("[ SINK ] | Schema: " + describeColumns(pl.columns) + " | Sink: " + sinkName)
	} else {
		line("[ OUTPUT ] | Schema: " + describeColumns(pl.selectedColumns()))
	}
	for i := len(pl.steps) - 1; i >= 0; i-- {
		line(pl.steps[i])
	}
	return b.String()
}

// ExplainPlan returns the logical plan of a query (SELECT, CSAS, CTAS or
// INSERT INTO) as text without running it.
func (e *Engine) ExplainPlan(sql string) (string, error) {
	ent, err := e.Execute(context.Background(), "EXPLAIN "+strings.TrimSuffix(strings.TrimSpace(sql), ";")+";", nil)
	if err != nil {
		return "", err
	}
	return ent[0].(*QueryDescriptionEntity).QueryDescription.ExecutionPlan, nil
}
