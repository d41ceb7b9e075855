-- Editions are a handful of small streams in a log that is mostly chats: this partial index
-- holds just their events, so listing them (each request that quotes a text checks which are
-- quotable, every few seconds) reads a few rows.
CREATE INDEX events_knowledge_editions ON events (stream_id, position) WHERE event_type = 'KnowledgeEditionRecorded';
