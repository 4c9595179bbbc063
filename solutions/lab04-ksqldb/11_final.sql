-- Exercise 11: final results in KSQL: one final result per state and minute.
--
-- The windows of 08_tumbling.sql, with a grace period of 10 seconds and
-- EMIT FINAL: ksqlDB holds each window back until stream time (the latest
-- order time seen, over all states) reaches its end + 10 s, then writes it
-- once, with its complete totals. A late order within the grace period
-- still counts; a later one is dropped; a window still open writes nothing.
-- It is the KSQL twin of lab 3's Go aggregator's finals topic,
-- units-per-minute-go-final.
CREATE TABLE units_per_minute_final AS
  SELECT address->state AS state,
         WINDOWSTART AS window_start,
         WINDOWEND AS window_end,
         COUNT(*) AS orders,
         SUM(orderunits) AS units
  FROM orders
  WINDOW TUMBLING (SIZE 1 MINUTE, GRACE PERIOD 10 SECONDS)
  GROUP BY address->state
  EMIT FINAL;
