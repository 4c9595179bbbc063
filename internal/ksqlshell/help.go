package ksqlshell

// helpText is what `help` prints.
const helpText = `
Statements end with a semicolon and may span lines; -- and /* */ are comments.
They run on the server, except these, which the shell handles itself:

  SET 'name'='value';       set a property sent with every statement and query
                            from now on, e.g. SET 'auto.offset.reset'='earliest';
  UNSET 'name';             forget a property set with SET
  RUN SCRIPT 'file.sql';    run the statements of a file, stopping at the first error

Queries:

  SELECT ... EMIT CHANGES;  a push query: rows stream in until its LIMIT or Ctrl+C
                            (Ctrl+C ends the query, not the shell)
  SELECT ...;               a pull query: the rows there are now, and their count

Some statements to try:

  SHOW STREAMS;  SHOW TABLES;  SHOW TOPICS;  SHOW QUERIES;  SHOW FUNCTIONS;
  DESCRIBE name;  DESCRIBE name EXTENDED;  DESCRIBE FUNCTION name;  EXPLAIN query_id;
  CREATE STREAM s (id INT KEY, v VARCHAR) WITH (kafka_topic='s', value_format='JSON', partitions=1);
  INSERT INTO s (id, v) VALUES (1, 'a');
  CREATE TABLE t AS SELECT id, COUNT(*) AS n FROM s GROUP BY id EMIT CHANGES;
  TERMINATE query_id;  DROP STREAM s;

Shell commands (no semicolon needed):

  help       this text
  history    the statements typed so far (kept across sessions)
  server     the URL of the ksqlDB server
  exit, quit leave the shell (so does Ctrl+D)
`
