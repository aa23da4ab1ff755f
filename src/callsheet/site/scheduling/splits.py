"""Split Tasks: a Task worked in segments, with gaps between them (`Task.splits`).

The rules are those of the shotgun_api3 cookbook, "Split Tasks"
(docs/cookbook/tasks/split_tasks.rst): `splits` is a list of `{"start": "YYYY-MM-DD", "end":
"YYYY-MM-DD"}` segments, oldest first, with at least one working day between two segments (a
weekend or a holiday is not a gap). Written splits give the Task its dates and duration (a start,
due or duration sent with them is ignored); null or an empty list removes them, keeping the dates
and counting the duration again. On a split Task:

- a new `start_date` moves every segment, the gaps' working lengths kept;
- a new `due_date` is where the work ends: later segments are dropped, the last one ends on the
  due date, and a due date in a gap is a day of work of its own (the page's examples; its
  sentence "all prior splits will be moved" disagrees with them and with the gap example);
- a longer `duration` adds days to the end of the last segment, a shorter one removes or
  shortens segments from the latest.
A dependency moves a split Task like a new start (or, for the types that place its end, a move
that ends on the placed day), its segments and gaps kept (Callsheet's choice: undocumented).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from callsheet.faults import ValueFault
from callsheet.site.scheduling.calendar import ONE_DAY, WorkCalendar
from callsheet.site.scheduling.task_dates import Schedule, apply_written, recalendar

FIELD = "Task.splits"


@dataclass(frozen=True)
class Segment:
    """Days worked in one piece, both included."""

    start: dt.date
    end: dt.date


def parse(value: Any) -> list[Segment]:
    """The segments of a stored or written `splits` value (null or [] → none); Faults name
    the segment that is not a {start, end} pair of dates in order."""
    if not value:
        return []
    if not isinstance(value, list):
        raise ValueFault(f"{FIELD} expects a list of {{'start': ..., 'end': ...}} dicts.")
    segments: list[Segment] = []
    for number, item in enumerate(value, start=1):
        try:
            start = dt.date.fromisoformat(item["start"])
            end = dt.date.fromisoformat(item["end"])
        except (TypeError, KeyError, ValueError):
            raise ValueFault(
                f"{FIELD}: split segment {number} must be a dict with 'start' and 'end' dates "
                f"as 'YYYY-MM-DD' strings, got {item!r}."
            ) from None
        if end < start:
            raise ValueFault(
                f"{FIELD}: split segment {number} ends ({end}) before it starts ({start})."
            )
        segments.append(Segment(start, end))
    return segments


def check_gaps(segments: Sequence[Segment], calendar: WorkCalendar) -> None:
    """Fault unless a working day separates each segment from the one before [cookbook]."""
    for number, (before, after) in enumerate(itertools.pairwise(segments), start=2):
        if after.start <= before.end:
            raise ValueFault(
                f"{FIELD}: split segment {number} starts ({after.start}) before the previous "
                f"segment ends ({before.end}). Splits are ordered from eldest to newest."
            )
        if _gap_days(before, after, calendar) == 0:
            # ShotGrid's words, from the cookbook's example of the error
            raise ValueFault(
                f"{FIELD}: The start date in split segment {number} is only one calendar day "
                "away from the end date of the previous segment. There must be calendar days "
                "between split segments."
            )


def stored(segments: Sequence[Segment]) -> list[dict[str, str]] | None:
    """The `splits` value of these segments (None when there are none)."""
    if not segments:
        return None
    return [{"start": s.start.isoformat(), "end": s.end.isoformat()} for s in segments]


def duration(segments: Sequence[Segment], calendar: WorkCalendar) -> int:
    """The Task's working time: the working days of its segments."""
    return sum(calendar.span_minutes(s.start, s.end) for s in segments)


def _gap_days(before: Segment, after: Segment, calendar: WorkCalendar) -> int:
    if after.start - before.end <= ONE_DAY:
        return 0
    return calendar.working_days(before.end + ONE_DAY, after.start - ONE_DAY)


def _shape(segments: Sequence[Segment], calendar: WorkCalendar) -> list[tuple[int, int]]:
    """(working days, working days of the gap before it) of each segment; a segment is at
    least one day and a gap at least one working day."""
    shape: list[tuple[int, int]] = []
    for number, segment in enumerate(segments):
        gap = _gap_days(segments[number - 1], segment, calendar) if number else 0
        shape.append((max(1, calendar.working_days(segment.start, segment.end)), max(1, gap)))
    return shape


def _working_on_or_after(day: dt.date, calendar: WorkCalendar) -> dt.date:
    return day if calendar.is_working(day) else calendar.shift(day, 1)


def _working_on_or_before(day: dt.date, calendar: WorkCalendar) -> dt.date:
    return day if calendar.is_working(day) else calendar.shift(day, -1)


def move_to_start(
    segments: Sequence[Segment], start: dt.date, calendar: WorkCalendar
) -> list[Segment]:
    """The segments moved to begin on `start`, each segment's and gap's working days kept."""
    moved: list[Segment] = []
    for days, gap in _shape(segments, calendar):
        first = calendar.shift(moved[-1].end, gap + 1) if moved else start
        last = calendar.shift(_working_on_or_after(first, calendar), days - 1)
        moved.append(Segment(first, last))
    return moved


def move_to_end(segments: Sequence[Segment], due: dt.date, calendar: WorkCalendar) -> list[Segment]:
    """The segments moved to end on `due`, each segment's and gap's working days kept."""
    shape = _shape(segments, calendar)
    moved: list[Segment] = []
    gap_after = 0
    for days, gap in reversed(shape):
        last = calendar.shift(moved[0].start, -(gap_after + 1)) if moved else due
        first = calendar.shift(_working_on_or_before(last, calendar), -(days - 1))
        moved.insert(0, Segment(first, last))
        gap_after = gap
    return moved


def end_on(segments: Sequence[Segment], due: dt.date) -> list[Segment]:
    """The work ends on `due`: later segments dropped, the last one ending on it; a due date
    in a gap is a day of work of its own [cookbook "Setting the due_date in a gap"]."""
    kept = [s for s in segments if s.start <= due]
    if not kept:
        return [Segment(due, due)]
    last = kept[-1]
    if due <= last.end or len(kept) == len(segments):
        return [*kept[:-1], Segment(last.start, due)]
    return [*kept, Segment(due, due)]


def last_for(segments: Sequence[Segment], minutes: int, calendar: WorkCalendar) -> list[Segment]:
    """The segments lasting `minutes`: days added to the end of the last segment, or removed
    from the latest segments first [cookbook "Setting a longer/shorter duration"]."""
    wanted = calendar.days_for(minutes)
    kept: list[Segment] = []
    total = 0
    for segment in segments:
        days = calendar.working_days(segment.start, segment.end)
        if total + days >= wanted:
            remaining = wanted - total
            if remaining > 0:
                start = _working_on_or_after(segment.start, calendar)
                kept.append(Segment(segment.start, calendar.shift(start, remaining - 1)))
            return kept or [Segment(segments[0].start, segments[0].start)]
        kept.append(segment)
        total += days
    last = kept[-1]
    return [*kept[:-1], Segment(last.start, calendar.shift(last.end, wanted - total))]


def split_schedule(
    old: Schedule,
    old_splits: Any,
    given_splits: Any,
    written: dict[str, Any],
    calendar: WorkCalendar,
) -> tuple[Schedule, list[dict[str, str]] | None]:
    """The schedule and `splits` of a Task that has or is given splits, after a write of
    `written` schedule fields (`given_splits`: the splits after the write, as sent or kept)."""
    milestone = bool(written.get("milestone", old.milestone))
    segments = parse(given_splits)
    if not segments:  # none, or removed: the dates are kept, the duration counted again
        kept = apply_written(old, written, calendar) if written else recalendar(old, calendar)
        return kept, None
    if given_splits is not old_splits:  # splits written: they give the dates [cookbook]
        if milestone:
            raise ValueFault(f"{FIELD}: a milestone is one day and cannot be split.")
        check_gaps(segments, calendar)
        return _from(segments, calendar), stored(segments)
    dates = {name: written[name] for name in ("start_date", "due_date") if name in written}
    if milestone or None in dates.values():  # one day, or no dates: nothing left to split
        return apply_written(old, written, calendar), None
    if "duration" in written and len(dates) < 2 and written["duration"] is not None:
        segments = last_for(segments, written["duration"], calendar)
    if "start_date" in dates:
        segments = move_to_start(segments, dates["start_date"], calendar)
    if "due_date" in dates:
        segments = end_on(segments, dates["due_date"])
        check_gaps(segments, calendar)
    new = _from(segments, calendar)
    if "duration" in written and not dates and written["duration"] is not None:
        new = replace(new, duration=written["duration"])  # a part-day duration is kept
    return new, stored(segments)


def _from(segments: Sequence[Segment], calendar: WorkCalendar) -> Schedule:
    return Schedule(segments[0].start, segments[-1].end, duration(segments, calendar), False)
