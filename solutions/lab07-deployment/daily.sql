-- Exercise 5: scoring trades, the score per day, updates and finals: the
-- utility score of every trading day, twice.
--
-- daily_score is a table of updates (EMIT CHANGES): every scored trade
-- writes its day's new totals, so a consumer always has the latest
-- numbers, and any of them may still change.
CREATE TABLE daily_score WITH (KAFKA_TOPIC = 'daily_score', VALUE_FORMAT = 'JSON') AS
  SELECT date,
         SUM(weight * resp * action) AS score,
         COUNT(*) AS trades
  FROM trades_scored
  GROUP BY date
  EMIT CHANGES;

-- daily_score_final writes each day once, complete (EMIT FINAL). EMIT
-- FINAL needs windows: a day is a tumbling window of one day over event
-- time (each trade's timestamp lies inside its day), and with no grace
-- period the window closes as soon as the first trade of a later day
-- arrives.
CREATE TABLE daily_score_final WITH (KAFKA_TOPIC = 'daily_score_final', VALUE_FORMAT = 'JSON') AS
  SELECT date,
         SUM(weight * resp * action) AS score,
         COUNT(*) AS trades
  FROM trades_scored
  WINDOW TUMBLING (SIZE 1 DAY, GRACE PERIOD 0 SECONDS)
  GROUP BY date
  EMIT FINAL;
