"""The composition root: builds PTB's Application, its lifecycle hooks and every handler, in order.

Nothing under `bot/`, `handlers/` or `storage/` imports this module but the CLI: everything it
wires together lives below it (shared dependencies in `bot.deps`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    MessageReactionHandler,
    TypeHandler,
    filters,
)

from bot import menus
from bot.callbacks import Prefix
from bot.deps import BotContext, Deps
from bot.inbox import (
    OUTAGE_NOTICE,
    STRANDED_AFTER,
    InboxApplication,
    InboxRequest,
    OutageNotice,
    prune_job,
    redeliver,
    redeliver_job,
    resume,
)
from bot.ordering import ChatOrder
from bot.pacing import Pacer
from bot.scheduler.tick import TICK_INTERVAL, scheduler_job
from bot.services import inbox as inbox_service
from bot.services import managers
from bot.settings import pick_locale
from handlers import (
    announce,
    catalogue,
    clients,
    competitors,
    complaints,
    contests,
    conversation,
    corrections,
    duels,
    exports,
    groups,
    kudos,
    leave,
    meetings,
    places,
    privacy,
    report,
    results,
    settings,
    start,
    targets,
    tasks,
    team,
)
from handlers import managers as managers_handlers
from handlers.common import Callback, gate, on_error, stale_button
from storage.instance import ActiveLock

App = Application[Any, BotContext, Any, Any, Any, Any]
log = logging.getLogger(__name__)


def file_base_url(api_base_url: str) -> str:
    # ".../bot" -> ".../file/bot", as Telegram and the self-hosted Bot API server lay them out.
    head, _, tail = api_base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}"


# Management and conversations: in a group these answer with a pointer to the private chat.
PRIVATE_ONLY = (
    "privacy",  # about the person asking: their own chat, not the group's
    "start",  # a deep link joins a team or opens a report: the answer belongs in the private chat
    "invite",
    "team",
    "sales",
    "settings",
    "holiday",
    "digest",
    "target",
    "rewards",
    "meeting",
    "meetings",
    "cancel",
    "undo",
    "client",
    "clients",
    "contact",
    "teams",
    "summary",
    "export",
    "competitor",
    "competitors",
    "task",
    "tasks",
    "announce",
    "complaint",
    "complaints",
    "leave",
    "duel",
    "kudos",
)

# Updates handled at once (of different chats; one chat's stay in order).
UPDATE_SLOTS = 16


# A standby asks for the active lock this often: it takes over within seconds of the active one dying.
STANDBY_POLL = 2.0
LOCK_CHECK_INTERVAL = 5.0


async def become_active(app: App, deps: Deps, lock: ActiveLock) -> None:
    """Wait as a standby until this process holds the active lock; then watch that it keeps it."""
    await lock.listen(inbox_service.STANDBY_CHANNEL, lambda payload: _from_standby(app, deps, payload))
    if not await _try_lock(deps, lock):
        log.info("standby: another instance is active; waiting to take over")
        while True:  # polled: the lock's holder may be a process on another machine
            await asyncio.sleep(STANDBY_POLL)
            if await _try_lock(deps, lock):
                break
    log.info("active")

    async def watch(_context: BotContext) -> None:
        if not deps.lock_lost and await lock.alive():
            return
        # The lock's connection broke (the database restarted or the network cut it): take the
        # lock again on a new one, unless another instance has it by now.
        await lock.release()
        try:
            got = await lock.try_acquire(deps.clock())
        except Exception as exc:
            if not deps.lock_lost:
                # Everything this instance does needs the database. Its ticks pause; it keeps
                # polling, so a lone instance can still tell people it is unavailable (an update
                # it cannot store blocks its poll, Telegram keeps it, and a standby that reaches
                # the database and took over fetches it too), and it asks for the lock again later.
                log.warning("lost the active lock and the database does not answer (%s)", exc)
            deps.lock_lost = True
            return
        if got:
            log.warning("the active lock's connection broke; the lock is held again")
            deps.lock_lost = False
            return
        # Another instance is active now: this one stops before it could send anything twice.
        log.error("another instance took the active lock; stopping")
        app.stop_running()

    if app.job_queue is not None:
        app.job_queue.run_repeating(watch, interval=LOCK_CHECK_INTERVAL, first=LOCK_CHECK_INTERVAL)


async def _try_lock(deps: Deps, lock: ActiveLock) -> bool:
    """The lock, or False while it is held elsewhere or the database is away (a standby waits on)."""
    try:
        return await lock.try_acquire(deps.clock())
    except Exception as exc:
        log.warning("cannot ask for the active lock, the database does not answer: %s", exc)
        return False


def _from_standby(app: App, deps: Deps, payload: str) -> None:
    """A standby stored an update Telegram posted to it: handed out here at once."""
    if payload.isdigit():
        app.create_task(redeliver(app, deps, int(payload)), name=f"standby-update-{payload}")


def build_application(deps: Deps, *, webhook: bool = False) -> App:
    settings = deps.settings

    async def post_init(app: App) -> None:
        if deps.active_lock is not None:
            await become_active(app, deps, deps.active_lock)
        await menus.set_shared_menus(app.bot, deps.renderer, settings.locale)
        # Coordinators' and managers' own menus beside the first updates: a company has many.
        holders = await managers.menu_holders(deps.db)
        deps.background.spawn(menus.set_own_menus(app.bot, deps.renderer, holders))
        # Before polling starts: what the last process fetched and did not finish comes first.
        await resume(app, deps)
        if app.job_queue is not None:
            app.job_queue.run_repeating(prune_job, interval=6 * 3600, first=60)
            app.job_queue.run_repeating(redeliver_job, interval=STRANDED_AFTER, first=STRANDED_AFTER)
            if deps.scheduler:
                app.job_queue.run_repeating(scheduler_job, interval=TICK_INTERVAL, first=1, name="scheduler")

    async def post_stop(_app: App) -> None:
        await deps.background.wait()  # notices handed off by handlers go out while the bot still can

    async def post_shutdown(_app: App) -> None:
        await deps.db.dispose()
        if deps.active_lock is not None:
            await deps.active_lock.release()

    notice = OutageNotice()
    builder = Application.builder().updater(None) if webhook else Application.builder()  # bot.webhook
    app: App = (
        builder.application_class(InboxApplication)
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(file_base_url(settings.api_base_url))
        .get_updates_request(InboxRequest(deps.db, deps.clock, notice))
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        # Different chats side by side, each chat's and each person's updates in order.
        .concurrent_updates(ChatOrder(UPDATE_SLOTS))
        # Our own pace under Telegram's limits; a 429 defers that chat only, nobody sleeps on it.
        .rate_limiter(Pacer())
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data["deps"] = deps

    async def tell_unavailable(chat_id: int, language: str | None) -> None:
        # No database to ask for the person's team: their Telegram language, else the default.
        locale = pick_locale(language, None, settings.locale)
        await app.bot.send_message(chat_id=chat_id, text=deps.renderer.render("unavailable", locale))

    notice.send = tell_unavailable
    app.bot_data[OUTAGE_NOTICE] = notice  # the webhook tells the same way (bot.webhook)
    register(app)
    return app


# The commands, in the order PTB tries them.
COMMANDS: list[tuple[str | list[str], Callback]] = [
    ("start", start.start),
    ("help", start.help_command),
    ("privacy", privacy.privacy_command),
    ("invite", team.invite),
    ("team", team.team),
    ("linkgroup", team.link_group),
    ("topic", team.topic_command),
    ("report", report.report_command),
    ("cancel", conversation.cancel_command),
    ("undo", report.undo_command),
    ("me", results.me),
    (["leaderboard", "top"], results.leaderboard),
    ("sales", results.sales_command),
    ("settings", settings.settings_command),
    ("holiday", settings.holiday_command),
    ("digest", settings.digest_command),
    ("target", targets.target_command),
    ("points", targets.points_command),
    ("badges", targets.badges_command),
    ("rewards", catalogue.rewards_command),
    ("contest", contests.contest_command),
    ("meeting", meetings.meeting_command),
    ("meetings", meetings.meetings_command),
    ("client", clients.client_command),
    ("clients", clients.clients_command),
    ("contact", clients.contact_command),
    ("teams", managers_handlers.teams_command),
    ("summary", managers_handlers.summary_command),
    ("export", exports.export_command),
    ("competitor", competitors.competitor_command),
    ("competitors", competitors.competitors_command),
    ("task", tasks.task_command),
    ("tasks", tasks.tasks_command),
    ("announce", announce.announce_command),
    ("complaint", complaints.complaint_command),
    ("complaints", complaints.complaints_command),
    ("leave", leave.leave_command),
    ("duel", duels.duel_command),
    ("kudos", kudos.kudos_command),
]

# One handler per callback-data prefix; each prefix is a feature's own.
BUTTONS: dict[Prefix, Callback] = {
    Prefix.INVITE: team.revoke_invite,
    Prefix.TEAM: team.team_button,
    Prefix.REPORT: report.report_button,
    Prefix.UNDO: report.undo_button,
    Prefix.SALES: results.sales_button,
    Prefix.SETTINGS: settings.settings_button,
    Prefix.NUDGE: settings.nudge_button,
    Prefix.TARGET: targets.target_button,
    Prefix.REWARD: catalogue.rewards_button,
    Prefix.CONTEST: contests.contest_button,
    Prefix.MEETING_DRAFT: meetings.draft_button,
    Prefix.MEETING_MANAGE: meetings.manage_button,
    Prefix.MEETING_ANSWER: meetings.answer_button,
    Prefix.CLIENT: clients.client_button,
    Prefix.CONTACT: clients.contact_button,
    Prefix.EXPORT: exports.export_button,
    Prefix.COMPETITOR: competitors.competitor_button,
    Prefix.TASK: tasks.task_button,
    Prefix.ANNOUNCE: announce.announce_button,
    Prefix.COMPLAINT: complaints.complaint_button,
    Prefix.CORRECT: corrections.correct_button,
    Prefix.LEAVE: leave.leave_button,
    Prefix.DUEL: duels.duel_button,
    Prefix.KUDOS: kudos.kudos_button,
}

# Every feature's conversations, for the one typed-answer router.
CONVERSATIONS = [
    *report.CONVERSATIONS,
    *corrections.CONVERSATIONS,
    *settings.CONVERSATIONS,
    *targets.CONVERSATIONS,
    *catalogue.CONVERSATIONS,
    *contests.CONVERSATIONS,
    *meetings.CONVERSATIONS,
    *clients.CONVERSATIONS,
    *competitors.CONVERSATIONS,
    *tasks.CONVERSATIONS,
    *announce.CONVERSATIONS,
    *complaints.CONVERSATIONS,
    *kudos.CONVERSATIONS,
]


def register(app: App) -> None:
    # Before the gate: a group's upgrade to a supergroup re-links the team whoever announced it.
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, groups.group_migrated), group=-3)
    app.add_handler(MessageHandler(filters.StatusUpdate.FORUM_TOPIC_CLOSED, groups.topic_closed), group=-3)
    # Group -2 runs first for every other update: redeliveries and strangers stop here.
    app.add_handler(TypeHandler(Update, gate), group=-2)
    # Then where it was asked: management stays private, a group sees only its own team.
    app.add_handler(TypeHandler(Update, places.place_rule(PRIVATE_ONLY)), group=-1)
    for names, command in COMMANDS:
        app.add_handler(CommandHandler(names, command))
    known = {n for entry, _ in COMMANDS for n in ([entry] if isinstance(entry, str) else entry)}
    if not set(PRIVATE_ONLY) <= known:  # a typo here would let a management command into groups
        raise ValueError(f"unknown private commands {sorted(set(PRIVATE_ONLY) - known)}")
    missing = set(Prefix) - set(BUTTONS)
    if missing:  # a prefix without a handler would leave its buttons to the stale-button answer
        raise ValueError(f"no button handler for {sorted(missing)}")
    for prefix, button in BUTTONS.items():
        app.add_handler(CallbackQueryHandler(button, pattern=prefix.pattern))
    # Anything else pressed (old or forged data) is answered, never left spinning.
    app.add_handler(CallbackQueryHandler(stale_button))
    # A 🔥 or 👏 on a cheer in the group: kudos to the reps it names.
    app.add_handler(MessageReactionHandler(kudos.reaction))
    # A photo or a document in a private chat: a complaint's attachment.
    files = filters.ChatType.PRIVATE & (filters.PHOTO | filters.Document.ALL)
    app.add_handler(MessageHandler(files, complaints.attachment_message))
    # Last: a plain message in a private chat answers the person's stored draft.
    typed_answer = conversation.typed_answer_router(CONVERSATIONS)
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, typed_answer))
    app.add_error_handler(on_error)
