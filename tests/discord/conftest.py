"""Fixtures for Discord-layer tests: a local fake Discord and the real discord.py client.

Every test gets its own server (``tests/fakediscord``) on 127.0.0.1 with a random port.

Fixtures
--------
``fake_discord`` -> :class:`tests.fakediscord.FakeDiscord`
    Started before the test, stopped after it; discord.py's endpoints are restored afterwards.
``standard_guild`` -> :class:`tests.fakediscord.StandardGuild`
    ``fake_discord.add_standard_guild()``: owner, admin (Manage Server), moderator (Manage
    Messages + Moderate Members), senior_moderator (role above the bot), member, other_member;
    the bot's role holds exactly the permissions of contact-guard's invite; channels general,
    announcements, voice, forum (+ forum_post thread), thread, reports (moderators only), exempt.
    Add it BEFORE starting the client (GUILD_CREATE is sent at IDENTIFY).
``start_client`` -> ``async (client, *, token=None, ready_timeout=10.0) -> client``
    Calls ``configure_endpoints(fake.api_base, fake.gateway_url)``, runs ``client.start(token)``
    in a task, waits until on_ready and closes the client at teardown. Start failures
    (``discord.LoginFailure``, ``discord.PrivilegedIntentsRequired``) are raised to the test.

Example::

    async def test_deletes(fake_discord, standard_guild, start_client):
        client = await start_client(MyBot(intents=...))
        message_id = await fake_discord.send_message(
            standard_guild.general.id, standard_guild.member, "090-1234-5678")
        call = await fake_discord.wait_for_call(
            "DELETE", f"/channels/{standard_guild.general.id}/messages/{message_id}")
        assert call.status == 204

Helpers on the fake (all in ``tests/fakediscord/server.py``):

- world: ``add_user``, ``add_guild``, ``add_role``, ``add_member``, ``add_channel``,
  ``set_overwrite``, ``add_standard_guild(bot_permissions=...)``, ``dm_channel_for``;
  while connected: ``member_joins``, ``announce_channel``, ``announce_guild``, ``sync_channel``,
  ``sync_role``, ``sync_member``.
- events: ``send_message`` (attachments=[FakeAttachment(...)], embeds (``embed_media`` for served
  embed images), message_snapshots=[snapshot_payload(...)], poll=poll_payload(...)),
  ``edit_message`` (full or partial, also for uncached ids), ``user_deletes_message``,
  ``send_slash_command`` (with ``option``/``subcommand``/``subcommand_group``),
  ``send_component_interaction``, ``send_modal_submit``, ``send_interaction`` (raw), ``dispatch``.
- connection: ``drop_connection(code=4000 | None)``, ``send_reconnect``, ``revoke_token``,
  ``enabled_privileged_intents`` (IDENTIFY asking for more -> close 4014), ``identify_intents``,
  ``resume_count``, ``gateway_connections``, ``compress_transport``.
- recording: ``calls``, ``calls_to(method, path_or_template)``, ``wait_for_call(...,
  where=..., count=..., timeout=...)``, ``assert_no_call``, ``wait_for_interaction_response``,
  ``unknown_calls``, ``invalid_requests``, ``call_listeners``; ``RecordedCall.reason`` is the
  URL-decoded audit-log reason, ``.json`` the body (``payload_json`` for uploads), ``.files``.
- failures: ``close_dms(user)`` (50007), ``deny_permission`` (50013), ``rate_limit`` (429 with
  retry_after), ``server_error`` (5xx), ``fail`` (anything), ``set_route_limit`` (enforced
  buckets), ``interaction_ack_deadline`` (3 s). The fake also computes permissions itself: a
  delete without Manage Messages, a ban/timeout/kick of a member at or above the bot's top role,
  a DM to a user who shares no server with the bot (e.g. after a ban) fail as on Discord.

Never sleep blindly: wait for the REST call you expect.
"""

from tests.fakediscord.fixtures import fake_discord, standard_guild, start_client

__all__ = ["fake_discord", "standard_guild", "start_client"]
