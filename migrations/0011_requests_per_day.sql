-- Requests routed per day (UTC, by the time the decision was recorded) and agent type.
CREATE TABLE analytics_daily (
    day DATE NOT NULL,
    agent_type TEXT NOT NULL,
    requests BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, agent_type)
);
