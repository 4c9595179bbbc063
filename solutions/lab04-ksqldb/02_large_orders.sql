-- Exercise 2: a persistent query for large orders: it keeps writing them,
-- with the state and city taken out of the address struct.
--
-- CREATE STREAM ... AS SELECT starts a query that runs on the server until
-- it is terminated, whether or not anyone is watching. Selecting ORDERKEY
-- keeps each order's key, so an order stays in the partition it was in.
CREATE STREAM large_orders WITH (KAFKA_TOPIC = 'large_orders', VALUE_FORMAT = 'JSON') AS
  SELECT orderkey,
         orderid,
         itemid,
         orderunits,
         address->state AS state,
         address->city  AS city
  FROM orders
  WHERE orderunits > 8
  EMIT CHANGES;
