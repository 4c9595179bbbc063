-- Exercise 1: the orders topic as a stream.
--
-- The record key is the orderid written as text ("42"), so the key column
-- is a VARCHAR: an INT key would be read as 4 binary bytes, and ksqlDB
-- would skip every record. TIMESTAMP makes ROWTIME the moment the order was
-- placed (event time) rather than when the record reached Kafka.
CREATE STREAM orders (
  orderkey   VARCHAR KEY,
  ordertime  BIGINT,
  orderid    INT,
  itemid     VARCHAR,
  orderunits DOUBLE,
  address    STRUCT<city VARCHAR, state VARCHAR, zipcode INT>
) WITH (
  KAFKA_TOPIC  = 'orders',
  VALUE_FORMAT = 'JSON',
  TIMESTAMP    = 'ordertime'
);
