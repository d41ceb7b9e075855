-- The knowledge change feed and document histories read only the knowledge events of a log that
-- is mostly chats: these partial indexes hold just them, in log order and by document.
CREATE INDEX events_knowledge_by_position ON events (position) INCLUDE (stream_id)
    WHERE event_type IN ('KnowledgeDocumentAdded', 'KnowledgeDocumentRevised',
                         'KnowledgeDocumentRetracted', 'KnowledgeDocumentGraded');
CREATE INDEX events_knowledge_by_stream ON events (stream_id, position)
    WHERE event_type IN ('KnowledgeDocumentAdded', 'KnowledgeDocumentRevised',
                         'KnowledgeDocumentRetracted', 'KnowledgeDocumentGraded');
-- Full reindexes start a new epoch of the feed (see src/knowledge/feed.rs).
CREATE INDEX events_knowledge_reindexes ON events (position) WHERE event_type = 'KnowledgeReindexRequested';
