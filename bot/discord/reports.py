"""The report in the moderators' channel: an embed with masked evidence and Ban / Pardon /
Dismiss buttons that keep working after a restart (and Enforce, on the report of a strike held
for review: the learned model's verdict alone, see ``GuildConfig.learned_model``).

Persistence
-----------
Each button is a :class:`ReportButton`, a ``discord.ui.DynamicItem`` whose ``custom_id`` carries
everything needed to act (``cg:report:<action>:<strike_id>``). Registering the class once per
client (:func:`register_persistent_views`) makes discord.py route a click on ANY report ever
posted to it, with no per-message state in memory, so a report posted before a restart works
after it.

Idempotence
-----------
The outcome of a report lives in the ledger, not in the message: a pardon is the strike's
``pardoned_at``/``pardoned_by``; Ban, Dismiss and Enforce are case-log rows (``report_ban``,
``report_dismiss``, ``report_enforce``) tied to the strike. A click first looks the outcome up
(under a per-strike lock, so two moderators clicking at once cannot both act) and answers
"already handled: ...".

Evidence is shown masked (``bot.discord.masking``); the full text is for ``/guard evidence``.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import discord

from bot.discord.checks import can_ban, can_review_report, has_moderator_role
from bot.discord.commands.context import context_of, reply_language, respond
from bot.discord.commands.render import (
    FIELD_LIMIT,
    clip,
    inline_code,
    join_lines,
    kind_label,
    step_words,
    when,
)
from bot.discord.masking import mask
from bot.discord.pipeline import guild_language
from bot.i18n import catalogue, t
from bot.ledger.models import LEARNED_RULE_IDS, Evidence, GuildConfig, OutboxAction
from bot.ledger.policy import Ladder, LadderStep, StrikeRecord

if TYPE_CHECKING:
    from bot.discord.actions import ReportRequest, ReportSender

log = logging.getLogger(__name__)

ReportAction = Literal["enforce", "ban", "pardon", "dismiss"]
# "enforce" only on the report of a strike held for review (the learned model's verdict alone):
# the moderator agrees, and the bot does what the ladder says as if a rule had found it.
REPORT_ACTIONS: tuple[ReportAction, ...] = ("enforce", "ban", "pardon", "dismiss")
CUSTOM_ID_TEMPLATE = r"cg:report:(?P<action>enforce|ban|pardon|dismiss):(?P<strike_id>[0-9]{1,19})"
# Case-log actions that close a report (a pardon is recorded on the strike itself).
CASE_ACTIONS: dict[str, ReportAction] = {
    "report_ban": "ban",
    "report_dismiss": "dismiss",
    "report_enforce": "enforce",
}
_BUTTON_STYLES = {
    "enforce": discord.ButtonStyle.primary,
    "ban": discord.ButtonStyle.danger,
    "pardon": discord.ButtonStyle.success,
    "dismiss": discord.ButtonStyle.secondary,
}
_COLOURS = {"open": discord.Colour.orange(), "shadow": discord.Colour.light_grey()}
_OUTCOME_COLOURS = {
    "enforce": discord.Colour.orange(),
    "ban": discord.Colour.red(),
    "pardon": discord.Colour.green(),
    "dismiss": discord.Colour.dark_grey(),
}


def custom_id(action: ReportAction, strike_id: int) -> str:
    return f"cg:report:{action}:{strike_id}"


# --------------------------------------------------------------------------- content


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a report was closed: which button, by whom, when."""

    action: ReportAction
    moderator_id: int | None
    at: datetime

    def describe(self, lang: str) -> str:
        moderator = f"<@{self.moderator_id}>" if self.moderator_id else "contact-guard"
        return t(f"reports.outcome.{self.action}", lang, moderator=moderator, when=when(self.at))


@dataclass(frozen=True, slots=True)
class ReportContent:
    """Everything the embed shows; built from the ledger so a report can be rebuilt any time."""

    strike_id: int
    guild_id: int
    member_id: int
    member_name: str | None
    channel_id: int
    message_id: str | None
    created: datetime
    kinds: tuple[str, ...]
    masked_evidence: tuple[tuple[str, str], ...]  # (kind, masked text)
    active_strikes: int
    step: LadderStep | None
    step_threshold: int | None
    shadow: bool
    notes: tuple[str, ...] = ()  # keys under reports.note
    # Held for review: the learned model's verdict alone (nothing was done, nothing counts),
    # with the model's probability when the evidence still holds it.
    review: bool = False
    model_probability: float | None = None

    @property
    def shadow_only(self) -> bool:
        """As :attr:`StrikeRecord.shadow_only`: held for review outranks shadow mode."""
        return self.shadow and not self.review


def masked_findings(evidence: Evidence | None) -> tuple[tuple[str, str], ...]:
    """(kind, masked text) per finding, duplicates dropped. The pipeline stores each finding's
    masked text; it is recomputed from the span only for records that lack it."""
    if evidence is None:
        return ()
    out: dict[tuple[str, str], None] = {}
    for finding in evidence.findings:
        masked = finding.masked
        if not masked and 0 <= finding.start < finding.end <= len(evidence.original_text):
            masked = mask(finding.kind, evidence.original_text[finding.start : finding.end])
        if masked:
            out[(finding.kind, masked)] = None
    return tuple(out)


def model_probability(evidence: Evidence | None) -> float | None:
    """The learned model's probability for the message (its findings' confidence), if any."""
    if evidence is None:
        return None
    return max((f.confidence for f in evidence.findings if f.rule_id in LEARNED_RULE_IDS), default=None)


def step_of(ladder: Ladder, threshold: int | None) -> LadderStep | None:
    return next((step for step in ladder.steps if step.threshold == threshold), None)


def report_content(
    strike: StrikeRecord,
    evidence: Evidence | None,
    ladder: Ladder,
    *,
    params: dict[str, Any] | None = None,
    member_name: str | None = None,
    notes: Sequence[str] = (),
) -> ReportContent:
    """The report of *strike*. ``params`` are the outbox row's (the standing when the strike was
    recorded); without them (a report rebuilt later) the strike's own step is used."""
    params = params or {}
    kinds = tuple(params.get("kinds") or ()) or tuple(
        dict.fromkeys(f.kind for f in evidence.findings) if evidence else (strike.kind,)
    )
    threshold = params.get("step_threshold", strike.step_threshold)
    shadow = bool(params.get("shadow", strike.shadow))
    return ReportContent(
        strike_id=strike.id,
        guild_id=strike.guild_id,
        member_id=strike.member_id,
        member_name=member_name,
        channel_id=strike.channel_id,
        message_id=strike.message_ids[-1] if strike.message_ids else None,
        created=strike.created,
        kinds=kinds or (strike.kind,),
        masked_evidence=masked_findings(evidence),
        active_strikes=int(params.get("active_strikes") or 0),
        step=step_of(ladder, threshold),
        step_threshold=threshold,
        shadow=shadow,
        notes=tuple(notes),
        review=bool(params.get("review", strike.review)),
        model_probability=model_probability(evidence),
    )


# --------------------------------------------------------------------------- the embed


def _step_text(content: ReportContent, lang: str) -> str:
    if content.step_threshold is None:
        return t("reports.embed.step_none", lang)
    actions = step_words(content.step, lang) if content.step else "—"
    return t("reports.embed.step_value", lang, threshold=content.step_threshold, actions=actions)


def _title_key(content: ReportContent) -> str:
    if content.review:
        return "reports.embed.title_review"
    return "reports.embed.title_shadow" if content.shadow_only else "reports.embed.title"


def _status_notes(content: ReportContent, lang: str) -> list[str]:
    """Why nothing was done: review (the model alone flagged it) or shadow mode."""
    if content.review:
        probability = "—" if content.model_probability is None else f"{content.model_probability:.2f}"
        return [t("reports.embed.review_note", lang, probability=probability)]
    return [t("reports.embed.shadow_note", lang)] if content.shadow_only else []


def build_report_embed(content: ReportContent, lang: str, outcome: Outcome | None = None) -> discord.Embed:
    """The report embed in *lang* (the guild's language); with *outcome*, closed."""
    title = t(_title_key(content), lang)
    colour = _OUTCOME_COLOURS[outcome.action] if outcome else _COLOURS["shadow" if content.shadow else "open"]
    embed = discord.Embed(title=title, colour=colour, timestamp=content.created)
    name = discord.utils.escape_markdown(content.member_name) if content.member_name else str(content.member_id)
    member = t("reports.embed.member_value", lang, mention=f"<@{content.member_id}>", name=name, id=content.member_id)
    embed.add_field(name=t("reports.embed.member", lang), value=member, inline=False)
    embed.add_field(name=t("reports.embed.kind", lang), value=", ".join(kind_label(k, lang) for k in content.kinds))
    strikes = t("reports.embed.strikes_value", lang, count=content.active_strikes, step=_step_text(content, lang))
    embed.add_field(name=t("reports.embed.strikes", lang), value=clip(strikes, FIELD_LIMIT))
    lines = [f"• {kind_label(kind, lang)}: {inline_code(text)}" for kind, text in content.masked_evidence]
    evidence = join_lines(lines, FIELD_LIMIT) if lines else t("reports.embed.evidence_none", lang)
    embed.add_field(name=t("reports.embed.evidence", lang), value=evidence, inline=False)
    embed.add_field(name=t("reports.embed.channel", lang), value=f"<#{content.channel_id}>")
    embed.add_field(name=t("reports.embed.time", lang), value=when(content.created))
    if content.message_id:
        link = f"https://discord.com/channels/{content.guild_id}/{content.channel_id}/{content.message_id}"
        embed.add_field(name=t("reports.embed.message", lang), value=f"[{t('reports.embed.jump', lang)}]({link})")
    # Notes the executor sends (``member_outranks_bot``); an unknown one is logged, not shown raw.
    notes = _status_notes(content, lang)
    for note in content.notes:
        if f"reports.note.{note}" in catalogue(lang):
            notes.append(t(f"reports.note.{note}", lang))
        else:
            log.warning("report of strike %s: no text for note %r", content.strike_id, note)
    if notes:
        embed.description = "\n".join(f"⚠️ {note}" for note in notes)
    if outcome is not None:
        embed.add_field(name=t("reports.embed.outcome", lang), value=outcome.describe(lang), inline=False)
    embed.set_footer(text=t("reports.embed.footer", lang, strike_id=content.strike_id))
    return embed


def with_outcome(embed: discord.Embed, outcome: Outcome, lang: str) -> discord.Embed:
    """The posted report *embed*, closed with *outcome* (used on click, where the original
    embed is at hand and its facts must stay exactly as the moderators saw them)."""
    # Embed.copy() shares the field list with the original; a deep copy keeps it untouched.
    closed = discord.Embed.from_dict(copy.deepcopy(embed.to_dict()))
    closed.colour = _OUTCOME_COLOURS[outcome.action]
    closed.add_field(name=t("reports.embed.outcome", lang), value=outcome.describe(lang), inline=False)
    return closed


# --------------------------------------------------------------------------- the buttons


class ReportButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CUSTOM_ID_TEMPLATE):
    """One of (Enforce) / Ban / Pardon / Dismiss on a report; routed by custom_id, so it survives
    restarts."""

    def __init__(self, action: ReportAction, strike_id: int, *, lang: str = "en", disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=t(f"reports.button.{action}", lang),
                style=_BUTTON_STYLES[action],
                custom_id=custom_id(action, strike_id),
                disabled=disabled,
            )
        )
        self.action: ReportAction = action
        self.strike_id = strike_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReportButton:
        return cls(match["action"], int(match["strike_id"]))  # type: ignore[arg-type]

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await handle_click(interaction, self.action, self.strike_id)
        except Exception:
            # discord.py would only log it and the moderator would see "interaction failed".
            log.exception("report button %s on strike %s failed (reference %s)", self.action, self.strike_id, interaction.id)
            if not interaction.response.is_done():
                text = t("commands.error.unexpected", reply_language(interaction), reference=interaction.id)
                await interaction.response.send_message(text, ephemeral=True)


def report_view(strike_id: int, lang: str, *, closed: bool = False, review: bool = False) -> discord.ui.View:
    """The buttons of a report; ``closed`` greys them out once a moderator has acted. Enforce
    only for a strike held for review."""
    view = discord.ui.View(timeout=None)
    for action in REPORT_ACTIONS:
        if action == "enforce" and not review:
            continue
        view.add_item(ReportButton(action, strike_id, lang=lang, disabled=closed))
    return view


def register_persistent_views(client: discord.Client) -> None:
    """Route clicks on every report ever posted (call once per client, before it connects)."""
    client.add_dynamic_items(ReportButton)


# --------------------------------------------------------------------------- handling a click

# One lock per strike being clicked, so two moderators clicking at once cannot both act. Idle
# locks are dropped once there are many (a lock nobody holds protects nothing).
_strike_locks: dict[int, asyncio.Lock] = {}
_MAX_IDLE_LOCKS = 1024
# The event loop the locks belong to: a lock that ever made a click wait is bound to its loop,
# and a bot started again in the same process (a new loop) would fail every contested click
# with "bound to a different event loop". No task of an old loop can hold them any more.
_strike_locks_loop: asyncio.AbstractEventLoop | None = None


def _lock_for(strike_id: int) -> asyncio.Lock:
    global _strike_locks_loop
    loop = asyncio.get_running_loop()
    if loop is not _strike_locks_loop:
        _strike_locks.clear()
        _strike_locks_loop = loop
    lock = _strike_locks.get(strike_id)
    if lock is None:
        if len(_strike_locks) >= _MAX_IDLE_LOCKS:
            for idle in [key for key, held in _strike_locks.items() if not held.locked()]:
                del _strike_locks[idle]
        lock = _strike_locks[strike_id] = asyncio.Lock()
    return lock


async def current_outcome(store: Any, strike: StrikeRecord) -> Outcome | None:
    """The first thing that closed this report, if any."""
    candidates: list[Outcome] = []
    if strike.pardoned_at is not None:
        candidates.append(Outcome("pardon", strike.pardoned_by, strike.pardoned_at))
    for case in await store.cases_for(strike.guild_id, strike_id=strike.id, limit=50):
        if case.action in CASE_ACTIONS:
            candidates.append(Outcome(CASE_ACTIONS[case.action], case.actor_id, case.created))
    return min(candidates, key=lambda outcome: outcome.at, default=None)


def report_language(config: GuildConfig, guild: discord.Guild | None) -> str:
    """The language the guild's reports are written in: the same rule as its warnings."""
    return guild_language(config, guild.preferred_locale.value if guild is not None else None)


async def _refusal(interaction: discord.Interaction, action: ReportAction) -> str | None:
    """The catalogue key refusing this click, or None when the clicker may do it."""
    if action == "ban":
        return None if can_ban(interaction.permissions) else "reports.reply.needs_ban"
    # Enforce deletes and warns: the same people who may pardon may decide that.
    moderator = await has_moderator_role(interaction)
    allowed = can_review_report(interaction.permissions, has_moderator_role=moderator)
    return None if allowed else "reports.reply.needs_review"


async def handle_click(interaction: discord.Interaction, action: ReportAction, strike_id: int) -> None:
    lang = reply_language(interaction)
    context = context_of(interaction)
    strike = await context.store.get_strike(strike_id)
    problem: str | None = None
    if strike is None:
        problem = "reports.reply.strike_missing"
    elif strike.guild_id != interaction.guild_id:
        problem = "reports.reply.wrong_guild"
    elif action == "enforce" and not strike.review and not await _enforced_here(context.store, strike):
        problem = "reports.reply.not_review"
    else:
        problem = await _refusal(interaction, action)
    if problem is not None:
        await interaction.response.send_message(t(problem, lang), ephemeral=True)
        return
    async with _lock_for(strike_id):
        await _act_once(interaction, action, strike_id, lang)


async def _enforced_here(store: Any, strike: StrikeRecord) -> bool:
    # An enforced strike is no longer held for review; a second click must hear "already".
    return any(case.action == "report_enforce" for case in await store.cases_for(strike.guild_id, strike_id=strike.id))


async def _act_once(interaction: discord.Interaction, action: ReportAction, strike_id: int, lang: str) -> None:
    context = context_of(interaction)
    # Read again under the lock: a click that waited must see what the previous one did.
    strike = await context.store.get_strike(strike_id)
    if strike is None:
        await interaction.response.send_message(t("reports.reply.strike_missing", lang), ephemeral=True)
        return
    config = await context.config(strike.guild_id)
    report_lang = report_language(config, interaction.guild)
    done = await current_outcome(context.store, strike)
    if done is not None:
        message = t("reports.reply.already", lang, outcome=done.describe(lang))
        await interaction.response.send_message(message, ephemeral=True)
        return
    if action == "ban":
        # A ban is a DM and a ban request: acknowledge now, Discord allows only 3 s to answer.
        await interaction.response.defer()
    failure = await _perform(interaction, action, strike, report_lang, context)
    if failure is not None:
        await respond(interaction, failure)
        return
    outcome = Outcome(action, interaction.user.id, context.clock())
    if interaction.message is not None and interaction.message.embeds:
        embed = with_outcome(interaction.message.embeds[0], outcome, report_lang)
    else:
        evidence = await context.store.get_evidence(strike.id)
        embed = build_report_embed(report_content(strike, evidence, config.ladder), report_lang, outcome)
    closed = report_view(strike.id, report_lang, closed=True, review=strike.review)
    if interaction.response.is_done():
        await interaction.edit_original_response(embed=embed, view=closed)
    else:
        await interaction.response.edit_message(embed=embed, view=closed)


async def _perform(
    interaction: discord.Interaction, action: ReportAction, strike: StrikeRecord, report_lang: str, context: Any
) -> str | None:
    """Do what the button says and record it; on failure the reply to the clicker (their language)."""
    moderator = interaction.user
    now = context.clock()
    if action == "pardon":
        reason = t("reports.ban.pardon_reason", report_lang, moderator=moderator.name)
        await context.store.pardon(
            strike.guild_id, strike.member_id, strike_id=strike.id, moderator_id=moderator.id, reason=reason, now=now
        )
        return None  # an empty result means /guard pardon got there first: closed either way
    if action == "enforce":
        reason = t("reports.ban.enforce_reason", report_lang, moderator=moderator.name)
        return await _enforce(interaction, strike, context, reason=reason)
    reason = t("reports.ban.audit", report_lang, moderator=moderator.name, strike_id=strike.id)
    if action == "ban":
        failure = await _ban(interaction, strike, report_lang, audit=reason)
        if failure is not None:
            return t("reports.reply.ban_failed", reply_language(interaction), reason=failure)
    await context.store.log_case(
        strike.guild_id, actor_id=moderator.id, action=f"report_{action}", target_id=strike.member_id,
        reason=reason, strike_id=strike.id, now=now,
    )
    return None


async def _enforce(interaction: discord.Interaction, strike: StrikeRecord, context: Any, *, reason: str) -> str | None:
    """Count the strike and hand the ladder's actions (delete, warn...) to the bot's executor;
    without one (a client that only serves commands) the sweeper performs them when the claim
    lapses. The ledger logs the case with the update, so a crash cannot do half."""
    outcome = await context.store.enforce_review(
        strike.id, moderator_id=interaction.user.id, reason=reason, now=context.clock()
    )
    if outcome is None:  # superseded by a rule's finding meanwhile, or its evidence purged
        return t("reports.reply.enforce_failed", reply_language(interaction))
    executor = getattr(interaction.client, "executor", None)
    if executor is not None:
        executor.submit(outcome.actions, None)
    log.info("strike %s enforced from its review report by %s: %s", strike.id, interaction.user.id,
             ",".join(a.kind for a in outcome.actions) or "nothing (shadow mode)")
    return None


async def _ban(interaction: discord.Interaction, strike: StrikeRecord, report_lang: str, *, audit: str) -> str | None:
    # The executor's Discord port: same error classification and audit-log reasons as the
    # ladder's own bans, DM first (a banned member shares no server with the bot any more).
    from bot.discord.actions import ActionError, MissingPermission
    from bot.discord.rest import DiscordModerationApi

    lang = reply_language(interaction)
    api = DiscordModerationApi(interaction.client)
    try:
        await api.send_dm(strike.member_id, t("reports.ban.dm", report_lang, guild=api.guild_name(strike.guild_id)))
    except ActionError as error:  # a closed DM (or any DM failure) never stops the ban
        log.info("ban DM to member %s not delivered: %s", strike.member_id, error)
    try:
        await api.ban_member(strike.guild_id, strike.member_id, reason=audit)
    except MissingPermission:
        return t("reports.reply.ban_forbidden", lang)
    except ActionError as error:
        log.warning("ban of member %s in guild %s from report failed: %s", strike.member_id, strike.guild_id, error)
        return t("reports.reply.ban_http", lang, status=error.status or "?")
    return None


# --------------------------------------------------------------------------- sending a report


async def send_report(
    client: discord.Client,
    store: Any,
    action: OutboxAction,
    *,
    language: str,
    note: str | None = None,
    member_name: str | None = None,
) -> discord.Message | None:
    """Post the report of ``action.strike_id`` in the guild's report channel, in *language*.

    Returns the message, or None when the guild has no report channel (logged). Discord errors
    are raised as ``bot.discord.actions.ActionError`` subclasses (the executor's vocabulary:
    MissingPermission is told to the moderators once, TransientError retried).
    """
    from bot.discord.rest import classify

    config = await store.get_guild_config(action.guild_id)
    if config.report_channel_id is None:
        log.warning("guild %s has no report channel: strike %s not reported", action.guild_id, action.strike_id)
        return None
    strike = await store.get_strike(action.strike_id)
    if strike is None:
        log.warning("strike %s vanished before its report was sent", action.strike_id)
        return None
    evidence = await store.get_evidence(strike.id)
    if member_name is None:
        guild = client.get_guild(action.guild_id)
        member = guild.get_member(strike.member_id) if guild else None
        member_name = member.name if member else None
    content = report_content(
        strike, evidence, config.ladder, params=dict(action.params), member_name=member_name,
        notes=(note,) if note else (),
    )
    channel = client.get_partial_messageable(config.report_channel_id, guild_id=action.guild_id)
    try:
        return await channel.send(
            embed=build_report_embed(content, language),
            view=report_view(strike.id, language, review=strike.review),
            allowed_mentions=discord.AllowedMentions.none(),
        )
    except discord.HTTPException as error:
        raise classify(error) from error


def make_report_sender(client: discord.Client, store: Any) -> ReportSender:
    """The ``ReportSender`` the outbox executor (``bot.discord.actions``) is built with."""

    async def sender(request: ReportRequest) -> None:
        author = request.context.message.author if request.context is not None else None
        await send_report(
            client,
            store,
            request.action,
            language=request.language,
            note=request.note,
            member_name=getattr(author, "name", None),
        )

    return sender


def report_sender(bot: Any) -> ReportSender:
    """``BotServices.report_sender_factory`` for :class:`bot.discord.app.ContactGuardBot`."""
    return make_report_sender(bot, bot.services.store)
