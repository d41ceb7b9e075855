-- Each data key has an id, written into every value it seals (`enc:v2:<key id>:…`). After an
-- erasure the same user id may come back and get a new key; values sealed with the destroyed
-- key then read as erased, instead of failing to open with the new one.
ALTER TABLE user_keys ADD COLUMN key_id uuid NOT NULL DEFAULT gen_random_uuid();
