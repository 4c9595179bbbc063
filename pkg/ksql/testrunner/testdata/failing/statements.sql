-- Page views per user in one-minute tumbling windows.
CREATE STREAM pageviews (user_id STRING KEY, page STRING, duration_ms INT)
  WITH (kafka_topic='pageviews', value_format='JSON');

CREATE TABLE views_per_minute AS
  SELECT user_id, COUNT(*) AS views, SUM(duration_ms) AS total_ms
  FROM pageviews
  WINDOW TUMBLING (SIZE 1 MINUTE)
  GROUP BY user_id
  EMIT CHANGES;
