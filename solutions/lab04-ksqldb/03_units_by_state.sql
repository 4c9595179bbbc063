-- Exercise 3: a table of running totals per state.
--
-- GROUP BY makes the result a table keyed by the grouping expression: each
-- new order replaces its state's row. The sink topic is its changelog, keyed
-- by state; the server also keeps the rows, for pull queries.
CREATE TABLE units_by_state WITH (KAFKA_TOPIC = 'units_by_state', VALUE_FORMAT = 'JSON') AS
  SELECT address->state  AS state,
         COUNT(*)        AS order_count,
         SUM(orderunits) AS total_units
  FROM orders
  GROUP BY address->state
  EMIT CHANGES;
