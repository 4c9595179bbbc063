-- Exercise 4: a pull query. It looks up State_3's row as it is now, answers
-- once and ends, like a SELECT in any database. The WHERE on the key makes
-- it a lookup of one row rather than a scan of the table.
SELECT state, order_count, total_units
FROM units_by_state
WHERE state = 'State_3';
