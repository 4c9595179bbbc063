-- Exercise 8: tumbling windows in KSQL: units per state per minute.
--
-- Every order counts in the one minute that holds its event time:
-- [10:00:00, 10:01:00), [10:01:00, 10:02:00), ... An order at exactly
-- 10:01:00 starts the next window. Late orders count too (ksqlDB's default
-- grace period is 24 hours), and each one emits the window's new totals.
CREATE TABLE units_per_minute AS
  SELECT address->state AS state,
         WINDOWSTART AS window_start,
         WINDOWEND AS window_end,
         COUNT(*) AS orders,
         SUM(orderunits) AS units
  FROM orders
  WINDOW TUMBLING (SIZE 1 MINUTE)
  GROUP BY address->state
  EMIT CHANGES;
