-- Exercise 2: the sums and the line in KSQL.
--
-- The points topic read as a TABLE, not a STREAM: a record with a key seen
-- before replaces that key's row, and a tombstone deletes it. An
-- aggregation over a table then retracts the old row's contribution before
-- it adds the new one, which is exactly exercise 3's un-learning.
CREATE TABLE points (id VARCHAR PRIMARY KEY, x DOUBLE, y DOUBLE)
  WITH (KAFKA_TOPIC = 'points', VALUE_FORMAT = 'JSON');

-- The five sufficient statistics, in one row: every point counts in the
-- same group, so group by a constant.
CREATE TABLE line_sums AS
  SELECT 'line'     AS model,
         COUNT(*)   AS n,
         SUM(x)     AS sx,
         SUM(y)     AS sy,
         SUM(x * y) AS sxy,
         SUM(x * x) AS sxx
  FROM points
  GROUP BY 'line'
  EMIT CHANGES;

-- The line from the sums: a table derived from a table, updated whenever
-- the sums change. d = n*sxx - sx*sx is zero until there are two different
-- x values; the line is NULL then rather than a division by zero.
CREATE TABLE line AS
  SELECT model,
         n,
         CASE WHEN n * sxx - sx * sx = 0 THEN CAST(NULL AS DOUBLE)
              ELSE (sy * sxx - sx * sxy) / (n * sxx - sx * sx) END AS intercept,
         CASE WHEN n * sxx - sx * sx = 0 THEN CAST(NULL AS DOUBLE)
              ELSE (n * sxy - sx * sy) / (n * sxx - sx * sx) END AS slope
  FROM line_sums
  EMIT CHANGES;
