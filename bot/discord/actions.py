"""The outbox executor: performs the actions the ledger committed, idempotently, and marks them.

Flow: :meth:`ActionExecutor.submit` gets the outbox rows of one new strike (from the pipeline)
or :meth:`ActionExecutor.resume_pending` gets every row left pending by an earlier run. The rows
of one strike run in order in one task — delete first (the content disappears before anything
else happens), then the DM, the report, then timeout/kick/ban — while different strikes run
concurrently. Every row ends as ``done`` or ``failed`` in the ledger; a transient failure (5xx,
network) is put back with a retry.

Discord rules this module enforces:

* delete every part of a finding; several parts in one channel (younger than 14 days) leave as
  ONE bulk delete (:class:`DeleteBatcher`); 10008 Unknown Message counts as done;
* a warning DM that fails with 50007 is never retried (each 403 counts toward the
  invalid-request limit): a short channel notice mentioning the member is posted and deleted
  after ~15 s, and the failure is recorded on the row;
* timeout by ``communication_disabled_until`` (at most 28 days), ban = DM first, then ban;
  every moderation call carries an audit-log reason;
* a member whose top role is at or above the bot's (or the owner) is never acted on: the
  report is sent instead;
* 50013 Missing Permissions: the moderators are told once per guild and channel; the bot logs it
  and keeps running.

Discord access goes through the :class:`ModerationApi` protocol (implemented over discord.py's
HTTP client by :class:`DiscordModerationApi`), reports through an injected :data:`ReportSender`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.discord.pacing import RoutePacer
from bot.discord.pipeline import ActionContext
from bot.i18n import t
from bot.ledger.models import OutboxAction

log = logging.getLogger(__name__)

DISCORD_EPOCH_MS = 1_420_070_400_000
BULK_DELETE_MAX_AGE = timedelta(days=14) - timedelta(minutes=5)  # margin for clock skew
BULK_DELETE_MAX = 100
MAX_TIMEOUT = timedelta(days=28)
CHANNEL_NOTICE_LIFETIME_S = 15.0
_RESUME_BATCH = 100
# Severity order, for "what comes next" and for running member actions last.
_SEVERITY = ("warn", "report", "final_warn", "timeout", "kick", "ban")
_PHASE = {"delete": 0, "warn": 1, "final_warn": 1, "report": 2, "timeout": 3, "kick": 3, "ban": 3}
_MEMBER_ACTIONS = frozenset({"delete", "warn", "final_warn", "timeout", "kick", "ban"})


def snowflake_time(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


# --------------------------------------------------------------------------- errors


class ActionError(Exception):
    """A Discord call failed. ``retry``: worth trying again later (5xx, network)."""

    retry = False

    def __init__(self, message: str, *, code: int = 0, status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class UnknownTarget(ActionError):
    """10008 Unknown Message, 10007 Unknown Member, 10013 Unknown User...: nothing left to do."""


class MissingPermission(ActionError):
    """50013 Missing Permissions / 50001 Missing Access."""


class DMClosed(ActionError):
    """50007 Cannot send messages to this user (DMs closed, blocked, no shared server)."""


class TransientError(ActionError):
    retry = True


class PermanentError(ActionError):
    """Any other 4xx: retrying would fail the same way."""


# --------------------------------------------------------------------------- the Discord port


class ModerationApi(Protocol):
    """What the executor needs from Discord; errors are raised as :class:`ActionError`."""

    async def delete_message(self, channel_id: int, message_id: int, *, reason: str) -> None: ...

    async def bulk_delete(self, channel_id: int, message_ids: Sequence[int], *, reason: str) -> None: ...

    async def send_dm(self, user_id: int, content: str) -> None: ...

    async def send_channel_message(
        self, channel_id: int, content: str, *, mention_user_id: int | None = None
    ) -> int: ...

    async def timeout_member(
        self, guild_id: int, member_id: int, until: datetime, *, reason: str
    ) -> None: ...

    async def kick_member(self, guild_id: int, member_id: int, *, reason: str) -> None: ...

    async def ban_member(self, guild_id: int, member_id: int, *, reason: str) -> None: ...

    async def member_outranks_bot(self, guild_id: int, member_id: int) -> bool: ...

    def bot_has_permission(self, guild_id: int, permission: str) -> bool:
        """Whether the bot holds a guild-wide permission (True when unknown: Discord decides)."""
        ...

    def guild_name(self, guild_id: int) -> str: ...

    def member_name(self, guild_id: int, member_id: int) -> str: ...


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """Everything a report sender needs; ``action`` is the outbox row (``kind == "report"``, or
    a synthetic one with ``id == 0`` when the bot reports instead of acting on a protected
    member). ``note`` says why the bot reports instead of acting, when it does."""

    action: OutboxAction
    language: str
    context: ActionContext | None
    note: str | None = None


ReportSender = Callable[[ReportRequest], Awaitable[None]]
LanguageResolver = Callable[[int], Awaitable[str]]
ReportChannelResolver = Callable[[int], Awaitable[int | None]]


class OutboxPort(Protocol):
    """The part of ``bot.ledger.store.LedgerStore`` the executor uses."""

    async def pending_actions(self, *, limit: int = 100) -> Sequence[OutboxAction]: ...

    async def mark_action_done(self, action_id: int) -> None: ...

    async def mark_action_failed(self, action_id: int, error: str, *, retry: bool = False) -> None: ...


# --------------------------------------------------------------------------- delete batching


@dataclass
class _PendingDelete:
    message_id: int
    reason: str
    future: asyncio.Future[None]
    # How many messages of the same finding were queued with this one (a split finding's parts
    # leave together in one bulk delete, as members see them vanish at once).
    parts: int = 1


class DeleteBatcher:
    """Per-channel delete queue: whatever accumulated while the previous request (or the pacer)
    was busy leaves as one bulk delete (2..100 messages younger than 14 days), the rest one by
    one. Each caller awaits the fate of its own message."""

    def __init__(self, api: ModerationApi, pacer: RoutePacer) -> None:
        self._api = api
        self._pacer = pacer
        self._queues: dict[int, list[_PendingDelete]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._closed = False
        self.bulk_requests = 0
        self.single_requests = 0

    async def delete(self, channel_id: int, message_id: int, *, reason: str) -> None:
        await self.delete_many(channel_id, [message_id], reason=reason)

    async def delete_many(self, channel_id: int, message_ids: Sequence[int], *, reason: str) -> None:
        """Delete the parts of one finding in one channel; raises the first failure."""
        loop = asyncio.get_running_loop()
        items = [
            _PendingDelete(m, reason, loop.create_future(), parts=len(message_ids)) for m in message_ids
        ]
        self._queues.setdefault(channel_id, []).extend(items)
        if channel_id not in self._workers:
            self._workers[channel_id] = asyncio.create_task(
                self._drain(channel_id), name=f"delete-{channel_id}"
            )
        results = await asyncio.gather(*(item.future for item in items), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            missing = [e for e in errors if isinstance(e, MissingPermission)]
            raise (missing or errors)[0]

    async def _drain(self, channel_id: int) -> None:
        try:
            while self._queues.get(channel_id):
                # Single deletes while their bucket has room for everything queued (lowest
                # latency); once more is queued than that, one bulk delete takes it all.
                queue = self._queues[channel_id]
                queued = len({item.message_id for item in queue})
                single_room = self._pacer.available("delete", channel_id)
                split = any(item.parts > 1 for item in queue)
                route = "delete" if queued <= max(single_room, 1) and not split else "bulk_delete"
                await self._pacer.wait(route, channel_id)
                queue = self._queues[channel_id]
                # A token of the single-delete route pays for one message; whatever queued up
                # meanwhile leaves with the next (bulk) token. Same message queued twice (a
                # resume racing a live submit): one request.
                limit = 1 if route == "delete" else BULK_DELETE_MAX
                batch: dict[int, list[_PendingDelete]] = {}
                while queue and (len(batch) < limit or queue[0].message_id in batch):
                    item = queue.pop(0)
                    batch.setdefault(item.message_id, []).append(item)
                await self._send(channel_id, batch)
        finally:
            self._workers.pop(channel_id, None)
            if not self._queues.get(channel_id):
                self._queues.pop(channel_id, None)
            elif not self._closed and channel_id not in self._workers:  # raced with a late append
                self._workers[channel_id] = asyncio.create_task(self._drain(channel_id))

    async def close(self) -> None:
        """Stop the per-channel workers; deletes still queued are cancelled (their outbox rows
        stay open and run on the next start)."""
        self._closed = True
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        for queue in self._queues.values():
            for item in queue:
                if not item.future.done():
                    item.future.cancel()
        self._queues.clear()

    async def _send(self, channel_id: int, batch: dict[int, list[_PendingDelete]]) -> None:
        cutoff = datetime.now(UTC) - BULK_DELETE_MAX_AGE
        young = [m for m in batch if snowflake_time(m) > cutoff]
        singles = [m for m in batch if m not in young]
        reason = next(iter(batch.values()))[0].reason
        if len(young) >= 2:
            try:
                self.bulk_requests += 1
                await self._api.bulk_delete(channel_id, young, reason=reason)
                self._settle(batch, young, None)
            except MissingPermission as exc:
                self._settle(batch, young, exc)
            except ActionError as exc:
                # Bulk delete rejects the whole batch for one bad id (already deleted, too old):
                # fall back to one by one, where 10008 is simply "done".
                log.info("bulk delete of %d in channel %s failed (%s); deleting one by one",
                         len(young), channel_id, exc)
                singles.extend(young)
        else:
            singles.extend(young)
        for index, message_id in enumerate(singles):
            if index:
                await self._pacer.wait("delete", channel_id)
            try:
                self.single_requests += 1
                await self._api.delete_message(channel_id, message_id, reason=reason)
                self._settle(batch, [message_id], None)
            except UnknownTarget:
                self._settle(batch, [message_id], None)
            except ActionError as exc:
                self._settle(batch, [message_id], exc)

    @staticmethod
    def _settle(
        batch: dict[int, list[_PendingDelete]], ids: Iterable[int], error: BaseException | None
    ) -> None:
        for message_id in ids:
            for item in batch.get(message_id, ()):
                if item.future.done():
                    continue
                if error is None:
                    item.future.set_result(None)
                else:
                    item.future.set_exception(error)


# --------------------------------------------------------------------------- message texts


def describe_next(next_kinds: Sequence[str], lang: str) -> str:
    """One sentence saying what a further violation leads to (the most severe next action)."""
    for kind in reversed(_SEVERITY):
        if kind in next_kinds:
            return t(f"bot.next.{kind}", lang)
    return t("bot.next.none", lang)


def kind_label(kind: str, lang: str) -> str:
    try:
        return t(f"bot.kind.{kind}", lang)
    except KeyError:
        return kind


@dataclass(frozen=True, slots=True)
class ActionFacts:
    """What the texts of one action need, from the row's params and (when live) the context."""

    kinds: tuple[str, ...]
    strikes: int
    next_kinds: tuple[str, ...]
    category: str = "contact"

    @classmethod
    def of(cls, action: OutboxAction, context: ActionContext | None) -> ActionFacts:
        """Live: the kinds of every finding; resumed: the strike's kind from the row's params
        (``bot.ledger.store.action_params``)."""
        params = action.params
        kinds: tuple[str, ...] = ()
        if context is not None:
            kinds = tuple(dict.fromkeys(f.kind for f in context.findings))
        if not kinds:
            kinds = tuple(str(k) for k in params.get("kinds") or ())
        if not kinds and params.get("kind"):
            kinds = (str(params["kind"]),)
        strikes = int(params.get("active_strikes") or 1)
        next_kinds = tuple(str(k) for k in params.get("next_actions") or ())
        category = str(params.get("category") or "contact")
        return cls(kinds or ("url",), strikes, next_kinds, category)

    def kind_text(self, lang: str) -> str:
        separator = "、" if lang == "ja" else ", "
        return separator.join(kind_label(k, lang) for k in self.kinds)


# --------------------------------------------------------------------------- the executor


@dataclass
class ExecutorStats:
    done: int = 0
    failed: int = 0
    retried: int = 0
    skipped_protected: int = 0
    dm_closed: int = 0
    permission_notices: int = 0
    # Seconds from submit to the last action of a strike (the most recent ones only).
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))


class ActionExecutor:
    def __init__(
        self,
        *,
        outbox: OutboxPort,
        api: ModerationApi,
        report_sender: ReportSender | None,
        language_of: LanguageResolver,
        report_channel_of: ReportChannelResolver,
        pacer: RoutePacer | None = None,
        notice_lifetime_s: float = CHANNEL_NOTICE_LIFETIME_S,
    ) -> None:
        self._outbox = outbox
        self._api = api
        self.report_sender = report_sender
        self._language_of = language_of
        self._report_channel_of = report_channel_of
        self.pacer = pacer or RoutePacer()
        self.deletes = DeleteBatcher(api, self.pacer)
        self._notice_lifetime_s = notice_lifetime_s
        self._tasks: set[asyncio.Task[None]] = set()
        self._notice_tasks: set[asyncio.Task[None]] = set()
        self._claimed: set[int] = set()
        self._permission_notified: OrderedDict[tuple[int, int], None] = OrderedDict()
        self._accepting = True
        self.stats = ExecutorStats()

    # ---- intake

    def submit(self, actions: Sequence[OutboxAction], context: ActionContext | None = None) -> None:
        """Schedule the rows of one strike (in ledger order)."""
        if not actions:
            return
        if not self._accepting:
            # Shutting down: the rows stay pending in the outbox and run on the next start.
            log.info("shutting down: %d action(s) of strike %s left in the outbox",
                     len(actions), actions[0].strike_id)
            return
        fresh = [a for a in actions if a.id not in self._claimed]
        self._claimed.update(a.id for a in fresh)
        if not fresh:
            return
        task = asyncio.create_task(self._run_strike(fresh, context), name=f"strike-{fresh[0].strike_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def resume_pending(self) -> int:
        """Claim and schedule every due row (left pending by an earlier run, or put back for a
        retry); returns how many."""
        total = 0
        while True:
            claimed = await self._outbox.pending_actions(limit=_RESUME_BATCH)
            # Rows this process is still performing (their lease ran out under a backlog) come
            # back too: skip them, but keep paging, or the rows behind them would never run.
            batch = [a for a in claimed if a.id not in self._claimed]
            total += len(batch)
            by_strike: dict[int, list[OutboxAction]] = {}
            for action in batch:
                by_strike.setdefault(action.strike_id, []).append(action)
            for actions in by_strike.values():
                self.submit(sorted(actions, key=lambda a: a.id), None)
            if len(claimed) < _RESUME_BATCH:
                break
        if total:
            log.info("resumed %d pending outbox action(s)", total)
        return total

    async def sweep_forever(self, interval_s: float = 30.0) -> None:
        """Pick up rows put back for a retry (transient failures) every *interval_s*."""
        while self._accepting:
            await asyncio.sleep(interval_s)
            try:
                await self.resume_pending()
            except Exception:
                log.exception("outbox sweep failed; trying again in %.0fs", interval_s)

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def wait_idle(self) -> None:
        """Wait until every submitted action has finished (tests, benchmark)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def shutdown(self, grace_s: float = 10.0) -> None:
        """Stop taking new work, let in-flight actions finish (up to *grace_s*), then cancel the
        rest: cancelled rows stay pending/in progress in the outbox and run on the next start."""
        self._accepting = False
        if self._tasks:
            _done, still_running = await asyncio.wait(list(self._tasks), timeout=grace_s)
            for task in still_running:
                task.cancel()
            if still_running:
                log.warning("%d action task(s) did not finish in %.0fs; they stay in the outbox",
                            len(still_running), grace_s)
                await asyncio.gather(*still_running, return_exceptions=True)
        await self.deletes.close()
        # Channel notices are short-lived by promise: delete them now rather than leave them.
        for task in list(self._notice_tasks):
            task.cancel()
        await asyncio.gather(*self._notice_tasks, return_exceptions=True)

    # ---- one strike

    async def _run_strike(self, actions: list[OutboxAction], context: ActionContext | None) -> None:
        started = time.monotonic()
        first = actions[0]
        try:
            language = context.language if context else await self._language_of(first.guild_id)
            protected = await self._is_protected(first, context)
            ordered = sorted(actions, key=lambda a: (_PHASE.get(a.kind, 9), a.id))
            if protected:
                await self._report_instead(ordered, language, context)
                return
            for action in ordered:
                await self._perform_and_mark(action, language, context)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("actions of strike %s crashed; they stay in the outbox", first.strike_id)
        finally:
            self.stats.latencies.append(time.monotonic() - started)
            for action in actions:
                self._claimed.discard(action.id)

    async def _is_protected(self, action: OutboxAction, context: ActionContext | None) -> bool:
        if context is not None:
            return context.message.author.outranks_bot
        try:
            return await self._api.member_outranks_bot(action.guild_id, action.member_id)
        except UnknownTarget:
            return False  # left the server: nothing to outrank; deletes still make sense
        except ActionError as exc:
            log.warning("cannot check the rank of member %s in guild %s (%s); reporting only",
                        action.member_id, action.guild_id, exc)
            return True

    async def _report_instead(
        self, actions: list[OutboxAction], language: str, context: ActionContext | None
    ) -> None:
        """The member outranks the bot: skip every action on them, make sure a report goes out."""
        reported = False
        note = "member_outranks_bot"
        for action in actions:
            if action.kind == "report":
                await self._perform_and_mark(action, language, context, note=note)
                reported = True
            else:
                self.stats.skipped_protected += 1
                await self._outbox.mark_action_failed(
                    action.id, "skipped: the member's top role is at or above the bot's", retry=False
                )
        if not reported:
            await self._send_report(ReportRequest(_synthetic_report(actions[0]), language, context, note))
        log.info("member %s in guild %s outranks the bot: reported instead of acting (strike %s)",
                 actions[0].member_id, actions[0].guild_id, actions[0].strike_id)

    async def _perform_and_mark(
        self,
        action: OutboxAction,
        language: str,
        context: ActionContext | None,
        *,
        note: str | None = None,
    ) -> None:
        try:
            await self._perform(action, language, context, note)
        except DMClosed as exc:
            self.stats.dm_closed += 1
            await self._outbox.mark_action_failed(action.id, f"DM not delivered ({exc.code}): {exc}", retry=False)
        except MissingPermission as exc:
            self.stats.failed += 1
            await self._outbox.mark_action_failed(action.id, f"missing permission ({exc.code}): {exc}", retry=False)
            await self._notify_missing_permission(action, language, exc)
        except UnknownTarget:
            # The message is gone or the member left: the action has nothing left to do.
            self.stats.done += 1
            await self._outbox.mark_action_done(action.id)
        except ActionError as exc:
            if exc.retry:
                self.stats.retried += 1
            else:
                self.stats.failed += 1
            log.warning("action %s (%s) of strike %s failed: %s", action.id, action.kind,
                        action.strike_id, exc)
            await self._outbox.mark_action_failed(action.id, str(exc)[:500], retry=exc.retry)
        else:
            self.stats.done += 1
            await self._outbox.mark_action_done(action.id)

    async def _perform(
        self, action: OutboxAction, language: str, context: ActionContext | None, note: str | None
    ) -> None:
        facts = ActionFacts.of(action, context)
        if action.kind == "delete":
            await self._delete(action, language, facts)
        elif action.kind in ("warn", "final_warn"):
            await self._warn(action, language, facts)
        elif action.kind == "report":
            await self._send_report(ReportRequest(action, language, context, note))
        elif action.kind == "timeout":
            await self._timeout(action, language, facts)
        elif action.kind in ("kick", "ban"):
            await self._remove(action, language, facts)
        else:
            raise PermanentError(f"unknown action kind {action.kind!r}")

    # ---- the actions

    async def _delete(self, action: OutboxAction, language: str, facts: ActionFacts) -> None:
        reason = t("bot.audit.delete", language, kind=facts.kind_text(language), strikes=facts.strikes)
        channels = _channels_of(action)
        by_channel: dict[int, list[int]] = {}
        for raw in action.message_ids:
            message_id = int(raw)
            by_channel.setdefault(channels.get(message_id, action.channel_id), []).append(message_id)
        results = await asyncio.gather(
            *(self.deletes.delete_many(c, ids, reason=reason) for c, ids in by_channel.items()),
            return_exceptions=True,
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            # Prefer the error that needs the moderators (missing permission) over the others.
            missing = [e for e in errors if isinstance(e, MissingPermission)]
            raise (missing or errors)[0]

    def _dm_text(self, key: str, action: OutboxAction, language: str, facts: ActionFacts, **extra: Any) -> str:
        if facts.category == "location" and key in ("bot.warning.dm", "bot.final_warning.dm"):
            key = "bot.location.dm"
        return t(
            key,
            language,
            member=self._api.member_name(action.guild_id, action.member_id),
            guild=self._api.guild_name(action.guild_id),
            channel=f"<#{action.channel_id}>",
            kind=facts.kind_text(language),
            strikes=facts.strikes,
            next_step=describe_next(facts.next_kinds, language),
            **extra,
        )

    async def _warn(self, action: OutboxAction, language: str, facts: ActionFacts) -> None:
        key = "bot.final_warning.dm" if action.kind == "final_warn" else "bot.warning.dm"
        text = self._dm_text(key, action, language, facts)
        await self.pacer.wait("dm")
        try:
            await self._api.send_dm(action.member_id, text)
        except DMClosed:
            log.info("warning DM to member %s in guild %s not delivered (DMs closed); channel notice",
                     action.member_id, action.guild_id)
            await self._channel_notice(action, language, facts)
            raise

    async def _channel_notice(self, action: OutboxAction, language: str, facts: ActionFacts) -> None:
        text = t("bot.channel_notice.text", language, mention=f"<@{action.member_id}>", strikes=facts.strikes)
        await self.pacer.wait("send", action.channel_id)
        try:
            notice_id = await self._api.send_channel_message(
                action.channel_id, text, mention_user_id=action.member_id
            )
        except MissingPermission as exc:
            await self._notify_missing_permission(action, language, exc, kind="notice")
            return
        except ActionError as exc:
            log.warning("channel notice in channel %s failed: %s", action.channel_id, exc)
            return
        task = asyncio.create_task(self._delete_later(action.channel_id, notice_id))
        self._notice_tasks.add(task)
        task.add_done_callback(self._notice_tasks.discard)

    async def _delete_later(self, channel_id: int, message_id: int) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(self._notice_lifetime_s)
        # Also on shutdown (cancelled sleep): a notice promised to be short-lived is removed.
        try:
            await self.pacer.wait("delete", channel_id)
            await self._api.delete_message(channel_id, message_id, reason="contact-guard: notice expired")
        except UnknownTarget:
            pass
        except ActionError as exc:
            log.warning("could not delete channel notice %s in %s: %s", message_id, channel_id, exc)

    def _require(self, action: OutboxAction, permission: str, label: str) -> None:
        # Checked BEFORE the DM: never tell a member they were banned when the ban cannot happen.
        if not self._api.bot_has_permission(action.guild_id, permission):
            raise MissingPermission(f"the bot lacks {label}", code=50013, status=403)

    async def _timeout(self, action: OutboxAction, language: str, facts: ActionFacts) -> None:
        self._require(action, "moderate_members", "Moderate Members")
        until = _timeout_until(action)
        await self.pacer.wait("dm")
        with contextlib.suppress(DMClosed):
            await self._api.send_dm(
                action.member_id,
                self._dm_text("bot.timeout.dm", action, language, facts, until=f"<t:{int(until.timestamp())}:f>"),
            )
        reason = t("bot.audit.timeout", language, kind=facts.kind_text(language), strikes=facts.strikes)
        await self.pacer.wait("member", action.guild_id)
        await self._api.timeout_member(action.guild_id, action.member_id, until, reason=reason)

    async def _remove(self, action: OutboxAction, language: str, facts: ActionFacts) -> None:
        # DM first: once banned or kicked, the member shares no server with the bot and the DM
        # would fail. A closed DM does not stop the ban.
        if action.kind == "ban":
            self._require(action, "ban_members", "Ban Members")
        else:
            self._require(action, "kick_members", "Kick Members")
        await self.pacer.wait("dm")
        try:
            await self._api.send_dm(action.member_id, self._dm_text(f"bot.{action.kind}.dm", action, language, facts))
        except DMClosed:
            log.info("%s DM to member %s not delivered (DMs closed)", action.kind, action.member_id)
        reason = t(f"bot.audit.{action.kind}", language, kind=facts.kind_text(language), strikes=facts.strikes)
        if action.kind == "ban":
            await self.pacer.wait("ban", action.guild_id)
            await self._api.ban_member(action.guild_id, action.member_id, reason=reason)
        else:
            await self.pacer.wait("member", action.guild_id)
            await self._api.kick_member(action.guild_id, action.member_id, reason=reason)

    async def _send_report(self, request: ReportRequest) -> None:
        if self.report_sender is None:
            raise PermanentError("no report sender configured")
        await self.pacer.wait("send", request.action.guild_id)
        await self.report_sender(request)

    # ---- missing permissions

    async def _notify_missing_permission(
        self, action: OutboxAction, language: str, error: MissingPermission, *, kind: str | None = None
    ) -> None:
        """Tell the moderators ONCE per (guild, channel) that a permission is missing."""
        key = (action.guild_id, action.channel_id)
        log.warning("missing permission for %s in guild %s channel %s: %s",
                    kind or action.kind, action.guild_id, action.channel_id, error)
        if key in self._permission_notified:
            return
        self._permission_notified[key] = None
        while len(self._permission_notified) > 10_000:
            self._permission_notified.popitem(last=False)
        report_channel = await self._report_channel_of(action.guild_id)
        if report_channel is None:
            log.warning("guild %s has no report channel: cannot tell the moderators", action.guild_id)
            return
        permission = _PERMISSION_FOR.get(kind or action.kind, "Manage Messages")
        text = t(
            "bot.moderators.missing_permission",
            language,
            action=t(f"bot.action.{kind or action.kind}", language),
            channel=f"<#{action.channel_id}>",
            permission=permission,
        )
        self.stats.permission_notices += 1
        try:
            await self.pacer.wait("send", report_channel)
            await self._api.send_channel_message(report_channel, text)
        except ActionError as exc:
            log.warning("could not post the missing-permission notice in guild %s: %s", action.guild_id, exc)


_PERMISSION_FOR = {
    "delete": "Manage Messages",
    "warn": "Send Messages",
    "final_warn": "Send Messages",
    "notice": "Send Messages",
    "report": "Send Messages / Embed Links",
    "timeout": "Moderate Members",
    "kick": "Kick Members",
    "ban": "Ban Members",
}


def _channels_of(action: OutboxAction) -> dict[int, int]:
    """message id -> channel id when the parts of a finding sit in several channels."""
    raw = action.params.get("message_channels") or {}
    return {int(m): int(c) for m, c in dict(raw).items()}


def _timeout_until(action: OutboxAction) -> datetime:
    """The absolute end of the timeout: the row's ``until`` (so a repeat sets the same value),
    else now + duration; never more than 28 days ahead."""
    now = datetime.now(UTC)
    raw_until = action.params.get("until")
    if raw_until:
        until = datetime.fromisoformat(str(raw_until))
        if until.tzinfo is None:
            until = until.replace(tzinfo=UTC)
    else:
        duration = int(action.params.get("duration_s") or 3600)
        until = now + timedelta(seconds=duration)
    return min(until, now + MAX_TIMEOUT - timedelta(seconds=60))


def _synthetic_report(template: OutboxAction) -> OutboxAction:
    return OutboxAction(
        id=0,
        strike_id=template.strike_id,
        guild_id=template.guild_id,
        member_id=template.member_id,
        channel_id=template.channel_id,
        message_ids=template.message_ids,
        kind="report",
        params=template.params,
        status="in_progress",
        attempts=0,
        last_error=None,
        created=template.created,
        updated=template.updated,
    )
