// The part of the webhook's one statement that keeps each device's latest event of each type
// (device state). It reads `new_event` (the events this statement inserted) and the stored latest
// values as they were when the statement began, and writes device_latest_events.
//
// Per device and type the newer of the stored and the new value wins, by MODE's timestamp and then
// event ID (IDs increase with arrival, so of two events of the same moment the later-stored wins).
// Per device only the `$maxTypes` types with the newest values are kept: the others are deleted,
// and a new type that would rank beyond the bound is not written at all, so the bound holds within
// this one statement (a data-modifying CTE cannot see the rows a sibling CTE inserts).
//
// The upsert re-checks "newer" against the row as committed, so a concurrent statement's newer
// value is never replaced. The bound is computed on this statement's snapshot: two statements
// adding new types to one device at the same moment may leave it briefly above the bound, until
// that device's next event.

/** CTEs to append after `new_event`; `$maxTypes` is the SQL parameter of the bound. `latest_value` lists the values written. */
export function latestEventsCtes(maxTypes: string): string {
  return `type_event AS (
         SELECT DISTINCT ON (device_id, event_type) device_id, event_type, home_id, id AS event_id, event_data, timestamp
         FROM new_event WHERE device_id IS NOT NULL
         ORDER BY device_id, event_type, timestamp DESC, id DESC
       ), candidate AS (
         SELECT device_id, event_type, event_id, timestamp, true AS is_new FROM type_event
         UNION ALL
         SELECT stored.device_id, stored.event_type, stored.event_id, stored.timestamp, false
         FROM device_latest_events stored WHERE stored.device_id IN (SELECT device_id FROM type_event)
       ), winner AS (
         SELECT device_id, event_type, is_new, row_number() OVER (PARTITION BY device_id ORDER BY timestamp DESC, event_id DESC) AS rank
         FROM (SELECT DISTINCT ON (device_id, event_type) * FROM candidate ORDER BY device_id, event_type, timestamp DESC, event_id DESC) newest
       ), latest_value AS (
         INSERT INTO device_latest_events AS stored (device_id, event_type, home_id, event_id, event_data, timestamp)
         SELECT t.device_id, t.event_type, t.home_id, t.event_id, t.event_data, t.timestamp
         FROM type_event t JOIN winner w USING (device_id, event_type)
         WHERE w.is_new AND w.rank <= ${maxTypes}
         ORDER BY t.device_id, t.event_type
         ON CONFLICT (device_id, event_type) DO UPDATE SET
           home_id = EXCLUDED.home_id, event_id = EXCLUDED.event_id, event_data = EXCLUDED.event_data, timestamp = EXCLUDED.timestamp
           WHERE (stored.timestamp, stored.event_id) < (EXCLUDED.timestamp, EXCLUDED.event_id)
         RETURNING stored.event_id
       ), dropped_type AS (
         DELETE FROM device_latest_events stored USING winner w
         WHERE stored.device_id = w.device_id AND stored.event_type = w.event_type AND w.rank > ${maxTypes}
       )`;
}
