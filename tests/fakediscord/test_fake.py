"""The fake Discord speaks well enough for the REAL discord.py client: self-tests.

Each test starts a minimal ``discord.Client`` against a fresh fake and checks one protocol
behaviour end to end (gateway lifecycle, REST recording, failures discord.py must surface).
"""

from __future__ import annotations

import asyncio
import io
from typing import TypeVar

import aiohttp
import discord
import pytest

from tests.fakediscord import (
    ChannelType,
    FakeAttachment,
    FakeDiscord,
    Intent,
    Permission,
    StandardGuild,
    option,
    poll_payload,
    snapshot_payload,
    subcommand,
)
from tests.fakediscord.fixtures import StartClient

T = TypeVar("T")


class RecordingClient(discord.Client):
    """A minimal client that remembers what discord.py handed it."""

    def __init__(self, intents: discord.Intents | None = None) -> None:
        if intents is None:
            intents = discord.Intents.default()
            intents.message_content = True
            intents.members = True
        super().__init__(intents=intents)
        self.messages: asyncio.Queue[discord.Message] = asyncio.Queue()
        self.raw_edits: asyncio.Queue[discord.RawMessageUpdateEvent] = asyncio.Queue()
        self.interactions: asyncio.Queue[discord.Interaction] = asyncio.Queue()
        self.resumed = asyncio.Event()

    async def on_message(self, message: discord.Message) -> None:
        await self.messages.put(message)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        await self.raw_edits.put(payload)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.interactions.put(interaction)

    async def on_resumed(self) -> None:
        self.resumed.set()


def text_channel(client: discord.Client, channel_id: int) -> discord.TextChannel:
    channel = client.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def next_item(queue: asyncio.Queue[T]) -> T:
    """The next event the client saw, failing the test instead of hanging."""
    return await asyncio.wait_for(queue.get(), 5.0)


async def test_connects_and_sees_the_standard_guild(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    guild = client.get_guild(standard_guild.id)
    assert guild is not None
    assert guild.owner_id == standard_guild.owner.id
    assert guild.me.guild_permissions.manage_messages
    assert guild.me.guild_permissions.ban_members
    assert not guild.me.guild_permissions.administrator
    reports = guild.get_channel(standard_guild.reports.id)
    assert isinstance(reports, discord.TextChannel)
    assert reports.permissions_for(guild.me).send_messages
    member = guild.get_member(standard_guild.member.id)
    assert member is not None and not reports.permissions_for(member).view_channel
    assert isinstance(guild.get_channel(standard_guild.forum.id), discord.ForumChannel)
    assert isinstance(guild.get_channel(standard_guild.voice.id), discord.VoiceChannel)
    assert guild.get_thread(standard_guild.forum_post.id) is not None
    assert client.application_id == fake_discord.application_id
    assert client.application_flags.gateway_message_content_limited
    assert client.user is not None and client.user.id == fake_discord.bot_user.id
    # IDENTIFY carried the intents, including the privileged ones the client asked for.
    intents = fake_discord.identify_intents[-1]
    assert intents & Intent.MESSAGE_CONTENT and intents & Intent.GUILD_MEMBERS
    first_connection = fake_discord.gateway_connections[0]
    assert first_connection.query["v"] == "10" and first_connection.query["encoding"] == "json"
    # discord.py asks for zlib-stream (no zstd module installed) and gets it, as from Discord.
    assert first_connection.compressed
    assert [c.path for c in fake_discord.calls[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    assert fake_discord.unknown_calls() == []


async def test_message_create_reaches_on_message_with_content_and_extras(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    image = FakeAttachment("qr.png", b"\x89PNG fake bytes", "image/png", description="my line")
    message_id = await fake_discord.send_message(
        standard_guild.general.id,
        standard_guild.member,
        "hello 090-1234-5678",
        attachments=[image],
        embeds=[
            {"type": "rich", "title": "embed title", "description": "embed text"},
            {"type": "image", "image": fake_discord.embed_media(
                standard_guild.general.id, FakeAttachment("big.jpg", b"jpeg bytes", "image/jpeg", width=4, height=3)
            )},
        ],
    )
    message = await next_item(client.messages)
    assert message.id == message_id
    assert message.content == "hello 090-1234-5678"
    assert isinstance(message.author, discord.Member)
    assert message.author.id == standard_guild.member.id
    assert message.embeds[0].description == "embed text"
    attachment = message.attachments[0]
    assert attachment.description == "my line" and attachment.content_type == "image/png"
    # The attachment is served by the fake, so an image scanner can download it.
    assert await attachment.read() == b"\x89PNG fake bytes"
    embed_image_url = message.embeds[1].image.proxy_url
    assert embed_image_url is not None
    async with aiohttp.ClientSession() as session, session.get(embed_image_url) as response:
        assert await response.read() == b"jpeg bytes"
        assert response.content_type == "image/jpeg"

    forward_id = await fake_discord.send_message(
        standard_guild.thread.id, standard_guild.member, "",
        message_snapshots=[snapshot_payload("forwarded: line id abc")],
    )
    forwarded = await next_item(client.messages)
    assert forwarded.id == forward_id
    assert forwarded.message_snapshots[0].content == "forwarded: line id abc"
    assert isinstance(forwarded.channel, discord.Thread)

    await fake_discord.send_message(
        standard_guild.voice.id, standard_guild.member, "", poll=poll_payload("add me?", ["yes", "no"])
    )
    polled = await next_item(client.messages)
    assert polled.poll is not None and polled.poll.question == "add me?"
    assert [a.text for a in polled.poll.answers] == ["yes", "no"]


async def test_delete_bulk_delete_and_unknown_message(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    channel_id = standard_guild.general.id
    ids = [await fake_discord.send_message(channel_id, standard_guild.member, f"part {i}") for i in range(3)]
    channel = text_channel(client, channel_id)

    await channel.get_partial_message(ids[0]).delete()
    call = await fake_discord.wait_for_call("DELETE", "/channels/{c}/messages/{m}")
    assert call.path == f"/channels/{channel_id}/messages/{ids[0]}" and call.status == 204

    await channel.delete_messages([discord.Object(ids[1]), discord.Object(ids[2])], reason="contact details")
    bulk = await fake_discord.wait_for_call("POST", "/channels/{channel_id}/messages/bulk-delete")
    assert [int(i) for i in bulk.json["messages"]] == ids[1:]
    assert bulk.reason == "contact details"

    with pytest.raises(discord.NotFound) as gone:
        await channel.get_partial_message(ids[0]).delete()
    assert gone.value.code == 10008


async def test_dm_and_closed_dms(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    member = await client.fetch_user(standard_guild.member.id)
    sent = await member.send("please keep contact details off the server")
    assert sent.content == "please keep contact details off the server"
    create_dm = await fake_discord.wait_for_call("POST", "/users/@me/channels")
    assert create_dm.json == {"recipient_id": standard_guild.member.id}

    fake_discord.close_dms(standard_guild.other_member)
    other = await client.fetch_user(standard_guild.other_member.id)
    with pytest.raises(discord.Forbidden) as refused:
        await other.send("hello")
    assert refused.value.code == 50007
    assert [c.status for c in fake_discord.invalid_requests()] == [403]


async def test_moderation_routes_record_reason_and_respect_hierarchy(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    guild = client.get_guild(standard_guild.id)
    assert guild is not None
    member = guild.get_member(standard_guild.member.id)
    assert member is not None
    await member.timeout(discord.utils.utcnow() + __import__("datetime").timedelta(hours=1), reason="連絡先の共有")
    timeout_call = await fake_discord.wait_for_call("PATCH", "/guilds/{g}/members/{u}")
    assert timeout_call.json["communication_disabled_until"]
    assert timeout_call.reason == "連絡先の共有"

    await guild.ban(discord.Object(standard_guild.member.id), reason="third strike: phone", delete_message_seconds=0)
    ban = await fake_discord.wait_for_call("PUT", "/guilds/{guild_id}/bans/{user_id}")
    assert ban.reason == "third strike: phone"
    assert standard_guild.guild.bans[standard_guild.member.id] == "third strike: phone"

    with pytest.raises(discord.Forbidden) as refused:
        await guild.ban(discord.Object(standard_guild.senior_moderator.id), reason="above the bot")
    assert refused.value.code == 50013
    # Discord caps audit-log reasons at 512 characters.
    with pytest.raises(discord.HTTPException) as too_long:
        await guild.ban(discord.Object(standard_guild.other_member.id), reason="x" * 513)
    assert too_long.value.status == 400 and too_long.value.code == 50035


async def test_resume_after_drop_replays_missed_events_without_identify(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    await fake_discord.drop_connection()
    # Sent while the client is disconnected: must be replayed after RESUME.
    missed_id = await fake_discord.send_message(standard_guild.general.id, standard_guild.member, "while away")
    await asyncio.wait_for(client.resumed.wait(), 10)
    message = await next_item(client.messages)
    assert message.id == missed_id
    assert len(fake_discord.identify_intents) == 1
    assert fake_discord.resume_count == 1
    assert fake_discord.gateway_connections[-1].resume is not None


async def test_rate_limited_request_is_retried(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    channel = text_channel(client, standard_guild.general.id)
    fake_discord.rate_limit("POST", "/channels/{channel_id}/messages", times=2, retry_after=0.05)
    sent = await channel.send("notice")
    posts = fake_discord.calls_to("POST", "/channels/{channel_id}/messages")
    assert [c.status for c in posts] == [429, 429, 200]
    assert sent.content == "notice"


async def test_slash_command_response_and_ephemeral_flag(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    interaction = await fake_discord.send_slash_command(
        standard_guild.id, standard_guild.general.id, standard_guild.admin, "guard",
        [subcommand("strikes", [option("member", standard_guild.member.id, 6)])],
        locale="ja",
    )
    received = await next_item(client.interactions)
    assert received.id == interaction.id
    assert received.locale == discord.Locale.japanese
    assert received.permissions.manage_guild
    assert received.data is not None
    resolved_users = received.data.get("resolved", {}).get("users", {})
    assert str(standard_guild.member.id) in resolved_users
    await received.response.send_message("done", ephemeral=True)
    callback = await fake_discord.wait_for_interaction_response(interaction)
    assert callback.json["type"] == 4
    assert callback.json["data"]["flags"] & 64
    await received.edit_original_response(content="done, really")
    edited = await fake_discord.wait_for_call("PATCH", "/webhooks/{w}/{t}/messages/@original")
    assert edited.json["content"] == "done, really"


async def test_button_click_updates_the_message(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    reports = client.get_channel(standard_guild.reports.id)
    assert isinstance(reports, discord.TextChannel)
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="Ban", custom_id="report:ban:1"))
    report = await reports.send("report", view=view)
    interaction = await fake_discord.send_component_interaction(
        standard_guild.id, standard_guild.reports.id, standard_guild.moderator, report.id, "report:ban:1"
    )
    received = await next_item(client.interactions)
    assert received.data is not None and received.data.get("custom_id") == "report:ban:1"
    assert received.message is not None and received.message.id == report.id
    await received.response.edit_message(content="banned by moderator", view=None)
    callback = await fake_discord.wait_for_interaction_response(interaction)
    assert callback.json["type"] == 7
    assert fake_discord.messages[report.id].payload["content"] == "banned by moderator"


async def test_bad_token_is_a_login_failure(fake_discord: FakeDiscord, start_client: StartClient) -> None:
    with pytest.raises(discord.LoginFailure):
        await start_client(RecordingClient(), token="not-the-token")


async def test_disallowed_message_content_intent_closes_4014(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    fake_discord.enabled_privileged_intents = Intent.GUILD_MEMBERS
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await start_client(RecordingClient())


async def test_edit_of_an_uncached_message_reaches_the_raw_event(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    old_id = fake_discord.snowflakes.next()
    await fake_discord.edit_message(
        standard_guild.general.id, old_id, "now with 090-1234-5678", author=standard_guild.member
    )
    edit = await next_item(client.raw_edits)
    assert edit.message_id == old_id and edit.cached_message is None
    assert edit.data["content"] == "now with 090-1234-5678"


async def test_unknown_routes_are_recorded_and_answered_404(fake_discord: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {fake_discord.token}"}
        async with session.get(f"{fake_discord.api_base}/voice/regions", headers=headers) as response:
            assert response.status == 404
    assert [c.path for c in fake_discord.unknown_calls()] == ["/voice/regions"]
    assert "Authorization" not in fake_discord.calls[0].headers


async def test_revoked_token_closes_the_gateway_with_4004(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    class RevokedBeforeConnect(RecordingClient):
        async def setup_hook(self) -> None:
            fake_discord.revoke_token()

    with pytest.raises(discord.ConnectionClosed) as closed:
        await start_client(RevokedBeforeConnect())
    assert closed.value.code == 4004


async def test_uploads_are_recorded_and_served(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    channel = text_channel(client, standard_guild.reports.id)
    embed = discord.Embed(title="Report", description="member shared 090-****-5678")
    sent = await channel.send(
        embed=embed, file=discord.File(io.BytesIO(b'{"strikes": []}'), filename="evidence.json")
    )
    call = await fake_discord.wait_for_call("POST", f"/channels/{standard_guild.reports.id}/messages")
    assert call.json["embeds"][0]["title"] == "Report"
    assert [(f.filename, f.data) for f in call.files] == [("evidence.json", b'{"strikes": []}')]
    assert await sent.attachments[0].read() == b'{"strikes": []}'
    # The bot receives its own message back, as on Discord.
    echoed = await next_item(client.messages)
    assert echoed.id == sent.id and echoed.author == client.user


async def test_synced_guild_command_runs_with_deferral_followup_and_file(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = RecordingClient()
    tree = discord.app_commands.CommandTree(client)
    guard = discord.app_commands.Group(
        name="guard", description="admin", default_permissions=discord.Permissions(manage_guild=True)
    )
    invoked: asyncio.Queue[tuple[discord.Member, str]] = asyncio.Queue()

    @guard.command(name="export", description="export strikes")
    async def export(interaction: discord.Interaction, member: discord.Member, note: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(
            "here", file=discord.File(io.BytesIO(b"{}"), filename="strikes.json"), ephemeral=True
        )
        await invoked.put((member, note))

    tree.add_command(guard)
    guild_object = discord.Object(standard_guild.id)
    tree.copy_global_to(guild=guild_object)
    await start_client(client)
    synced = await tree.sync(guild=guild_object)
    assert [c.name for c in synced] == ["guard"]
    put = fake_discord.calls_to("PUT", "/applications/{a}/guilds/{g}/commands")[0]
    assert int(put.json[0]["default_member_permissions"]) == 1 << 5

    interaction = await fake_discord.send_slash_command(
        standard_guild.id, standard_guild.general.id, standard_guild.admin, "guard",
        [subcommand("export", [option("member", standard_guild.member.id, 6), option("note", "police", 3)])],
    )
    member, note = await asyncio.wait_for(invoked.get(), 5)
    assert member.id == standard_guild.member.id and note == "police"
    callback = await fake_discord.wait_for_interaction_response(interaction)
    assert callback.json == {"type": 5, "data": {"flags": 64}}
    followup = await fake_discord.wait_for_call("POST", f"/webhooks/{fake_discord.application_id}/{interaction.token}")
    assert followup.json["flags"] & 64 and followup.files[0].filename == "strikes.json"


async def test_enforced_route_limit_is_respected_by_the_client_limiter(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    channel = text_channel(client, standard_guild.general.id)
    fake_discord.set_route_limit("POST", "/channels/{channel_id}/messages", limit=2, window=0.2)
    for index in range(3):
        await channel.send(f"notice {index}")
    posts = fake_discord.calls_to("POST", "/channels/{channel_id}/messages")
    # The headers told discord.py the bucket was empty, so it waited instead of hitting 429.
    assert [c.status for c in posts] == [200, 200, 200]
    assert posts[2].at - posts[1].at >= 0.1


async def test_abrupt_drop_and_reconnect_request_both_resume(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    await fake_discord.drop_connection(code=None)
    await asyncio.wait_for(client.resumed.wait(), 10)
    client.resumed.clear()
    await fake_discord.send_reconnect()
    await asyncio.wait_for(client.resumed.wait(), 10)
    assert fake_discord.resume_count == 2 and len(fake_discord.identify_intents) == 1


async def test_channel_overwrite_removes_manage_messages(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    fake_discord.set_overwrite(standard_guild.general, standard_guild.bot_role, deny=Permission.MANAGE_MESSAGES)
    client = await start_client(RecordingClient())
    channel = text_channel(client, standard_guild.general.id)
    assert not channel.permissions_for(channel.guild.me).manage_messages
    message_id = await fake_discord.send_message(channel.id, standard_guild.member, "x")
    with pytest.raises(discord.Forbidden) as refused:
        await channel.get_partial_message(message_id).delete()
    assert refused.value.code == 50013
    # Injected failures work on any route, narrowed by path parameter.
    fake_discord.deny_permission("POST", "/channels/{channel_id}/messages", channel_id=standard_guild.announcements.id)
    announcements = client.get_channel(standard_guild.announcements.id)
    assert isinstance(announcements, discord.TextChannel)
    with pytest.raises(discord.Forbidden):
        await announcements.send("x")
    await channel.guild.get_channel(standard_guild.thread.parent_id or 0).send("still allowed")  # type: ignore[union-attr]


async def test_dm_after_ban_fails_like_discord(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    """The bot shares no server with a banned user any more, so only 'DM first, then ban' works."""
    client = await start_client(RecordingClient())
    user = await client.fetch_user(standard_guild.member.id)
    await user.send("you are being banned because ...")
    guild = client.get_guild(standard_guild.id)
    assert guild is not None
    await guild.ban(user, reason="third strike")
    with pytest.raises(discord.Forbidden) as refused:
        await user.send("too late")
    assert refused.value.code == 50007


async def test_slow_interaction_acknowledgement_is_unknown(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    fake_discord.interaction_ack_deadline = 0.05
    client = await start_client(RecordingClient())
    await fake_discord.send_slash_command(standard_guild.id, standard_guild.general.id, standard_guild.member, "mystrikes")
    received = await next_item(client.interactions)
    await asyncio.sleep(0.1)  # deliberately later than the (shortened) 3-second window
    with pytest.raises(discord.NotFound) as unknown:
        await received.response.send_message("too late")
    assert unknown.value.code == 10062


async def test_restarted_client_identifies_again_and_sees_new_messages(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    fake_discord.compress_transport = False  # plain text frames work as well
    first = await start_client(RecordingClient())
    await first.close()
    second = await start_client(RecordingClient())
    message_id = await fake_discord.send_message(standard_guild.general.id, standard_guild.member, "after restart")
    assert (await next_item(second.messages)).id == message_id
    assert len(fake_discord.identify_intents) == 2
    assert not any(c.compressed for c in fake_discord.gateway_connections)


async def test_server_error_is_retried_once(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    channel = text_channel(client, standard_guild.general.id)
    message_id = await fake_discord.send_message(channel.id, standard_guild.member, "x")
    fake_discord.server_error("DELETE", "/channels/{channel_id}/messages/{message_id}", status=502)
    await channel.get_partial_message(message_id).delete()  # discord.py waits 1 s, then retries
    statuses = [c.status for c in fake_discord.calls_to("DELETE", "/channels/{c}/messages/{m}")]
    assert statuses == [502, 204]


async def test_live_joins_channels_and_user_deletes(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    guild = client.get_guild(standard_guild.id)
    assert guild is not None
    newcomer = fake_discord.add_user("newcomer")
    await fake_discord.member_joins(standard_guild.guild, newcomer, [standard_guild.member_role])
    thread = fake_discord.add_channel(
        standard_guild.guild, "new post", ChannelType.PUBLIC_THREAD, parent=standard_guild.forum, owner=newcomer
    )
    await fake_discord.announce_channel(thread)
    message_id = await fake_discord.send_message(thread.id, newcomer, "first post")
    message = await next_item(client.messages)
    assert message.id == message_id and isinstance(message.channel, discord.Thread)
    assert isinstance(message.author, discord.Member) and message.author.id == newcomer.id
    deleted = asyncio.ensure_future(client.wait_for("raw_message_delete", timeout=5))
    await fake_discord.user_deletes_message(thread.id, message_id)
    event = await deleted
    assert event.message_id == message_id


async def test_modal_round_trip_and_direct_message_to_the_bot(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    submitted: asyncio.Queue[str] = asyncio.Queue()

    class PardonReason(discord.ui.Modal, title="Pardon"):
        reason: discord.ui.TextInput[PardonReason] = discord.ui.TextInput(label="Reason", custom_id="reason")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            await submitted.put(self.reason.value)
            await interaction.response.send_message("pardoned", ephemeral=True)

    await fake_discord.send_slash_command(standard_guild.id, standard_guild.general.id, standard_guild.admin, "pardon")
    received = await next_item(client.interactions)
    modal = PardonReason(custom_id="pardon-modal")
    await received.response.send_modal(modal)
    callback = await fake_discord.wait_for_call("POST", "/interactions/{i}/{t}/callback")
    assert callback.json["type"] == 9 and callback.json["data"]["custom_id"] == "pardon-modal"
    submit = await fake_discord.send_modal_submit(
        standard_guild.id, standard_guild.general.id, standard_guild.admin, "pardon-modal", {"reason": "first offence"}
    )
    assert await asyncio.wait_for(submitted.get(), 5) == "first offence"
    answer = await fake_discord.wait_for_interaction_response(submit)
    assert answer.json["data"]["flags"] & 64

    dm = fake_discord.dm_channel_for(standard_guild.member.id)
    dm_id = await fake_discord.send_message(dm.id, standard_guild.member, "why was my message removed?")
    while (message := await next_item(client.messages)).id != dm_id:
        pass  # skip the interaction messages echoed meanwhile
    assert message.guild is None and isinstance(message.channel, discord.DMChannel)


async def test_global_limit_answers_429_global_and_discord_py_waits(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = await start_client(RecordingClient())
    fake_discord.set_global_limit(3, window=0.2)
    channels = [standard_guild.general, standard_guild.announcements, standard_guild.exempt, standard_guild.voice]
    sent = await asyncio.gather(*(client.get_partial_messageable(c.id).send("notice") for c in channels))
    assert len(sent) == 4
    posts = fake_discord.calls_to("POST", "/channels/{channel_id}/messages")
    limited = [c for c in posts if c.status == 429]
    assert limited and all(c.response["global"] is True for c in limited)
    assert sum(c.status == 200 for c in posts) == 4


async def test_unsynced_guild_command_is_found_when_marked_as_guild_command(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    client = RecordingClient()
    tree = discord.app_commands.CommandTree(client)
    ran: asyncio.Queue[str] = asyncio.Queue()

    @tree.command(name="why", description="why", guild=discord.Object(standard_guild.id))
    async def why(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("because", ephemeral=True)
        await ran.put(str(interaction.locale))

    await start_client(client)
    interaction = await fake_discord.send_slash_command(
        standard_guild.id, standard_guild.general.id, standard_guild.member, "why",
        locale="ja", guild_command=True,
    )
    assert await asyncio.wait_for(ran.get(), 5) == "ja"
    assert (await fake_discord.wait_for_interaction_response(interaction)).json["data"]["content"] == "because"


async def test_intents_decide_what_the_client_receives(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, start_client: StartClient
) -> None:
    """Without the Message Content intent guild messages arrive empty (unless they mention the
    bot); events of intents the client did not ask for are not sent at all."""
    intents = discord.Intents.default()
    intents.dm_messages = False
    client = await start_client(RecordingClient(intents))
    guild = client.get_guild(standard_guild.id)
    assert guild is not None and [m.id for m in guild.members] == [fake_discord.bot_user.id]

    await fake_discord.send_message(
        standard_guild.general.id, standard_guild.member, "090-1234-5678",
        attachments=[FakeAttachment("a.png", b"png", "image/png")],
    )
    hidden = await next_item(client.messages)
    assert hidden.content == "" and hidden.attachments == []
    mention = f"<@{fake_discord.bot_user.id}> 090-1234-5678"
    await fake_discord.send_message(standard_guild.general.id, standard_guild.member, mention)
    assert (await next_item(client.messages)).content == mention

    dm = fake_discord.dm_channel_for(standard_guild.member.id)
    await fake_discord.send_message(dm.id, standard_guild.member, "hello bot")
    await fake_discord.member_joins(standard_guild.guild, fake_discord.add_user("late"))
    assert fake_discord.filtered_events == ["MESSAGE_CREATE", "GUILD_MEMBER_ADD"]
    assert client.messages.empty()


@pytest.mark.parametrize(("frame", "close_code"), [("not json", 4002), ('{"op": 99, "d": null}', 4001)])
async def test_malformed_gateway_frames_close_like_discord(
    fake_discord: FakeDiscord, frame: str, close_code: int
) -> None:
    async with aiohttp.ClientSession() as session, session.ws_connect(f"{fake_discord.gateway_url}?v=10&encoding=json") as ws:
        hello = await ws.receive_json()
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
        await ws.send_str(frame)
        closing = await ws.receive()
        assert closing.type is aiohttp.WSMsgType.CLOSE and closing.data == close_code
