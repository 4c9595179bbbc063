package engine

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/format"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// Column is a column of a stream or table.
type Column struct {
	Name string
	Type *types.Type
	Key  bool
}

// Source is a stream or table in the catalogue.
type Source struct {
	Name        string
	Kind        parser.SourceKind
	Topic       string
	KeyFormat   string
	ValueFormat string
	Delimiter   byte
	Columns     []Column // key columns first, then value columns
	// WindowType is "", "TUMBLING", "HOPPING" or "SESSION"; WindowSize is
	// in ms for time windows.
	WindowType      string
	WindowSize      int64
	TimestampColumn string
	TimestampFormat string
	Partitions      int
	Replicas        int
	Statement       string
	// IsSource marks CREATE SOURCE STREAM/TABLE (read-only, materialized).
	IsSource bool
	// WrapSingleValue is false when WRAP_SINGLE_VALUE=false.
	WrapSingleValue bool
}

// KeyColumns returns the key columns.
func (s *Source) KeyColumns() []Column {
	var out []Column
	for _, c := range s.Columns {
		if c.Key {
			out = append(out, c)
		}
	}
	return out
}

// ValueColumns returns the value columns.
func (s *Source) ValueColumns() []Column {
	var out []Column
	for _, c := range s.Columns {
		if !c.Key {
			out = append(out, c)
		}
	}
	return out
}

// Windowed reports whether the source's keys are windowed.
func (s *Source) Windowed() bool { return s.WindowType != "" }

// WindowKind returns the key layout of the source.
func (s *Source) WindowKind() format.WindowKind {
	switch s.WindowType {
	case "SESSION":
		return format.SessionWindowed
	case "":
		return format.NotWindowed
	}
	return format.TimeWindowed
}

// KeyCodec builds the codec for the source's key columns.
func (s *Source) KeyCodec() (format.Codec, error) {
	return format.NewKeyCodec(s.KeyFormat, toFormatCols(s.KeyColumns()))
}

// ValueCodec builds the codec for the source's value columns.
func (s *Source) ValueCodec() (format.Codec, error) {
	return format.NewValueCodec(s.ValueFormat, toFormatCols(s.ValueColumns()), format.Options{Delimiter: s.Delimiter, WrapSingleValue: s.WrapSingleValue})
}

// codecs builds the source's key and value codecs, stopping at the first
// error.
func (s *Source) codecs() (key, value format.Codec, err error) {
	if key, err = s.KeyCodec(); err != nil {
		return nil, nil, err
	}
	if value, err = s.ValueCodec(); err != nil {
		return nil, nil, err
	}
	return key, value, nil
}

func toFormatCols(cols []Column) []format.Column {
	out := make([]format.Column, len(cols))
	for i, c := range cols {
		out[i] = format.Column{Name: c.Name, Type: c.Type}
	}
	return out
}

// Catalog is the set of streams and tables.
type Catalog struct {
	mu      sync.RWMutex
	sources map[string]*Source
}

func newCatalog() *Catalog { return &Catalog{sources: map[string]*Source{}} }

// Get returns a source by name.
func (c *Catalog) Get(name string) *Source {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.sources[name]
}

// ByTopic returns the sources reading or writing a topic.
func (c *Catalog) ByTopic(topic string) []*Source {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*Source
	for _, s := range c.sources {
		if s.Topic == topic {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// List returns all sources sorted by name.
func (c *Catalog) List() []*Source {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*Source, 0, len(c.sources))
	for _, s := range c.sources {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (c *Catalog) put(s *Source) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sources[s.Name] = s
}

func (c *Catalog) remove(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sources, name)
}

// sourceFromCreate builds a Source from CREATE STREAM/TABLE.
func sourceFromCreate(st *parser.CreateSource, defaults sourceDefaults) (*Source, error) {
	s := &Source{Name: st.Name, Kind: st.Kind, Statement: st.Text(), IsSource: st.Source, WrapSingleValue: true}
	if err := applyProps(s, st.Props, defaults, true); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var keys, vals []Column
	for _, el := range st.Elements {
		if seen[el.Name] {
			return nil, fmt.Errorf("Duplicate column names: %s", el.Name)
		}
		seen[el.Name] = true
		if _, pseudo := pseudoColumns[el.Name]; pseudo {
			return nil, fmt.Errorf("'%s' is a reserved column name.", el.Name)
		}
		if el.Key && st.Kind == parser.KindTable {
			return nil, fmt.Errorf("Column `%s` is a 'KEY' column: please use 'PRIMARY KEY' for tables.", el.Name)
		}
		if el.PrimaryKey && st.Kind == parser.KindStream {
			return nil, fmt.Errorf("Column `%s` is a 'PRIMARY KEY' column: please use 'KEY' for streams.", el.Name)
		}
		c := Column{Name: el.Name, Type: el.Type, Key: el.Key || el.PrimaryKey}
		if c.Key {
			keys = append(keys, c)
		} else {
			vals = append(vals, c)
		}
	}
	if st.Kind == parser.KindTable && len(keys) == 0 {
		return nil, fmt.Errorf("Tables require a PRIMARY KEY. Please define the PRIMARY KEY.")
	}
	if len(vals) == 0 && s.ValueFormat != format.None {
		return nil, fmt.Errorf("The statement does not define any columns.")
	}
	s.Columns = append(keys, vals...)
	if err := checkFormats(s); err != nil {
		return nil, err
	}
	if s.TimestampColumn != "" {
		found := false
		for _, c := range s.Columns {
			if c.Name == s.TimestampColumn {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("The TIMESTAMP column set in the WITH clause does not exist in the schema: '%s'", s.TimestampColumn)
		}
	}
	return s, nil
}

type sourceDefaults struct {
	keyFormat, valueFormat string
	partitions, replicas   int
}

// applyProps reads the WITH clause.
func applyProps(s *Source, props parser.Properties, d sourceDefaults, requireTopic bool) error {
	known := map[string]bool{"KAFKA_TOPIC": true, "VALUE_FORMAT": true, "KEY_FORMAT": true, "FORMAT": true,
		"PARTITIONS": true, "REPLICAS": true, "TIMESTAMP": true, "TIMESTAMP_FORMAT": true, "WINDOW_TYPE": true,
		"WINDOW_SIZE": true, "VALUE_DELIMITER": true, "KEY_DELIMITER": true, "WRAP_SINGLE_VALUE": true,
		"RETENTION_MS": true, "VALUE_SCHEMA_ID": true, "KEY_SCHEMA_ID": true, "VALUE_AVRO_SCHEMA_FULL_NAME": true,
		"KEY_SCHEMA_FULL_NAME": true, "VALUE_SCHEMA_FULL_NAME": true, "CLEANUP_POLICY": true}
	for _, p := range props {
		if !known[p.Name] {
			return fmt.Errorf("Invalid config variable(s) in the WITH clause: %s", p.Name)
		}
	}
	s.Topic = props.String("KAFKA_TOPIC")
	if s.Topic == "" {
		if requireTopic {
			return fmt.Errorf("Missing required property \"KAFKA_TOPIC\" which has no default value.")
		}
	}
	f := props.String("FORMAT")
	vf, kf := props.String("VALUE_FORMAT"), props.String("KEY_FORMAT")
	if f != "" && (vf != "" || kf != "") {
		return fmt.Errorf("Cannot supply both 'FORMAT' and 'KEY_FORMAT' or 'VALUE_FORMAT' properties.")
	}
	if f != "" {
		vf, kf = f, f
	}
	if vf == "" {
		vf = d.valueFormat
	}
	if vf == "" && requireTopic {
		return fmt.Errorf("Missing required property \"VALUE_FORMAT\" which has no default value.")
	}
	if kf == "" {
		kf = d.keyFormat
	}
	if kf == "" {
		kf = format.Kafka
	}
	var err error
	if vf != "" {
		if s.ValueFormat, err = format.Normalize(vf); err != nil {
			return err
		}
	}
	if s.KeyFormat, err = format.Normalize(kf); err != nil {
		return err
	}
	if s.Delimiter, err = format.ParseDelimiter(props.String("VALUE_DELIMITER")); err != nil {
		return err
	}
	if v, ok := props.Get("WRAP_SINGLE_VALUE"); ok {
		if b, ok := v.(bool); ok {
			s.WrapSingleValue = b
		} else {
			s.WrapSingleValue = !strings.EqualFold(fmt.Sprint(v), "false")
		}
	}
	s.Partitions, s.Replicas = d.partitions, d.replicas
	if v, ok := props.Get("PARTITIONS"); ok {
		n, ok := v.(int64)
		if !ok || n < 1 {
			return fmt.Errorf("Invalid PARTITIONS: %v", v)
		}
		s.Partitions = int(n)
	}
	if v, ok := props.Get("REPLICAS"); ok {
		n, ok := v.(int64)
		if !ok || n < 1 {
			return fmt.Errorf("Invalid REPLICAS: %v", v)
		}
		s.Replicas = int(n)
	}
	if ts := props.String("TIMESTAMP"); ts != "" {
		s.TimestampColumn = strings.ToUpper(ts)
		if strings.HasPrefix(ts, "`") {
			s.TimestampColumn = strings.Trim(ts, "`")
		}
	}
	s.TimestampFormat = props.String("TIMESTAMP_FORMAT")
	if wt := props.String("WINDOW_TYPE"); wt != "" {
		switch strings.ToUpper(wt) {
		case "TUMBLING", "HOPPING":
			s.WindowType = strings.ToUpper(wt)
			ws := props.String("WINDOW_SIZE")
			if ws == "" {
				return fmt.Errorf("Tumbling and Hopping window types should set WINDOW_SIZE in the WITH clause.")
			}
			size, err := parseDuration(ws)
			if err != nil {
				return err
			}
			s.WindowSize = size
		case "SESSION":
			s.WindowType = "SESSION"
			if props.String("WINDOW_SIZE") != "" {
				return fmt.Errorf("'WINDOW_SIZE' should not be set for SESSION windows.")
			}
		default:
			return fmt.Errorf("Invalid WINDOW_TYPE %q: SESSION, HOPPING or TUMBLING", wt)
		}
	}
	return nil
}

// parseDuration reads "30 seconds" style durations.
func parseDuration(s string) (int64, error) {
	f := strings.Fields(strings.ToUpper(s))
	if len(f) != 2 {
		return 0, fmt.Errorf("Invalid duration: '%s'. e.g. '10 SECONDS'", s)
	}
	var n int64
	if _, err := fmt.Sscan(f[0], &n); err != nil {
		return 0, fmt.Errorf("Invalid duration: '%s'", s)
	}
	unit := strings.TrimSuffix(f[1], "S")
	mult := map[string]int64{"MILLISECOND": 1, "SECOND": 1000, "MINUTE": 60000, "HOUR": 3600000, "DAY": 86400000}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("Invalid duration unit: '%s'", f[1])
	}
	return n * mult, nil
}

// checkFormats validates that the formats can hold the columns.
func checkFormats(s *Source) error {
	if _, err := s.KeyCodec(); err != nil {
		return err
	}
	if s.ValueFormat == "" {
		return nil
	}
	if _, err := s.ValueCodec(); err != nil {
		return err
	}
	return nil
}
