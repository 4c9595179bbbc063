-- Exercise 7: page views per region, a stream-table join: two topics that
-- know half each.
--
-- Pageviews know the user; the users table knows the user's region. The
-- table is keyed by userid and the stream is re-keyed by userid for the join
-- (ksqlDB does that itself when the join column is not the stream's key);
-- both topics have 3 partitions, so the two sides are co-partitioned.

CREATE STREAM pageviews (
  viewtime BIGINT,
  userid   VARCHAR,
  pageid   VARCHAR
) WITH (KAFKA_TOPIC = 'pageviews', VALUE_FORMAT = 'JSON', TIMESTAMP = 'viewtime');

-- A table: the latest profile of each user wins.
CREATE TABLE users (
  userid       VARCHAR PRIMARY KEY,
  registertime BIGINT,
  regionid     VARCHAR,
  gender       VARCHAR
) WITH (KAFKA_TOPIC = 'users', VALUE_FORMAT = 'JSON');

-- LEFT JOIN keeps the views of users with no profile yet (region NULL). Each
-- view is joined with the profile as it is when the view is processed.
CREATE STREAM pageviews_enriched WITH (KAFKA_TOPIC = 'pageviews_enriched', VALUE_FORMAT = 'JSON') AS
  SELECT pv.userid   AS userid,
         pv.pageid   AS pageid,
         pv.viewtime AS viewtime,
         u.regionid  AS regionid,
         u.gender    AS gender
  FROM pageviews pv
  LEFT JOIN users u ON pv.userid = u.userid
  EMIT CHANGES;

-- Views per region, queryable with a pull query. Views with a NULL region
-- have no group and are not counted.
CREATE TABLE pageviews_per_region WITH (KAFKA_TOPIC = 'pageviews_per_region', VALUE_FORMAT = 'JSON') AS
  SELECT regionid,
         COUNT(*) AS views
  FROM pageviews_enriched
  GROUP BY regionid
  EMIT CHANGES;
