-- Schema version 3: when the bot is removed from a guild, its data is deleted after a grace
-- period (a mistaken kick of the bot must not wipe the moderators' records at once).

CREATE TABLE guild_departures (
    guild_id INTEGER PRIMARY KEY,
    left_us  INTEGER NOT NULL
);
