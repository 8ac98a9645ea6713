-- One alert per account and episode: every decision of the guard other than
-- allow raises an alert, and the decisions that follow it while it is open
-- update it (severity, decision, reasons, credentials, addresses, user
-- agents, documents) instead of raising new ones. Severities are now
-- medium (step-up), high (throttle) and critical (suspension); older rows
-- said `warning` for the lowest.
ALTER TABLE guard_alerts ADD COLUMN updated_at INTEGER;
ALTER TABLE guard_alerts ADD COLUMN decisions INTEGER NOT NULL DEFAULT 1;
ALTER TABLE guard_alerts ADD COLUMN credentials TEXT NOT NULL DEFAULT '[]';
ALTER TABLE guard_alerts ADD COLUMN ips TEXT NOT NULL DEFAULT '[]';
ALTER TABLE guard_alerts ADD COLUMN user_agents TEXT NOT NULL DEFAULT '[]';
ALTER TABLE guard_alerts ADD COLUMN documents TEXT NOT NULL DEFAULT '[]';
UPDATE guard_alerts SET
    updated_at = time,
    severity = CASE severity WHEN 'warning' THEN 'medium' ELSE severity END,
    ips = CASE WHEN ip IS NULL THEN '[]' ELSE json_array(ip) END;
