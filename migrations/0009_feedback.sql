-- #14: feedback on agents' replies, as `FeedbackGiven` events on the conversation's stream.
-- The conversation read model shows the latest feedback on a reply (with its revision number);
-- analytics count helpful and unhelpful replies per agent type (a revision moves the count).
ALTER TABLE messages ADD COLUMN feedback jsonb;
ALTER TABLE analytics_agent_types ADD COLUMN helpful BIGINT NOT NULL DEFAULT 0;
ALTER TABLE analytics_agent_types ADD COLUMN unhelpful BIGINT NOT NULL DEFAULT 0;

-- Calibration: helpful and unhelpful replies per agent type and confidence decile (0: [0, 0.1),
-- ..., 9: [0.9, 1]), to see whether an agent's confidence means what it says.
CREATE TABLE analytics_calibration (
    agent_type TEXT    NOT NULL,
    decile     INTEGER NOT NULL,
    helpful    BIGINT  NOT NULL DEFAULT 0,
    unhelpful  BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (agent_type, decile)
);
