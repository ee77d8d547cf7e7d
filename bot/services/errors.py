"""Refusals a service can answer with. The reason picks the sentence in `templates/refused.j2`."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Every reason a request is refused; `templates/refused.j2` has one sentence for each."""

    # who may ask
    NOT_MEMBER = "not_member"
    COORDINATORS_ONLY = "coordinators_only"
    MANAGERS_ONLY = "managers_only"
    PRIVATE_ONLY = "private_only"
    GROUP_ONLY = "group_only"
    GROUP_TAKEN = "group_taken"
    GROUP_NOT_LINKED = "group_not_linked"
    TOPIC_USAGE = "topic_usage"
    CANNOT_REMOVE_COORDINATOR = "cannot_remove_coordinator"
    NOT_A_REP = "not_a_rep"
    NOT_INVITED = "not_invited"
    LEFT_TEAM = "left_team"
    # buttons and conversations
    STALE_BUTTON = "stale_button"
    NOT_FOUND = "not_found"
    MEETING_SAME_TIME = "meeting_same_time"
    NO_DRAFT = "no_draft"
    DRAFT_EXPIRED = "draft_expired"
    USE_BUTTONS = "use_buttons"
    # typed input
    NAME_EMPTY = "name_empty"
    NAME_TOO_LONG = "name_too_long"
    BAD_NUMBER = "bad_number"
    BAD_PERIOD = "bad_period"
    BAD_TIME = "bad_time"
    BAD_QUIET_HOURS = "bad_quiet_hours"
    IN_QUIET_HOURS = "in_quiet_hours"
    QUIET_COVERS_TIMES = "quiet_covers_times"
    BAD_COUNTRY = "bad_country"
    BAD_DATE = "bad_date"
    HOLIDAY_RANGE = "holiday_range"
    BAD_WHEN = "bad_when"
    WHEN_PAST = "when_past"
    BAD_DURATION = "bad_duration"
    BAD_POINTS = "bad_points"
    BAD_PRIZES = "bad_prizes"
    END_BEFORE_START = "end_before_start"
    TARGET_USAGE = "target_usage"
    TARGET_AMOUNT = "target_amount"
    EXPORT_USAGE = "export_usage"
    SUMMARY_USAGE = "summary_usage"
    # the state of things
    UNDO_EXPIRED = "undo_expired"
    ALREADY_VOIDED = "already_voided"
    NOT_YOUR_SALE = "not_your_sale"
    SALE_CLOSED = "sale_closed"
    SALE_UNCHANGED = "sale_unchanged"
    LEAVE_USAGE = "leave_usage"
    LEAVE_PAST = "leave_past"
    LEAVE_ORDER = "leave_order"
    LEAVE_TOO_LONG = "leave_too_long"
    LAST_POST_DAY = "last_post_day"
    MEETING_CANCELLED = "meeting_cancelled"
    MEETING_NOT_STARTED = "meeting_not_started"
    NO_ATTENDEES = "no_attendees"
    TWO_SQUADS = "two_squads"
    OUT_OF_STOCK = "out_of_stock"
    NOT_ENOUGH_POINTS = "not_enough_points"
    ALREADY_DECIDED = "already_decided"
    CLIENT_TAKEN = "client_taken"
    CLIENT_UNKNOWN = "client_unknown"
    EXPORT_TOO_BIG = "export_too_big"
    # tasks
    BAD_DUE = "bad_due"
    DUE_PAST = "due_past"
    NO_REPS = "no_reps"
    NO_SUCH_CLIENT = "no_such_client"
    TASK_DONE = "task_done"
    ANNOUNCE_NOBODY = "announce_nobody"
    COMPLAINT_CLOSED = "complaint_closed"
    COMPLAINT_MOVED = "complaint_moved"
    # duels and kudos
    NOT_IN_TEAM = "not_in_team"
    DUEL_USAGE = "duel_usage"
    DUEL_SELF = "duel_self"
    DUEL_OPEN = "duel_open"
    DUEL_NOT_YOURS = "duel_not_yours"
    DUEL_EXPIRED = "duel_expired"
    KUDOS_SELF = "kudos_self"
    KUDOS_NONE_LEFT = "kudos_none_left"
    KUDOS_REASON = "kudos_reason"


class Refused(Exception):
    """The request is understood and refused; nothing was changed."""

    def __init__(self, reason: Reason, **details: object) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.details = details
