"""/meeting (create), /meetings (list, move, cancel, attendance) and the invitation's answers."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import Prefix, encode
from bot.deps import BotContext, Deps
from bot.keyboards import pager
from bot.scheduler.notices import answer_buttons, notify_attendees
from bot.services import meeting_drafts, meetings
from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.meetings import AttendeeView, MeetingDraft, MeetingStep, MeetingView
from bot.services.paging import Page, matching, page_of, page_value
from bot.services.parsing import is_number
from handlers import conversation
from handlers.common import (
    edit,
    keyboard,
    page_buttons,
    pressed,
    pressed_page,
    private_only,
    reply,
    respond,
    with_actor,
)
from handlers.conversation import CANCEL, Conversation, DraftButtons
from storage.models import NAME_MAX, MeetingKind

# What /meetings' coordinator buttons do, after `mm:`; each carries the meeting's id.
PAGE = "page"
MANAGE = ("move", "cancel", "cancelok", "list", "att", "tog", PAGE)


def _manage(action: str, meeting_id: int, *more: int) -> str:
    return encode(Prefix.MEETING_MANAGE, action, meeting_id, *more)


def _attendees_page(draft: MeetingDraft) -> Page[AttendeeView]:
    """The page of people the attendees step shows, narrowed by the typed part of a name."""
    search = str(draft.data.get("search") or "")
    found = matching(draft.members, search, lambda m: m.name)
    return page_of(found, int(draft.data.get("page") or 0), search)


def _draft_markup(deps: Deps, actor: Actor, draft: MeetingDraft) -> InlineKeyboardMarkup:
    label = deps.renderer.label
    button = DraftButtons(Prefix.MEETING_DRAFT, draft.token, label(actor.locale, "cancel"))
    rows: list[list[tuple[str, str]]] = []
    if draft.step == MeetingStep.KIND:
        rows = [[button(label(actor.locale, "meeting_kind", kind=k.value), k.value)] for k in MeetingKind]
    elif draft.step == MeetingStep.DURATION:
        rows = [[button(label(actor.locale, "minutes", n=n), n) for n in meetings.DURATIONS]]
    elif draft.step == MeetingStep.PLACE:
        rows = [[button(label(actor.locale, "skip"), "skip")]]
    elif draft.step == MeetingStep.ATTENDEES:
        page = _attendees_page(draft)
        rows = [[button(label(actor.locale, "whole_team"), "all")]]
        rows += [
            [button(label(actor.locale, "toggle", name=m.name, on=m.person_id in draft.chosen), m.person_id)]
            for m in page.items
        ]
        rows += pager(page.number, page.pages, lambda number: button("", page_value(number))[1])
        rows.append([button(label(actor.locale, "done"), "done")])
    elif draft.step == MeetingStep.CONFIRM:
        rows = [[button(label(actor.locale, "save"), "save")]]
    return button.keyboard(rows)


async def show_draft(
    update: Update, context: BotContext, actor: Actor, draft: MeetingDraft, *, editing: bool
) -> None:
    deps = context.deps
    page = _attendees_page(draft) if draft.step == MeetingStep.ATTENDEES else None
    values = {"draft": draft, "team": actor.team, "name_max": NAME_MAX, "page": page}
    markup = _draft_markup(deps, actor, draft)
    await respond(update, context, actor, "meeting_step", markup, editing=editing, **values)


@with_actor
@private_only
async def meeting_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    draft = await meeting_drafts.start(deps.db, actor, deps.clock())
    await show_draft(update, context, actor, draft, editing=False)


@with_actor
async def draft_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    data = pressed(update, Prefix.MEETING_DRAFT).exactly(2)
    token, value = data.text(0), data.text(1)
    if value == CANCEL:
        await conversation.cancel_pressed(update, context, actor, token)
        return
    if value == "save":
        meeting = await meeting_drafts.create(deps.db, actor, token, deps.clock())
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
            spawn=deps.background.spawn,
        )
        await edit(update, context, actor, "meeting_saved", meeting=meeting, team=actor.team)
        return
    # A number is a duration or an attendee: read as a person id, range-checked, for the latter.
    person = data.person(1) if is_number(value) else None
    draft = await meeting_drafts.advance(
        deps.db, actor, token, value, deps.clock(), typed=False, person=person
    )
    await show_draft(update, context, actor, draft, editing=True)


async def typed_meeting(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    draft = await meeting_drafts.advance(deps.db, actor, None, text, deps.clock(), typed=True)
    await show_draft(update, context, actor, draft, editing=False)


async def typed_move(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    team = actor.require_coordinator()
    # The meeting is the one the stored draft names, read again under the draft's lock.
    meeting, move = await meeting_drafts.move(deps.db, actor, text, deps.clock())
    # One notice per move (keyed by the move's own token): a move back to an earlier time is news too.
    key = f"moved:{meeting.id}:{move}"
    recipients = [a for a in meeting.attendees if a.person_id != actor.person_id]
    spawn = deps.background.spawn
    await notify_attendees(deps, context.bot, meeting, team, "meeting_moved", key, recipients, spawn=spawn)
    await reply(update, context, actor, "meeting_moved", meeting=meeting, team=team, attendee=None)


async def _show_list(
    update: Update, context: BotContext, actor: Actor, *, editing: bool, number: int = 0
) -> None:
    deps = context.deps
    now = deps.clock()
    coming = await meetings.upcoming(deps.db, actor, now)
    past = await meetings.recent_past(deps.db, actor, now) if actor.is_coordinator else []
    # One list, paged: the coming meetings first, then the recent ones to mark attendance on.
    page = page_of([*((True, m) for m in coming), *((False, m) for m in past)], number)
    coming = [m for upcoming, m in page.items if upcoming]
    past = [m for upcoming, m in page.items if not upcoming]
    rows: list[list[tuple[str, str]]] = []
    if actor.is_coordinator:
        label = deps.renderer.label
        for m in coming:
            if m.starts_at > now:
                rows.append(
                    [
                        (label(actor.locale, "move", title=m.title), _manage("move", m.id)),
                        (label(actor.locale, "cancel_meeting", title=m.title), _manage("cancel", m.id)),
                    ]
                )
        rows += [[(label(actor.locale, "attendance", title=m.title), _manage("att", m.id))] for m in past]
    rows += page_buttons(page, Prefix.MEETING_MANAGE, PAGE)
    values = {"coming": coming, "past": past, "page": page, "team": actor.team, "actor": actor}
    await respond(update, context, actor, "meetings_list", keyboard(rows), editing=editing, **values)


@with_actor
async def meetings_command(update: Update, context: BotContext, actor: Actor) -> None:
    actor.require_member()
    await _show_list(update, context, actor, editing=False)


def _attendance_markup(
    deps: Deps, actor: Actor, meeting: MeetingView, page: Page[AttendeeView]
) -> InlineKeyboardMarkup:
    label = deps.renderer.label
    rows = [
        [
            (
                label(actor.locale, "toggle", name=a.name, on=bool(a.attended)),
                _manage("tog", meeting.id, a.person_id, page.number),
            )
        ]
        for a in page.items
    ]
    return keyboard(rows + page_buttons(page, Prefix.MEETING_MANAGE, "att", meeting.id))


@with_actor
async def manage_button(update: Update, context: BotContext, actor: Actor) -> None:
    """Coordinator actions from /meetings; every one re-checks role and team in the service."""
    deps = context.deps
    team = actor.require_coordinator()
    data = pressed(update, Prefix.MEETING_MANAGE)
    action, now = data.choice(0, MANAGE), deps.clock()
    # How many fields each button has: a page (and the attendance's page) is one more.
    data.exactly(*{"tog": (3, 4), "att": (2, 3)}.get(action, (2,)))
    if action == PAGE:
        await _show_list(update, context, actor, editing=True, number=pressed_page(data, 1)[0])
        return
    meeting_id = data.id(1)
    if action == "move":
        meeting = await meeting_drafts.ask_move(deps.db, actor, meeting_id, now)
        await reply(update, context, actor, "meeting_ask_move", meeting=meeting, team=team)
    elif action == "cancel":
        meeting = await meetings.get(deps.db, team, meeting_id)
        markup = keyboard(
            [
                [
                    (deps.renderer.label(actor.locale, "confirm_cancel"), _manage("cancelok", meeting_id)),
                    (deps.renderer.label(actor.locale, "keep"), _manage("list", meeting_id)),
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
            spawn=deps.background.spawn,
        )
        await edit(update, context, actor, "meeting_cancelled", meeting=meeting, team=team, attendee=None)
    elif action == "list":
        await _show_list(update, context, actor, editing=True)
    elif action in ("att", "tog"):
        if action == "att":
            meeting = await meetings.get(deps.db, team, meeting_id)
            number = pressed_page(data, 2)[0]
        else:
            meeting = await meetings.toggle_attended(deps.db, actor, meeting_id, data.person(2), now)
            number = pressed_page(data, 3)[0]
        page = page_of(meeting.attendees, number)
        markup = _attendance_markup(deps, actor, meeting, page)
        await edit(
            update, context, actor, "meeting_attendance", markup, meeting=meeting, team=team, page=page
        )
    else:
        raise Refused(Reason.STALE_BUTTON)


@with_actor
async def answer_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    data = pressed(update, Prefix.MEETING_ANSWER).exactly(2)
    meeting_id, value = data.id(0), data.choice(1, meetings.ANSWERS)
    meeting = await meetings.answer(deps.db, actor, meeting_id, value, deps.clock())
    team = actor.require_member()
    me = next(a for a in meeting.attendees if a.person_id == actor.person_id)
    markup = keyboard(answer_buttons(deps.renderer, actor.locale, meeting.id))
    await edit(update, context, actor, "meeting_invite", markup, meeting=meeting, team=team, attendee=me)


CONVERSATIONS = [
    Conversation(DraftKind.MEETING, meetings.MeetingStep, typed_meeting),
    Conversation(DraftKind.MEETING_MOVE, meetings.MoveStep, typed_move),
]
