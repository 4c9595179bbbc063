-- Big orders, with the customer's name in capitals.
CREATE STREAM orders (order_id INT KEY, customer STRING, amount DOUBLE)
  WITH (kafka_topic='orders', value_format='JSON');

CREATE STREAM big_orders AS
  SELECT order_id, UCASE(customer) AS customer, amount
  FROM orders
  WHERE amount > 100
  EMIT CHANGES;
