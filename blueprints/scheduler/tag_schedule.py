"""The schedule a tag value states, and the state it wants at a given instant.

The grammar is the post's, `ON_DAYS;ON_TIME;OFF_DAYS;OFF_TIME[;OPTION...][;]`, read as a weekly
list of events: at ON_TIME on each of ON_DAYS the resource should start running, at OFF_TIME on
each of OFF_DAYS it should stop. What it adds (README.md, "The tag"):

  * days are names (mon ... sun, any case), comma-separated, and ranges such as `mon-fri` or
    `fri-mon` (wrapping through the weekend); an empty field means no such events;
  * times are the post's HHMM (as it parses them) or HH:MM;
  * options after the fourth field: `disable` (the post's, any field containing it) and a time
    zone name (`Europe/Berlin`); the default zone is the deployment's.

The state wanted at an instant is that of the latest event at or before it, so it does not
depend on when the scheduler last ran. An instant that is both an on and an off event is no
event (the post's "Both on and off actions ... Doing nothing."). A wall time that a daylight
saving change skips happens when the clock jumps; one it repeats happens the first time.
"""

import datetime
import zoneinfo

DAYS = ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')
RUNNING = 'running'
STOPPED = 'stopped'

UTC = datetime.timezone.utc
# Events repeat weekly; a day more covers a wall-clock day that is not 24 hours long.
_LOOKBACK_DAYS = 8


class ScheduleError(ValueError):
    """A tag value that is not a schedule; the message says why."""


def _parse_days(field):
    """The weekday numbers (Monday 0) a days field names."""
    days = set()
    for item in field.split(','):
        item = item.strip().lower()
        if not item:
            continue
        first, dash, last = item.partition('-')
        if not dash:
            last = first
        if first not in DAYS or last not in DAYS:
            raise ScheduleError('"%s" is not a day (mon, tue, wed, thu, fri, sat, sun) or a '
                                'range of days (mon-fri)' % item)
        start, end = DAYS.index(first), DAYS.index(last)
        days.update((start + n) % 7 for n in range((end - start) % 7 + 1))
    return days


def _parse_time(field):
    for form in ('%H%M', '%H:%M'):
        try:
            return datetime.datetime.strptime(field.strip(), form).time()
        except ValueError:
            pass
    raise ScheduleError('"%s" is not a time of day (HHMM)' % field)


def zone_named(name):
    """The ZoneInfo `name` names; ScheduleError when there is none."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError('"%s" is not a time zone name (Europe/Berlin)' % name)


def _wall_clock(instant, zone):
    return instant.astimezone(zone).replace(tzinfo=None)


def _instant(day, time, zone):
    """The UTC instant the wall time `time` of `day` happens in `zone`."""
    wall = datetime.datetime.combine(day, time)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall_clock(first, zone) == wall:
        return first  # fold=0 is the first of a repeated wall time
    # Skipped: the two offsets around the jump bracket it; the jump is the first minute whose
    # wall clock is past `wall`.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = min(low, first), max(low, first)
    while high - low > datetime.timedelta(minutes=1):
        middle = low + (high - low) // 2
        middle -= datetime.timedelta(seconds=middle.second, microseconds=middle.microsecond)
        if middle == low:
            break
        if _wall_clock(middle, zone) >= wall:
            high = middle
        else:
            low = middle
    return high


class Schedule:
    """A parsed tag value. Immutable; thread-safe."""

    def __init__(self, on_days, on_time, off_days, off_time, zone, disabled):
        self.on_days, self.on_time = on_days, on_time
        self.off_days, self.off_time = off_days, off_time
        self.zone = zone
        self.disabled = disabled

    def wanted_state(self, now):
        """RUNNING or STOPPED by the latest event at or before `now` (an aware datetime), with
        that event's instant; (None, None) when the schedule is disabled or has no events."""
        if self.disabled:
            return None, None
        today = now.astimezone(self.zone).date()
        kinds = {}  # instant -> set of states wanted from it
        for back in range(_LOOKBACK_DAYS + 1):
            day = today - datetime.timedelta(days=back)
            for days, time, state in ((self.on_days, self.on_time, RUNNING),
                                      (self.off_days, self.off_time, STOPPED)):
                if day.weekday() in days:
                    instant = _instant(day, time, self.zone)
                    if instant <= now:
                        kinds.setdefault(instant, set()).add(state)
        for instant in sorted(kinds, reverse=True):
            if len(kinds[instant]) == 1:
                return next(iter(kinds[instant])), instant
        return None, None


def parse(text, default_zone):
    """The Schedule `text` states; ScheduleError when it states none. `default_zone` is a
    ZoneInfo."""
    fields = text.split(';')
    if len(fields) < 4:
        raise ScheduleError('fewer than 4 fields (ON_DAYS;ON_TIME;OFF_DAYS;OFF_TIME;)')
    on_days, off_days = _parse_days(fields[0]), _parse_days(fields[2])
    on_time = _parse_time(fields[1]) if on_days else None
    off_time = _parse_time(fields[3]) if off_days else None
    zone, disabled = default_zone, False
    for option in fields[4:]:
        option = option.strip()
        if 'disable' in option.lower():
            disabled = True
        elif option:
            try:
                zone = zone_named(option)
            except ScheduleError:
                raise ScheduleError('"%s" is neither "disable" nor a time zone name '
                                    '(Europe/Berlin)' % option) from None
    return Schedule(on_days, on_time, off_days, off_time, zone, disabled)
