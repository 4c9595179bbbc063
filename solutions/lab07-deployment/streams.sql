-- The lab's source streams, over the topics `mlops-lab start lab7` creates.
-- Run this once in ksqlDB before your own files (mlops-lab ksql -f
-- streams.sql; the grader runs its own copy first, on fresh topics, then
-- your file). You do not change it.

-- orders: ksql-datagen's orders quickstart (as in labs 3 and 4).
CREATE STREAM IF NOT EXISTS orders (
    orderkey VARCHAR KEY,
    ordertime BIGINT,
    orderid INT,
    itemid VARCHAR,
    orderunits DOUBLE,
    address STRUCT<city VARCHAR, state VARCHAR, zipcode BIGINT>
  ) WITH (kafka_topic='orders', value_format='JSON');

-- trades_scored: the trades after the trade model decided on them, as
-- the Go scorer of exercise 5 writes them (ScoredTrade). The record
-- timestamp is the trade's event time inside its trading day.
CREATE STREAM IF NOT EXISTS trades_scored (
    tradekey VARCHAR KEY,
    date INT,
    ts_id BIGINT,
    weight DOUBLE,
    resp DOUBLE,
    probability DOUBLE,
    action INT,
    model_version INT
  ) WITH (kafka_topic='trades_scored', value_format='JSON');
