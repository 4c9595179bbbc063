package testrunner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/format"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// StatementError is a statement that failed to parse or execute, with its
// position in the statements file.
type StatementError struct {
	// File is Case.StatementsFile ("" when the statements came from Go).
	File string
	// Line and Column are 1-based: the syntax error's position, the
	// offending name's when the message names one, else the statement's
	// start.
	Line, Column int
	// Statement is the failing statement's text (empty for syntax errors).
	Statement string
	Message   string
}

func (e *StatementError) Error() string {
	msg := strings.Join(strings.Fields(e.Message), " ")
	if e.File == "" {
		return fmt.Sprintf("statements:%d:%d: %s", e.Line, e.Column, msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, msg)
}

// InProcess runs each case on a fresh embedded engine over in-memory
// topics, as ksql-test-runner runs a fresh topology: topics are created for
// the inputs and for the topics the statements name, inputs are produced
// one at a time and every record a query writes is delivered to the queries
// downstream before the next input.
type InProcess struct {
	// Setup, when set, is called with the fresh engine before the
	// statements run (to register extra functions, for example).
	Setup func(*engine.Engine)
	// Properties are the streams properties the statements start with (as
	// if SET); statements may SET more.
	Properties map[string]string
}

// Execute implements Backend.
func (p *InProcess) Execute(ctx context.Context, c Case) (exec *Execution, err error) {
	ctx = orBackground(ctx)
	r := &inProcessRun{c: c, topics: engine.NewMemoryTopics(), outputs: map[string][]engine.Record{}}
	r.eng = engine.New(engine.Options{Admin: r.topics, Producer: r.topics, ProcessingLog: r.log})
	r.topics.OnProduce = func(rec engine.Record) { r.queue = append(r.queue, rec) }
	if p.Setup != nil {
		p.Setup(r.eng)
	}
	defer func() {
		if v := recover(); v != nil {
			exec, err = nil, fmt.Errorf("the engine crashed while %s: %v", r.doing, v)
		}
	}()
	for _, in := range c.Inputs {
		if err := r.topics.CreateTopic(ctx, in.Topic, 1, 1); err != nil {
			return nil, fmt.Errorf("creating input topic %s: %w", in.Topic, err)
		}
	}
	props := map[string]string{}
	for k, v := range p.Properties {
		props[k] = v
	}
	if err := r.statements(ctx, props); err != nil {
		return nil, err
	}
	for i, in := range c.Inputs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r.doing = fmt.Sprintf("processing inputs[%d] (topic %s)", i, in.Topic)
		rec, err := r.encodeInput(in)
		if err != nil {
			return nil, fmt.Errorf("inputs[%d] (topic %s): %w", i, in.Topic, err)
		}
		r.queue = r.queue[:0]
		if err := r.topics.Produce(ctx, rec); err != nil {
			return nil, fmt.Errorf("inputs[%d]: producing to %s: %w", i, in.Topic, err)
		}
		r.drain(true)
	}
	return r.execution(), nil
}

func orBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

type inProcessRun struct {
	c       Case
	topics  *engine.MemoryTopics
	eng     *engine.Engine
	queue   []engine.Record
	outputs map[string][]engine.Record
	errs    []ProcessingError
	doing   string
}

func (r *inProcessRun) log(e engine.ProcessingLogEntry) {
	r.errs = append(r.errs, ProcessingError{QueryID: e.QueryID, Topic: e.Topic, Offset: e.Offset, Message: e.Message})
}

// drain delivers queued records to the queries reading their topics
// (which may queue more) and keeps them as outputs. skipFirst leaves out
// the first record: the input that started the cascade.
func (r *inProcessRun) drain(skipFirst bool) {
	for len(r.queue) > 0 {
		rec := r.queue[0]
		r.queue = r.queue[1:]
		if !skipFirst {
			r.outputs[rec.Topic] = append(r.outputs[rec.Topic], rec)
		}
		skipFirst = false
		r.eng.Deliver(rec)
	}
}

// statements executes the script one statement at a time, creating the
// topics the CREATE statements name first.
func (r *inProcessRun) statements(ctx context.Context, props map[string]string) error {
	src := r.c.Statements
	stmts, err := parser.ParseScript(src)
	if err != nil {
		se := &StatementError{File: r.c.StatementsFile, Line: 1, Column: 1, Message: err.Error()}
		var pe *parser.Error
		if errors.As(err, &pe) {
			se.Line, se.Column, se.Message = pe.Pos.Line, pe.Pos.Col, pe.Msg
		}
		return se
	}
	cursor := 0
	for _, st := range stmts {
		text := st.Text()
		off := cursor
		if i := strings.Index(src[cursor:], text); i >= 0 {
			off = cursor + i
			cursor = off + len(text)
		}
		r.doing = "executing " + firstLine(text)
		if cs, ok := st.(*parser.CreateSource); ok {
			if topic := cs.Props.String("KAFKA_TOPIC"); topic != "" {
				parts := 1
				if n, ok := cs.Props.Get("PARTITIONS"); ok {
					if v, err := parsePositive(n); err == nil {
						parts = v
					}
				}
				if err := r.topics.CreateTopic(ctx, topic, parts, 1); err != nil {
					return fmt.Errorf("creating topic %s: %w", topic, err)
				}
			}
		}
		if _, err := r.eng.ExecuteStatement(ctx, st, props); err != nil {
			line, col := locate(src, off, text, err.Error())
			return &StatementError{File: r.c.StatementsFile, Line: line, Column: col, Statement: text, Message: err.Error()}
		}
		r.drain(false)
	}
	return nil
}

func parsePositive(v any) (int, error) {
	var n int
	_, err := fmt.Sscan(fmt.Sprint(v), &n)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("not a positive number: %v", v)
	}
	return n, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

// namePatterns find the name an engine message is about.
var namePatterns = []*regexp.Regexp{
	regexp.MustCompile("'([^']+)'"),
	regexp.MustCompile("`([^`]+)`"),
	regexp.MustCompile(`^(\S+) does not exist`),
}

// locate returns the line and column of an execution error: the first
// identifier of the statement the message names, else the statement's
// start. off is the statement's byte offset in src.
func locate(src string, off int, text, msg string) (int, int) {
	toks, err := parser.Tokenize(text)
	if err == nil {
		for _, re := range namePatterns {
			for _, m := range re.FindAllStringSubmatch(msg, -1) {
				name := m[1]
				if i := strings.LastIndexByte(name, '.'); i >= 0 && i < len(name)-1 {
					name = name[i+1:]
				}
				for _, t := range toks {
					if (t.Kind == parser.TokIdent && strings.EqualFold(t.Val, name)) ||
						(t.Kind == parser.TokQuotedIdent && t.Val == name) {
						return lineCol([]byte(src), off+t.Off)
					}
				}
			}
		}
	}
	return lineCol([]byte(src), off)
}

// inputSource is the stream or table whose schema encodes a topic's
// inputs: one the statements declared (not a query's sink) if any.
func (r *inProcessRun) inputSource(topic string) *engine.Source {
	srcs := r.eng.Catalog().ByTopic(topic)
	sinks := map[string]bool{}
	for _, q := range r.eng.Queries() {
		if q.Persistent {
			sinks[q.SinkName] = true
		}
	}
	for _, s := range srcs {
		if !sinks[s.Name] {
			return s
		}
	}
	if len(srcs) > 0 {
		return srcs[0]
	}
	return nil
}

// outputSource is the stream or table whose schema decodes a topic's
// outputs: the sink of the query writing it, else any source on it.
func (r *inProcessRun) outputSource(topic string) *engine.Source {
	for _, q := range r.eng.Queries() {
		if q.Persistent && q.SinkTopic == topic {
			if s := r.eng.Catalog().Get(q.SinkName); s != nil {
				return s
			}
		}
	}
	if srcs := r.eng.Catalog().ByTopic(topic); len(srcs) > 0 {
		return srcs[0]
	}
	return nil
}

func (r *inProcessRun) encodeInput(in Record) (engine.Record, error) {
	rec := engine.Record{Topic: in.Topic}
	if in.Timestamp != nil {
		rec.Timestamp = *in.Timestamp
	}
	src := r.inputSource(in.Topic)
	var err error
	if rec.Key, err = encodeKey(src, in.Key); err != nil {
		return rec, fmt.Errorf("key: %w", err)
	}
	if in.Window != nil && src != nil && src.Windowed() {
		rec.Key = format.AppendWindow(rec.Key, src.WindowKind(), in.Window.Start, in.Window.End)
	}
	if rec.Value, err = encodeValue(src, in.Value); err != nil {
		return rec, fmt.Errorf("value: %w", err)
	}
	return rec, nil
}

// textOrJSON is a JSON string's contents, or other JSON values' text.
func textOrJSON(jv jsonValue) []byte {
	if s, ok := jv.v.(string); ok {
		return []byte(s)
	}
	return jv.raw
}

func encodeKey(src *engine.Source, key any) ([]byte, error) {
	if b, ok := key.([]byte); ok {
		return b, nil
	}
	if key == nil {
		return nil, nil
	}
	jv, err := toJSON(key)
	if err != nil {
		return nil, err
	}
	if src == nil {
		return textOrJSON(jv), nil
	}
	keys := src.KeyColumns()
	switch src.KeyFormat {
	case format.JSON:
		return jv.raw, nil
	case format.Delimited:
		return textOrJSON(jv), nil
	case format.None:
		return nil, nil
	}
	if len(keys) == 0 {
		return textOrJSON(jv), nil
	}
	return encodeKafka(src.KeyCodec, keys[0].Type, jv)
}

func encodeValue(src *engine.Source, value any) ([]byte, error) {
	if b, ok := value.([]byte); ok {
		return b, nil
	}
	if value == nil {
		return nil, nil
	}
	jv, err := toJSON(value)
	if err != nil {
		return nil, err
	}
	if src == nil {
		return textOrJSON(jv), nil
	}
	switch src.ValueFormat {
	case format.Delimited:
		return textOrJSON(jv), nil
	case format.Kafka:
		vals := src.ValueColumns()
		if len(vals) == 1 {
			return encodeKafka(src.ValueCodec, vals[0].Type, jv)
		}
	}
	return jv.raw, nil
}

// encodeKafka encodes a JSON value as a KAFKA-format column of type t.
func encodeKafka(codec func() (format.Codec, error), t *types.Type, jv jsonValue) ([]byte, error) {
	var v any
	if s, ok := jv.v.(string); ok && t.Kind == types.KindString {
		v = s
	} else {
		var err error
		if v, err = format.ParseJSONValue(jv.raw, t); err != nil {
			return nil, fmt.Errorf("%s is not a KAFKA-format %s: %v", jv.raw, t, err)
		}
	}
	c, err := codec()
	if err != nil {
		return nil, err
	}
	return c.Encode(nil, []any{v})
}

// execution decodes the outputs of the sink topics and of the topics the
// expected outputs name.
func (r *inProcessRun) execution() *Execution {
	exec := &Execution{Outputs: map[string][]Record{}, ProcessingErrors: r.errs}
	topics := map[string]bool{}
	for _, q := range r.eng.Queries() {
		if q.Persistent && q.SinkTopic != "" {
			topics[q.SinkTopic] = true
		}
	}
	for _, o := range r.c.Outputs {
		topics[o.Topic] = true
	}
	for topic := range topics {
		src := r.outputSource(topic)
		recs := make([]Record, 0, len(r.outputs[topic]))
		for _, rec := range r.outputs[topic] {
			recs = append(recs, decodeOutput(src, rec))
		}
		exec.Outputs[topic] = recs
	}
	return exec
}

// decodeOutput turns a written record into JSON values, by the schema and
// formats of the stream or table on its topic.
func decodeOutput(src *engine.Source, rec engine.Record) Record {
	ts := rec.Timestamp
	out := Record{Topic: rec.Topic, Timestamp: &ts}
	key := rec.Key
	if src != nil && src.Windowed() && key != nil {
		k, start, end, err := format.SplitWindow(key, src.WindowKind(), src.WindowSize)
		if err == nil {
			key = k
			typ := TimeWindowType
			if src.WindowKind() == format.SessionWindowed {
				typ = SessionWindowType
			}
			out.Window = &Window{Start: start, End: end, Type: typ}
		}
	}
	if key != nil {
		out.Key = decodeBytes(src, key, true)
	}
	if rec.Value != nil {
		out.Value = decodeBytes(src, rec.Value, false)
	}
	return out
}

// decodeBytes decodes a key or value: JSON text stays JSON, DELIMITED is a
// string, KAFKA is its column's JSON form; bytes that do not decode are
// kept as a string so that a diff can show them.
func decodeBytes(src *engine.Source, data []byte, isKey bool) any {
	asText := func() any {
		if utf8.Valid(data) {
			return string(data)
		}
		return fmt.Sprintf("%x", data)
	}
	asJSON := func() any {
		if json.Valid(data) {
			return json.RawMessage(append([]byte(nil), data...))
		}
		return asText()
	}
	if src == nil {
		return asJSON()
	}
	f, cols, codec := src.ValueFormat, src.ValueColumns(), src.ValueCodec
	if isKey {
		f, cols, codec = src.KeyFormat, src.KeyColumns(), src.KeyCodec
	}
	switch f {
	case format.JSON:
		return asJSON()
	case format.Delimited:
		return string(data)
	case format.Kafka:
		if len(cols) != 1 {
			return asText()
		}
		c, err := codec()
		if err != nil {
			return asText()
		}
		vals := make([]any, 1)
		if err := c.Decode(data, vals); err != nil {
			return asText()
		}
		return json.RawMessage(format.AppendJSON(nil, vals[0]))
	}
	return asJSON()
}
