-- Exercise 1: the model as a KSQL expression, deployed as a query: the
-- return model, inside ksqlDB.
--
-- The expression is what KSQLExpression(ReturnModel, ReturnColumns) writes
-- (go test -tags live -run TestLive/statement -v . prints this statement
-- from your function). Every weight is a DOUBLE literal (with an
-- exponent) that reads back to exactly the model's weight. The query runs
-- on the server until it is terminated, scoring every order as it
-- arrives; ORDERKEY keeps each order's key.
CREATE STREAM orders_scored WITH (KAFKA_TOPIC = 'orders_scored', VALUE_FORMAT = 'JSON') AS
  SELECT orderkey,
         orderid,
         1 / (1 + EXP(-((-2.75E+00) + 3.125E-01 * ORDERUNITS + (-1.5E-05) * ADDRESS->ZIPCODE))) AS p_return
  FROM orders
  EMIT CHANGES;
