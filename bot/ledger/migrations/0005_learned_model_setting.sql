-- Schema version 5: the learned solicitation model (bot/detect/learned.py).
-- * Per guild, what a verdict of the model alone does: 'off' (the model is not asked),
--   'review' (reported for the moderators, nothing done to the member, not counted; the
--   default, also for guilds that existed before: the model is less sure than a rule) or
--   'enforce' (like a rule's finding).
-- * Strikes held for review are marked, so that a rule finding on the same message later (an
--   edit that adds a phone number) is enforced instead of being taken for a duplicate.

ALTER TABLE guild_settings ADD COLUMN learned_model TEXT NOT NULL DEFAULT 'review'
    CHECK (learned_model IN ('off', 'review', 'enforce'));
ALTER TABLE strikes ADD COLUMN review INTEGER NOT NULL DEFAULT 0;
