-- Exercise 9: hopping windows and a grace period in KSQL: units per state
-- in the last 5 minutes, updated every minute.
--
-- Hopping windows 5 minutes long start every minute, so every order counts
-- in 5 windows. A window closes 30 seconds after its end (in stream time,
-- the latest order time seen): an order arriving later than that for a
-- window no longer changes it, while its newer windows still take it.
CREATE TABLE units_last_5_minutes AS
  SELECT address->state AS state,
         WINDOWSTART AS window_start,
         WINDOWEND AS window_end,
         COUNT(*) AS orders,
         SUM(orderunits) AS units
  FROM orders
  WINDOW HOPPING (SIZE 5 MINUTES, ADVANCE BY 1 MINUTE, GRACE PERIOD 30 SECONDS)
  GROUP BY address->state
  EMIT CHANGES;
