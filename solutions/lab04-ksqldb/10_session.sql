-- Exercise 10: session windows in KSQL: pageview sessions per user.
--
-- A session is a run of one user's pageviews, each at most 2 minutes after
-- the one before; its window runs from the first pageview to the last, both
-- included. A pageview that bridges two sessions merges them: ksqlDB deletes
-- the two (a tombstone each) and writes the merged one.
CREATE TABLE pageview_sessions AS
  SELECT userid,
         WINDOWSTART AS session_start,
         WINDOWEND AS session_end,
         COUNT(*) AS views
  FROM pageviews
  WINDOW SESSION (2 MINUTES)
  GROUP BY userid
  EMIT CHANGES;
