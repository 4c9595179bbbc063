-- The lab's source streams, over the topics `mlops-lab start lab3` creates.
-- Run this once in ksqlDB before your own files (the grader runs its own
-- copy first, on fresh topics, then your file). You do not change it.
--
-- orders: ksql-datagen's orders quickstart; the record timestamp is the
-- ordertime, and it is the event time every window below uses.
CREATE STREAM IF NOT EXISTS orders (
    orderid INT KEY,
    ordertime BIGINT,
    itemid STRING,
    orderunits DOUBLE,
    address STRUCT<city STRING, state STRING, zipcode BIGINT>
  ) WITH (kafka_topic='orders', value_format='JSON');

-- pageviews: ksql-datagen's pageviews quickstart; the record timestamp is
-- the viewtime.
CREATE STREAM IF NOT EXISTS pageviews (
    viewtime BIGINT,
    userid STRING,
    pageid STRING
  ) WITH (kafka_topic='pageviews', value_format='JSON');
