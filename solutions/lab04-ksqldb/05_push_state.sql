-- Exercise 5: a push query. The same question as exercise 4, asked with EMIT
-- CHANGES: instead of the row as it is now, every change of State_3's row
-- from now on, for as long as the client keeps the query open.
SELECT state, order_count, total_units
FROM units_by_state
WHERE state = 'State_3'
EMIT CHANGES;
