"""/meeting (create), /meetings (list, move, cancel, attendance) and the invitation's answers."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.deps import BotContext, Deps
from bot.scheduler.notices import notify_attendees
from bot.services import meetings
from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.meetings import MeetingDraft, MeetingView
from handlers.common import callback_args, edit, int_arg, keyboard, reply, respond, with_actor
from handlers.conversation import Conversation, cancel_pressed
from storage.models import NAME_MAX, MeetingKind


def _draft_markup(deps: Deps, actor: Actor, draft: MeetingDraft) -> InlineKeyboardMarkup:
    label = deps.renderer.label
    prefix = f"mt:{draft.token}"
    rows: list[list[tuple[str, str]]] = []
    if draft.step == "kind":
        rows = [
            [(label(actor.locale, "meeting_kind", kind=k.value), f"{prefix}:{k.value}")] for k in MeetingKind
        ]
    elif draft.step == "duration":
        rows = [[(label(actor.locale, "minutes", n=n), f"{prefix}:{n}") for n in meetings.DURATIONS]]
    elif draft.step == "place":
        rows = [[(label(actor.locale, "skip"), f"{prefix}:skip")]]
    elif draft.step == "attendees":
        rows = [[(label(actor.locale, "whole_team"), f"{prefix}:all")]]
        rows += [
            [
                (
                    label(actor.locale, "toggle", name=m.name, on=m.person_id in draft.chosen),
                    f"{prefix}:{m.person_id}",
                )
            ]
            for m in draft.members
        ]
        rows.append([(label(actor.locale, "done"), f"{prefix}:done")])
    elif draft.step == "confirm":
        rows = [[(label(actor.locale, "save"), f"{prefix}:save")]]
    rows.append([(label(actor.locale, "cancel"), f"{prefix}:cancel")])
    return keyboard(rows)


async def show_draft(
    update: Update, context: BotContext, actor: Actor, draft: MeetingDraft, *, editing: bool
) -> None:
    deps = context.deps
    values = {"draft": draft, "team": actor.team, "name_max": NAME_MAX}
    markup = _draft_markup(deps, actor, draft)
    await respond(update, context, actor, "meeting_step", markup, editing=editing, **values)


@with_actor
async def meeting_command(update: Update, context: BotContext, actor: Actor) -> None:
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        raise Refused(Reason.PRIVATE_ONLY)
    deps = context.deps
    draft = await meetings.start(deps.db, actor, deps.clock())
    await show_draft(update, context, actor, draft, editing=False)


@with_actor
async def draft_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    args = callback_args(update, "mt")
    if len(args) < 2:
        raise Refused(Reason.STALE_BUTTON)
    token, value = args[0], args[1]
    if value == "cancel":
        await cancel_pressed(update, context, actor, token)
        return
    if value == "save":
        meeting = await meetings.create(deps.db, actor, token, deps.clock())
        assert actor.team is not None
        # The attendees are told first: a failed edit here cannot cost them their invitation.
        await notify_attendees(
            deps,
            context.bot,
            meeting,
            actor.team,
            "meeting_invite",
            f"invite:{meeting.id}",
            meeting.attendees,
            with_answers=True,
        )
        await edit(update, context, actor, "meeting_saved", meeting=meeting, team=actor.team)
        return
    draft = await meetings.advance(
        deps.db, actor, token, "" if value == "skip" else value, deps.clock(), typed=False
    )
    await show_draft(update, context, actor, draft, editing=True)


async def typed_meeting(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    draft = await meetings.advance(deps.db, actor, None, text, deps.clock(), typed=True)
    await show_draft(update, context, actor, draft, editing=False)


async def typed_move(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    meeting_id = int(data["meeting_id"])
    team = actor.require_coordinator()
    meeting, _old = await meetings.move(deps.db, actor, meeting_id, text, deps.clock())
    key = f"moved:{meeting.id}:{meeting.starts_at:%Y%m%d%H%M}"
    recipients = [a for a in meeting.attendees if a.person_id != actor.person_id]
    await notify_attendees(deps, context.bot, meeting, team, "meeting_moved", key, recipients)
    await reply(update, context, actor, "meeting_moved", meeting=meeting, team=team, attendee=None)


async def _show_list(update: Update, context: BotContext, actor: Actor, *, editing: bool) -> None:
    deps = context.deps
    now = deps.clock()
    coming = await meetings.upcoming(deps.db, actor, now)
    past = await meetings.recent_past(deps.db, actor, now) if actor.is_coordinator else []
    rows: list[list[tuple[str, str]]] = []
    if actor.is_coordinator:
        label = deps.renderer.label
        for m in coming:
            if m.starts_at > now:
                rows.append(
                    [
                        (label(actor.locale, "move", title=m.title), f"mm:move:{m.id}"),
                        (label(actor.locale, "cancel_meeting", title=m.title), f"mm:cancel:{m.id}"),
                    ]
                )
        rows += [[(label(actor.locale, "attendance", title=m.title), f"mm:att:{m.id}")] for m in past]
    values = {"coming": coming, "past": past, "team": actor.team, "actor": actor}
    await respond(update, context, actor, "meetings_list", keyboard(rows), editing=editing, **values)


@with_actor
async def meetings_command(update: Update, context: BotContext, actor: Actor) -> None:
    actor.require_member()
    await _show_list(update, context, actor, editing=False)


def _attendance_markup(deps: Deps, actor: Actor, meeting: MeetingView) -> InlineKeyboardMarkup:
    label = deps.renderer.label
    rows = [
        [
            (
                label(actor.locale, "toggle", name=a.name, on=bool(a.attended)),
                f"mm:tog:{meeting.id}:{a.person_id}",
            )
        ]
        for a in meeting.attendees
    ]
    return keyboard(rows)


@with_actor
async def manage_button(update: Update, context: BotContext, actor: Actor) -> None:
    """Coordinator actions from /meetings; every one re-checks role and team in the service."""
    deps = context.deps
    team = actor.require_coordinator()
    args = callback_args(update, "mm")
    action, meeting_id, now = args[0], int_arg(args, 1), deps.clock()
    if action == "move":
        meeting = await meetings.ask_move(deps.db, actor, meeting_id, now)
        await reply(update, context, actor, "meeting_ask_move", meeting=meeting, team=team)
    elif action == "cancel":
        meeting = await meetings.get(deps.db, team, meeting_id)
        markup = keyboard(
            [
                [
                    (deps.renderer.label(actor.locale, "confirm_cancel"), f"mm:cancelok:{meeting_id}"),
                    (deps.renderer.label(actor.locale, "keep"), f"mm:list:{meeting_id}"),
                ]
            ]
        )
        await edit(update, context, actor, "meeting_cancel_confirm", markup, meeting=meeting, team=team)
    elif action == "cancelok":
        meeting = await meetings.cancel(deps.db, actor, meeting_id, now)
        recipients = [a for a in meeting.attendees if a.person_id != actor.person_id]
        await notify_attendees(
            deps,
            context.bot,
            meeting,
            team,
            "meeting_cancelled",
            f"cancel:{meeting.id}",
            recipients,
        )
        await edit(update, context, actor, "meeting_cancelled", meeting=meeting, team=team, attendee=None)
    elif action == "list":
        await _show_list(update, context, actor, editing=True)
    elif action == "att":
        meeting = await meetings.get(deps.db, team, meeting_id)
        await edit(
            update,
            context,
            actor,
            "meeting_attendance",
            _attendance_markup(deps, actor, meeting),
            meeting=meeting,
            team=team,
        )
    elif action == "tog":
        meeting = await meetings.toggle_attended(deps.db, actor, meeting_id, int_arg(args, 2), now)
        await edit(
            update,
            context,
            actor,
            "meeting_attendance",
            _attendance_markup(deps, actor, meeting),
            meeting=meeting,
            team=team,
        )
    else:
        raise Refused(Reason.STALE_BUTTON)


@with_actor
async def answer_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    args = callback_args(update, "ma")
    meeting = await meetings.answer(
        deps.db, actor, int_arg(args, 0), args[1] if len(args) > 1 else "", deps.clock()
    )
    team = actor.require_member()
    me = next(a for a in meeting.attendees if a.person_id == actor.person_id)
    markup = keyboard(
        [
            [
                (deps.renderer.label(actor.locale, "answer", value=v), f"ma:{meeting.id}:{v}")
                for v in meetings.ANSWERS
            ]
        ]
    )
    await edit(update, context, actor, "meeting_invite", markup, meeting=meeting, team=team, attendee=me)


CONVERSATIONS = [
    Conversation(DraftKind.MEETING, meetings.MeetingStep, typed_meeting),
    Conversation(DraftKind.MEETING_MOVE, meetings.MoveStep, typed_move),
]
