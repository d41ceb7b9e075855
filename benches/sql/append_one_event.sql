\set n random(1, 1000000000)
SELECT count(*) FROM hijraah_append_batch(ARRAY['conversation-' || :n], ARRAY['any'], ARRAY[0::bigint], ARRAY[1], ARRAY[gen_random_uuid()], ARRAY['AgentReplied'], ARRAY[1], ARRAY['{"agent_type":"knowledge","content":"hijraah:sealed:v2:abc"}'::jsonb], ARRAY['{}'::jsonb]);
