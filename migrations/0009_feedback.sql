-- #14: feedback on agents' replies, as `FeedbackGiven` events on the conversation's stream.
-- The conversation read model shows the latest feedback on a reply (with its revision number);
-- analytics count helpful and unhelpful replies per agent type (a revision moves the count).
ALTER TABLE messages ADD COLUMN feedback jsonb;
ALTER TABLE analytics_agent_types ADD COLUMN helpful BIGINT NOT NULL DEFAULT 0;
ALTER TABLE analytics_agent_types ADD COLUMN unhelpful BIGINT NOT NULL DEFAULT 0;
