#!/usr/bin/env python3
"""Generates assets/demo/clinic.json, the bundled demo clinic of needleplan.

Run from anywhere:  python3 assets/demo/generate_demo.py

Every clinic date is written relative to the reference day R (2026-06-01, a Monday). When
--demo starts, the app (src/store/demo.rs) moves all of them by whole weeks so that R
becomes the Monday of today's week: weekdays are kept, so every visit keeps its opening
hours and nothing lands on a Sunday, when the clinic is closed. "Today" can thus be any
day from R (Monday) to R+6 (Sunday). Then every planned or booked session of R's week
that falls before today moves one week on, same weekday and time ("the roll"), so no
appointment is left looking missed. The data is written to look alive on each of those
seven days and to stay valid under the roll:
  - a two-chair clinic (clinicians and rooms from assets/clinic.json): every visit that
    holds time has a clinician, a room and a time inside the opening hours of its day,
    and no clinician or room is ever booked twice at once;
  - 3 to 6 sessions on every weekday from two weeks before R to the end of the week
    after it, the Saturday morning clinic busy too, fewer further out (later sessions of
    a course are only planned: a date, no time yet);
  - the slots of R's week bookings are kept free one week later, and their neighbours in
    the series are far enough (minimum interval + 7) and near enough (maximum - 7) that
    the roll breaks no interval rule;
  - result reviews are 30-minute visits in the last half hour of a weekday (sessions end
    by then), booked a week after R at the earliest (reviews are not rolled);
  - at least two patients with overdue aftercare even on the Monday (sessions done in the
    previous week with early items left open), and a session done in the last days
    before R with aftercare items still open;
  - nothing ticked after R, the earliest possible today.
Dates of birth are not moved. The output is deterministic (fixed seed, no clock).

Every patient with a series also has a clinical record, so the consult screen (4) is
never empty: 1-3 dated skin assessments (most improving across the course, a few not),
a screening reviewed close enough before the next booking to cover it for most, the
before-session prep and a signed chart (device, lot, depth per area) for every session
done, and a few stories: a washout still running with the course planned after it and
nothing booked before it, cold sores and the antiviral prompt, an acknowledged relative
contraindication, an overridden absolute one, a re-screen due, Fitzpatrick V with the PIH
caution, a pregnancy that refuses booking, an amended chart, next sessions partly
prepared. No upcoming session is one the screening would refuse.

The patients cover every stage a clinic sees on a given day:
  new consults, planned series, mid-series (booked on every day of the week), finished
  series with reviews done and booked or not booked at all, archived records, overdue
  aftercare, cancelled (one late) and missed sessions, sessions done on the Friday before
  and on the Monday, patients with a second (maintenance) series, and the regulars who
  fill the two chairs. The script checks its own output (intervals, ticks, ids, hours,
  double bookings, every day of R's week with the roll applied) before writing.
"""

import hashlib
import json
import random
import re
import unicodedata
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ASSETS = HERE.parent
OUT = HERE / "clinic.json"

R = date(2026, 6, 1)  # reference day, a Monday; keep in step with the app's expectations
SEED = 20260601

AFTERCARE = json.loads((ASSETS / "aftercare.json").read_text(encoding="utf-8"))["items"]
PROTOCOLS = {
    p["id"]: p
    for p in json.loads((ASSETS / "protocols.json").read_text(encoding="utf-8"))["protocols"]
}
CLINIC = json.loads((ASSETS / "clinic.json").read_text(encoding="utf-8"))

rng = random.Random(SEED)

# --------------------------------------------------------------------------------------
# The clinic: opening hours, clinicians, rooms (assets/clinic.json, the built-in defaults)
# --------------------------------------------------------------------------------------


def minutes_of_day(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


HOURS: list[tuple[int, int] | None] = [
    None if CLINIC["hours"][k] is None
    else (minutes_of_day(CLINIC["hours"][k]["open"]), minutes_of_day(CLINIC["hours"][k]["close"]))
    for k in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
]
CLINICIANS = [c["id"] for c in CLINIC["clinicians"] if c["active"]]
ROOMS = [r["id"] for r in CLINIC["rooms"] if r["active"]]
REVIEW_MONTHS = CLINIC["review_months"]
assert not CLINIC["closed_dates"], "the demo assumes no closed dates"
assert HOURS[6] is None, "the demo assumes the clinic is closed on Sundays"

STEP = 15  # appointments start on a quarter-hour grid from opening time (as the app's)
REVIEW_MINUTES = 30  # reviews take the last half hour of a weekday, sessions end before
LUNCH = (13 * 60, 13 * 60 + 30)  # avoided when there is a choice


def weekday(offset: int) -> int:
    return (R + timedelta(days=offset)).weekday()


def hours(offset: int) -> tuple[int, int] | None:
    return HOURS[weekday(offset)]


def is_review_day(offset: int) -> bool:
    return weekday(offset) < 5 and hours(offset) is not None


def session_close(offset: int) -> int:
    """Latest end of a session: closing time, less the review half hour on weekdays."""
    close = hours(offset)[1]
    return close - REVIEW_MINUTES if is_review_day(offset) else close


def is_sunday(offset: int) -> bool:
    return weekday(offset) == 6


def not_sunday_backward(offset: int) -> int:
    """Moves a Sunday to the Saturday before (for record creation days)."""
    return offset - 1 if is_sunday(offset) else offset


def iso(offset: int) -> str:
    return (R + timedelta(days=offset)).isoformat()


def clock(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}:00"


def add_months(d: date, months: int) -> date:
    """As the app's `add_months`: the day is clamped to the month's last day."""
    y, m = divmod(d.month - 1 + months, 12)
    y, m = d.year + y, m + 1
    for day in range(d.day, 0, -1):
        try:
            return date(y, m, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------------------
# The appointment book
# --------------------------------------------------------------------------------------

# Everything that holds a clinician and a room, per day offset: (start, end, clinician,
# room) in minutes of the day. A planned or booked session of R's week (offsets 0-5) also
# holds its slot one week later (a "shadow"), where the roll may move it.
busy: dict[int, list[tuple[int, int, str, str]]] = {}
# Sessions that hold time per day (what the agenda shows), shadows and reviews left out.
sessions_on: Counter = Counter()

# How busy the days around R are: sessions per day that the regulars (below) fill up to.
# Weekdays 3-6, R's week the busiest, Saturday mornings 1-2.
TARGET: dict[int, int] = {}
for _off in range(-14, 13):
    _wd = weekday(_off)
    if hours(_off) is None:
        continue
    if _wd == 5:
        TARGET[_off] = 1 if _off == 12 else rng.choice([1, 2, 2])
    elif _off < -7:
        TARGET[_off] = rng.choice([3, 4, 4, 5, 5, 6])
    elif _off < 0:
        TARGET[_off] = rng.choice([3, 4, 4, 5])
    elif _off <= 4:
        TARGET[_off] = rng.choice([4, 5, 5, 6])
    else:
        TARGET[_off] = rng.choice([3, 3, 4])


def cap(offset: int) -> int:
    """Sessions a day takes before placement looks for another day: fewer further out."""
    if hours(offset) is None:
        return 0
    if offset in TARGET:
        return TARGET[offset]
    if weekday(offset) == 5:
        return 2
    return 4 if offset < 0 else 3


def hard_cap(offset: int) -> int:
    if hours(offset) is None:
        return 0
    return 3 if weekday(offset) == 5 else 6


def is_free(offset: int, start: int, end: int, clinician: str, room: str) -> bool:
    return not any(
        s < end and start < e and (c == clinician or r == room)
        for s, e, c, r in busy.get(offset, ())
    )


# Which room each clinician works in, per day: mostly their usual one, some days swapped.
day_rooms: dict[int, dict[str, str]] = {}


def rooms_for(offset: int, clinician: str) -> list[str]:
    """Rooms to try for the clinician on that day, the one they work in that day first."""
    if offset not in day_rooms:
        order = ROOMS if rng.random() < 0.75 else ROOMS[::-1]
        day_rooms[offset] = dict(zip(CLINICIANS, order))
    first = day_rooms[offset].get(clinician, ROOMS[0])
    return [first] + [r for r in ROOMS if r != first]


def rolls(offset: int, status: str) -> bool:
    """Moved one week on by the app when today is later in R's week."""
    return status in ("planned", "booked") and 0 <= offset <= 5


def slot_candidates(offset: int, minutes: int, pref: str, clins: list[str]) -> list[tuple[int, str]]:
    """(start, clinician) pairs to try, best first: back-to-back with the clinician's other
    sessions and in the patient's preferred part of the day, then on the half hour."""
    open_, _ = hours(offset)
    last = session_close(offset) - minutes
    starts = list(range(open_, last + 1, STEP))
    day = busy.get(offset, [])

    def in_pref(t: int) -> bool:
        if pref == "morning":
            return t < 12 * 60
        if pref == "afternoon":
            return t >= 13 * 60
        return True

    def tidy(t: int, c: str) -> bool:
        ends = {e for _, e, cc, _ in day if cc == c}
        begins = {s for s, _, cc, _ in day if cc == c}
        return t == open_ or t in ends or t + minutes in begins

    def lunch(t: int) -> bool:
        return t < LUNCH[1] and LUNCH[0] < t + minutes

    pairs = [(t, c) for t in starts for c in clins]
    rng.shuffle(pairs)
    rank = lambda tc: (  # noqa: E731
        not in_pref(tc[0]),
        lunch(tc[0]),
        not tidy(*tc),
        tc[0] % 30 != 0,
    )
    pairs.sort(key=rank)  # stable: ties keep the shuffled order
    return pairs


def find_slot(
    offset: int,
    minutes: int,
    pref: str,
    clins: list[str],
    fixed: time | None = None,
    roll: bool = False,
) -> tuple[int, str, str] | None:
    """A free (start, clinician, room) for a session on day `offset`, or None."""
    if hours(offset) is None:
        return None
    open_, _ = hours(offset)
    if fixed is not None:
        pairs = [(fixed.hour * 60 + fixed.minute, c) for c in clins]
    else:
        pairs = slot_candidates(offset, minutes, pref, clins)
    for t, c in pairs:
        if t < open_ or t + minutes > session_close(offset):
            continue
        for r in rooms_for(offset, c):
            if is_free(offset, t, t + minutes, c, r) and (
                not roll or is_free(offset + 7, t, t + minutes, c, r)
            ):
                return t, c, r
    return None


def reserve(offset: int, slot: tuple[int, str, str], minutes: int, *, roll: bool, count: bool) -> None:
    t, c, r = slot
    busy.setdefault(offset, []).append((t, t + minutes, c, r))
    if roll:
        busy.setdefault(offset + 7, []).append((t, t + minutes, c, r))
    if count:
        sessions_on[offset] += 1


def review_slot(offset: int) -> tuple[int, str, str] | None:
    if not is_review_day(offset):
        return None
    t = hours(offset)[1] - REVIEW_MINUTES
    for c in rng.sample(CLINICIANS, len(CLINICIANS)):
        for r in rooms_for(offset, c):
            if is_free(offset, t, t + REVIEW_MINUTES, c, r):
                return t, c, r
    return None


# --------------------------------------------------------------------------------------
# Sessions, checklists, reviews, series
# --------------------------------------------------------------------------------------

DONE_NOTES = {
    "acne-scars-standard": [
        "depth 1.5 mm cheeks, 1.0 mm chin; tolerated well, mild erythema",
        "depth 1.5 mm cheeks, 0.5 mm forehead; HA serum; tolerated well",
        "tolerated well, mild erythema",
        "depth 1.25 mm cheeks (sensitive today); numbing 30 min",
        "depth 1.5 mm cheeks and temples 0.5 mm; pinpoint bleeding as expected",
        "",
        "",
    ],
    "acne-scars-severe": [
        "depth 2.0 mm cheeks over rolling scars, 1.0 mm jawline; moderate erythema",
        "depth 1.75 mm cheeks; tolerated well, pressure 2 min for pinpoint bleeding",
        "depth 2.0 mm cheeks; tolerated well, mild swelling",
        "depth 1.5 mm cheeks (PIH watch), 0.5 mm nose; HA serum",
        "",
    ],
    "acne-scars-prp": [
        "PRP drawn 20 ml; depth 1.5 mm cheeks; tolerated well",
        "PRP topical and intradermal; depth 1.5 mm cheeks, 1.0 mm chin; mild erythema",
        "PRP; depth 1.25 mm cheeks; bruising at venepuncture site",
        "",
    ],
    "maintenance": [
        "maintenance pass, depth 1.0 mm cheeks; tolerated well",
        "",
    ],
}
FUTURE_NOTES = ["", "", "", "", "reminder text sent", "photo consent to renew"]
REVIEW_NOTES = {
    "done": [
        "photos taken; texture clearly better, patient pleased",
        "photos taken; rolling scars softer, boxcar edges still visible",
        "photos and grading done; Goodman grade 3 to 2",
        "photos taken; mild PIH left cheek fading",
    ],
    "booked": ["", "photos and grading", "reminder text sent"],
}


def note_for(protocol_id: str, status: str) -> str:
    if status == "done":
        return rng.choice(DONE_NOTES[protocol_id])
    if status == "booked":
        return rng.choice(FUTURE_NOTES)
    return ""


def stamp(d: date, t: time) -> str:
    return datetime.combine(d, t).isoformat(timespec="seconds")


def checklist(offset: int, start: int, minutes: int, open_items: tuple[str, ...] = ()) -> list[dict]:
    """The aftercare checklist of a `minutes`-long session done on R + offset at `start`.

    The day-0 items are ticked at the chair, also for a session done on R itself. Other
    items due before R are ticked (on or shortly after their due day, at office hours),
    except those named in `open_items`, which are left open and so become overdue.
    Items due on R or later are open (R, the Monday, is the earliest possible "today";
    nothing is ticked after it).
    """
    session_day = R + timedelta(days=offset)
    # The day-0 items are ticked together at the chair, a few minutes after the session.
    at_chair = datetime.combine(session_day, time(0, 0)) + timedelta(
        minutes=start + minutes + rng.choice([5, 10, 15])
    )
    out = []
    for item in AFTERCARE:
        entry = {"item_id": item["id"], "day": item["day"], "text": item["text"]}
        due = session_day + timedelta(days=item["day"])
        if (due < R or item["day"] == 0) and item["id"] not in open_items:
            if item["day"] == 0:
                entry["ticked_at"] = at_chair.isoformat(timespec="seconds")
                at_chair += timedelta(minutes=1)
            else:
                late = rng.choice([0, 0, 0, 1]) if item["day"] >= 3 else 0
                tick_day = due + timedelta(days=late)
                if tick_day >= R:
                    tick_day = due
                tick_time = time(rng.randint(9, 16), rng.choice([5, 12, 20, 34, 41, 48, 55]))
                entry["ticked_at"] = stamp(tick_day, tick_time)
        out.append(entry)
    return out


def counted(status: str) -> bool:
    return status not in ("cancelled", "no_show")


def holds_slot(status: str) -> bool:
    """Has a time, clinician and room: done and booked sessions, and those cancelled or
    missed (they had one; the app frees it, the demo keeps it clear anyway)."""
    return status != "planned"


def gap_ok(a: int, b: int, proto: dict) -> bool:
    """Consecutive counted sessions on days a < b: inside the protocol's interval rules,
    also after the roll (a session of R's week may move one week on)."""
    lo, hi = proto["min_interval_days"], proto["max_interval_days"]
    if 0 <= a <= 5:
        lo += 7
    if 0 <= b <= 5:
        hi -= 7
    return lo <= b - a <= hi


def drift_past() -> list[int]:
    """Days added to the target interval before a past session, likeliest first (mostly
    none), then anything else within a week."""
    pool = [0, 0, 0, 0, 1, 2, -1, 3, -2, 4]
    rng.shuffle(pool)
    out: list[int] = []
    for d in pool + [5, -3, 6, -4, 7, -5, -6, -7]:
        if d not in out:
            out.append(d)
    return out


# Future sessions are planned at the exact target interval, as the app would, unless the
# day is closed or full.
DRIFT_FUTURE = [0, 1, -1, 2, -2, 3, -3, 4, -4, 5, 6, -5, 7, -6, -7]


def auto_status(offset: int, *, anchor: bool, first_upcoming: bool) -> str:
    """Past = done; upcoming = booked when it is the anchor, within two weeks, or (likely
    when near) the next session of the course; else only planned, with no time yet."""
    if offset < 0:
        return "done"
    if anchor or offset <= 13:
        return "booked"
    if first_upcoming:
        p = 0.75 if offset <= 27 else 0.4 if offset <= 49 else 0.0
        return "booked" if rng.random() < p else "planned"
    return "planned"


def series(
    protocol_id: str,
    *,
    anchor: tuple[int, int] | None = None,
    offsets: list[int] | None = None,
    count: int | None = None,
    pref: str = "any",
    clins: list[str] | None = None,
    statuses: dict[int, str] | None = None,
    notes: dict[int, str] | None = None,
    times: dict[int, time] | None = None,
    open_items: dict[int, tuple[str, ...]] | None = None,
    minutes: dict[int, int] | None = None,
    late: tuple[int, ...] = (),
    created_lead: int | None = None,
    reviews: list[tuple[int, str]] | None = None,
) -> dict:
    """A series of the protocol, its sessions placed and booked in the appointment book.

    Either `offsets` gives every session's day, or `anchor` = (index, day) fixes one and
    the others are placed one target interval apart (plus some drift for past ones) on
    days with room, within the interval rules (see `gap_ok`). Status defaults from the
    date (see `auto_status`); `statuses`, `notes`, `times`, `open_items`, `minutes`
    override per session index; `late` lists cancellations made less than 24 h before.
    `reviews` = [(month, status)] books result reviews after a complete course.
    """
    proto = PROTOCOLS[protocol_id]
    statuses = statuses or {}
    times = times or {}
    minutes = minutes or {}
    notes = notes or {}
    open_items = open_items or {}
    clins = clins or rng.sample(CLINICIANS, len(CLINICIANS))
    n = len(offsets) if offsets is not None else (count or proto["sessions"])
    step = proto["interval_days"]
    day: dict[int, int] = {}
    status: dict[int, str] = {}
    slot: dict[int, tuple[int, str, str]] = {}

    def mins(i: int) -> int:
        return minutes.get(i, proto["session_minutes"])

    def book(i: int, off: int, st: str, strict: bool) -> bool:
        """Puts session i on day `off` if the rules and the book allow it."""
        if hours(off) is None:
            return False
        if st in ("done", "cancelled", "no_show") and off > 0:  # done on R itself is fine
            return False
        if st in ("planned", "booked") and off < 0:
            return False
        before = [j for j in day if j < i]
        after = [j for j in day if j > i]
        if before and off <= day[max(before)]:
            return False
        if after and off >= day[min(after)]:
            return False
        if counted(st):
            prev = [day[j] for j in before if counted(status[j])]
            nxt = [day[j] for j in after if counted(status[j])]
            if prev and not gap_ok(max(prev), off, proto):
                return False
            if nxt and not gap_ok(off, min(nxt), proto):
                return False
        if holds_slot(st):
            if sessions_on[off] >= (cap(off) if strict else hard_cap(off)):
                return False
            found = find_slot(off, mins(i), pref, clins, times.get(i), rolls(off, st))
            if found is None:
                return False
            reserve(off, found, mins(i), roll=rolls(off, st), count=counted(st))
            slot[i] = found
        day[i], status[i] = off, st
        return True

    def place(i: int, bases: list[int], st: str) -> None:
        for strict in (True, False):
            for off in bases:
                if book(i, off, st, strict):
                    return
        raise SystemExit(f"no day for session {i} of a {protocol_id} series near R{bases[0]:+d}")

    if offsets is not None:
        first_upcoming = True
        for i, off in enumerate(offsets):
            st = statuses.get(i) or auto_status(off, anchor=False, first_upcoming=first_upcoming)
            if st in ("planned", "booked"):
                first_upcoming = False
            if not book(i, off, st, strict=False):
                raise SystemExit(f"session {i} of a {protocol_id} series cannot go on R{off:+d}")
    else:
        a, a_off = anchor
        st = statuses.get(a) or auto_status(a_off, anchor=True, first_upcoming=True)
        if not book(a, a_off, st, strict=False):
            raise SystemExit(f"the anchor of a {protocol_id} series cannot go on R{a_off:+d}")
        for i in range(a - 1, -1, -1):
            base = day[i + 1] - step
            assert base < 0, "sessions before the anchor are in the past"
            st = statuses.get(i) or "done"
            place(i, [base - d for d in drift_past()], st)
        upcoming_seen = status[a] in ("planned", "booked")
        for i in range(a + 1, n):
            base = day[i - 1] + step
            if base < 0:
                st = statuses.get(i) or "done"
                place(i, [base + d for d in drift_past()], st)
                continue
            st = statuses.get(i) or auto_status(base, anchor=False, first_upcoming=not upcoming_seen)
            upcoming_seen = True
            place(i, [base + d for d in DRIFT_FUTURE], st)

    sessions = []
    for i in range(n):
        off, st = day[i], status[i]
        s: dict = {"date": iso(off)}
        if i in slot:
            s["time"] = clock(slot[i][0])
        s["status"] = st
        note = notes.get(i, note_for(protocol_id, st))
        if note:
            s["notes"] = note
        if st == "done":
            s["checklist"] = checklist(off, slot[i][0], mins(i), open_items.get(i, ()))
        if i in slot:
            s["clinician"] = slot[i][1]
            s["room"] = slot[i][2]
        if mins(i) != proto["session_minutes"]:
            s["minutes"] = mins(i)
        if i in late:
            assert st == "cancelled"
            s["cancelled_late"] = True
        sessions.append(s)

    lead = created_lead if created_lead is not None else rng.choice([7, 10, 14, 14, 21])
    created = min(day[0] - lead, -rng.choice([1, 2, 4, 6]))
    out = {
        "protocol_id": proto["id"],
        "protocol_name": proto["name"],
        "interval_days": proto["interval_days"],
        "min_interval_days": proto["min_interval_days"],
        "max_interval_days": proto["max_interval_days"],
        "session_minutes": proto["session_minutes"],
        "target_sessions": proto["sessions"],
        "created": iso(not_sunday_backward(created)),
        "sessions": sessions,
    }
    if reviews:
        out["reviews"] = review_visits(day, status, reviews)
    return out


def review_visits(day: dict[int, int], status: dict[int, str], wanted: list[tuple[int, str]]) -> list[dict]:
    """Result reviews of a complete course, near the day each falls due: done ones before
    R, booked ones from R+7 on (reviews are not rolled), in the last half hour of a day."""
    assert all(st == "done" for st in status.values() if counted(st)), "course not complete"
    end = max(off for i, off in day.items() if status[i] == "done")
    out = []
    for month, st in wanted:
        due = (add_months(R + timedelta(days=end), month) - R).days
        for off in sorted(range(due - 10, due + 11), key=lambda o: (abs(o - due), o)):
            if off <= end or (st == "done" and off >= 0) or (st != "done" and off < 7):
                continue
            found = review_slot(off)
            if found is None:
                continue
            reserve(off, found, REVIEW_MINUTES, roll=False, count=False)
            v = {
                "month": month,
                "date": iso(off),
                "time": clock(found[0]),
                "status": st,
                "clinician": found[1],
                "room": found[2],
                "minutes": REVIEW_MINUTES,
            }
            note = rng.choice(REVIEW_NOTES.get(st, [""]))
            if note:
                v["notes"] = f"{month}-month review: {note}"
            out.append(v)
            break
        else:
            raise SystemExit(f"no day for the {month}-month review near R{due:+d}")
    return out


# --------------------------------------------------------------------------------------
# Patients
# --------------------------------------------------------------------------------------

used_phones: set[str] = set()


def ascii_fold(s: str) -> str:
    folded = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", ".", folded.lower()).strip(".")


def patient_id(name: str) -> str:
    return "p-" + hashlib.sha256(f"needleplan-demo:{name}".encode()).hexdigest()[:8]


def phone() -> str:
    while True:
        p = f"+44 7700 900{rng.randint(0, 999):03d}"
        if p not in used_phones:
            used_phones.add(p)
            return p


def patient(
    name: str,
    dob: str | None,
    *,
    notes: str = "",
    series_list: list[dict] | None = None,
    created: int | None = None,
    archived: bool = False,
    email_domain: str = "example.com",
    email: str | None = None,
) -> dict:
    series_list = series_list or []
    if created is None:
        first = min(date.fromisoformat(s["created"]) for s in series_list)
        created = (first - R).days - rng.choice([0, 3, 7, 12, 20])
    created = not_sunday_backward(created)
    if email is None:
        parts = ascii_fold(name).split(".")
        email = f"{parts[0]}.{parts[-1]}@{email_domain}"
    p = {
        "id": patient_id(name),
        "full_name": name,
    }
    if dob:
        p["date_of_birth"] = dob
    p.update(
        {
            "phone": phone(),
            "email": email,
            "notes": notes,
            "archived": archived,
            "created": iso(created),
            "series": series_list,
        }
    )
    return p


STD, SEV, PRP, MAINT = "acne-scars-standard", "acne-scars-severe", "acne-scars-prp", "maintenance"
AMARA_ONLY = ["amara"]  # Amara Okafor, for a patient who asked for a female practitioner

patients: list[dict] = []
add = patients.append

# --- R's week first, at fixed times, so the day view looks like a real day whichever day
# --- of the week the demo is opened on (see the module docstring).

# (g) session done on R (Monday) at 09:00: day-0 items ticked at the chair, rest open.
add(patient(
    "Hyun-woo Park", "1994-03-17",
    notes="Fitzpatrick IV: PIH caution, test patch done. Prefers mornings.",
    series_list=[series(SEV, anchor=(1, 0), pref="morning", times={1: time(9, 0)},
                        statuses={1: "done"},
                        notes={1: "depth 1.5 mm cheeks (PIH watch); tolerated well, mild erythema"})],
))
# (b) mid-series, next session booked on R (Monday).
add(patient(
    "Priya Raman", "1991-08-02",
    notes="Prefers mornings. Works shifts, text before calling.",
    series_list=[series(STD, anchor=(1, 0), pref="morning", times={1: time(10, 30)})],
))
add(patient(
    "Kwame Asante", "1987-11-23",
    notes="Referred by Dr Halloran (GP). Rolling scars both cheeks.",
    series_list=[series(SEV, anchor=(2, 0), times={2: time(13, 30)})],
))
add(patient(
    "Sofia Marchetti", "1999-01-09",
    notes="History of cold sores: antiviral prophylaxis before every session.",
    series_list=[series(PRP, anchor=(1, 0), pref="afternoon", times={1: time(15, 0)},
                        notes={1: "aciclovir started 2 days before, as advised"})],
))
# (b) mid-series, next session booked on R+1 (Tuesday).
add(patient(
    "Tomasz Wiśniewski", "1985-05-30",
    notes="Needle-phobic: numbing cream 45 min before, applied in the room (book 2 h).",
    series_list=[series(PRP, anchor=(2, 1), times={2: time(9, 30)}, minutes={2: 120})],
))
add(patient(
    "Chiamaka Eze", "1996-12-14",
    notes="Fitzpatrick V: PIH caution. Prefers afternoons.",
    series_list=[series(STD, anchor=(1, 1), pref="afternoon", times={1: time(14, 0)})],
))

# (b) R+2 (Wednesday): last session of a course, and a first session (Oliver, below).
add(patient(
    "Ravi Menon", "1986-02-21",
    notes="Last session of the course; 3-month review photos to book.",
    series_list=[series(STD, anchor=(2, 2), pref="afternoon", times={2: time(11, 0)})],
))
# (b) R+3 (Thursday).
add(patient(
    "Lucas Moreau", "1993-09-14",
    notes="Shaves daily: no shaving 24 h before and after a session.",
    series_list=[series(STD, anchor=(1, 3), pref="morning", times={1: time(9, 30)})],
))
add(patient(
    "Fatima Benali", "1997-12-03",
    notes="Female practitioner requested (Amara). Prefers afternoons.",
    series_list=[series(SEV, anchor=(3, 3), pref="afternoon", clins=AMARA_ONLY,
                        times={3: time(14, 30)}, minutes={1: 105},
                        notes={1: "depth 1.75 mm cheeks; subcision left cheek same visit"})],
))
# (b) R+5: the Saturday morning clinic.
add(patient(
    "Diego Ramírez", "1992-03-03",
    notes="Travels for work during the week: Saturday mornings only. Books all sessions ahead.",
    series_list=[series(PRP, offsets=[-30, 5, 40, 75],
                        times={0: time(9, 30), 1: time(10, 0), 2: time(10, 0), 3: time(9, 30)},
                        statuses={2: "booked", 3: "booked"})],
))

# (g) session done on the Friday before R: day-0 and day-1 items ticked, the day-3
# check due on R, later items open.
add(patient(
    "Liam O'Donnell", "1990-07-04",
    notes="Referred by Dr Okafor (dermatology). Boxcar scars temples and cheeks.",
    series_list=[series(STD, anchor=(1, -3), notes={1: "patient late 10 min; depth 1.5 mm cheeks"})],
))

# --- (e) overdue aftercare: done in the week before R, early items left open
# --- past their due day, so they are overdue even when today is R (Monday). ---
add(patient(
    "Aisha Rahman", "1993-04-21",
    notes="Prefers WhatsApp to calls. Hard to reach on weekdays.",
    series_list=[series(STD, anchor=(1, -6),
                        open_items={1: ("day1-call", "day4-spf")},
                        notes={1: "depth 1.5 mm cheeks; tolerated well, mild erythema"})],
))
add(patient(
    "Ewan MacLeod", "1982-09-11",
    notes="Anticoagulant (apixaban) acknowledged by Dr Reyes; expect pinpoint bleeding.",
    series_list=[series(SEV, anchor=(2, -5),
                        open_items={2: ("day3-check",)},
                        notes={2: "depth 1.75 mm cheeks; more bleeding than usual, pressure 5 min"})],
))

# --- (b) mid-series, next sessions in the coming weeks (R+4 Friday, the week after, later). ---
add(patient(
    "Mei Lin Chen", "1998-06-25",
    notes="Student; Friday appointments only if possible.",
    series_list=[series(STD, anchor=(1, 4))],
))
add(patient(
    "Sara Lindgren", "1995-01-31",
    notes="Prefers the last slot of the day.",
    series_list=[series(PRP, anchor=(2, 11), times={2: time(15, 45)})],
))
add(patient(
    "Hannah Whitfield", "1979-10-30",
    notes="Referred by Dr Halloran (GP). Retinoid paused during series.",
    series_list=[series(STD, anchor=(1, 18), pref="morning")],
))

# --- (f) cancelled and missed sessions: a cancellation rebooked a week later, a late one
# --- (less than 24 h before), a no-show rebooked, and a no-show not yet replaced (the
# --- course is one session short: "due to book"). ---
add(patient(
    "Niamh Gallagher", "1988-01-27",
    notes="History of cold sores: antiviral prophylaxis before every session.",
    series_list=[series(STD, offsets=[-52, -25, -18, 10],
                        statuses={1: "cancelled"},
                        notes={1: "cancelled: active cold sore, rebooked for next week",
                               2: "aciclovir course completed; depth 1.5 mm cheeks"})],
))
add(patient(
    "Zainab Bello", "2001-08-19",
    notes="Prefers afternoons. Mother attends.",
    series_list=[series(STD, offsets=[-24, -21, 7, 35], pref="afternoon",
                        statuses={0: "cancelled"}, late=(0,),
                        notes={0: "cancelled 3 h before (exam moved); rebooked for Monday"})],
))
add(patient(
    "Farah Haddad", "1995-11-05",
    notes="Missed one appointment; deposit policy explained.",
    series_list=[series(SEV, offsets=[-66, -38, -10, -3, 25, 53, 81],
                        statuses={2: "no_show"},
                        notes={2: "no show, no answer on phone; left voicemail",
                               3: "rebooked after the missed visit; depth 1.75 mm cheeks"})],
))
add(patient(
    "Yusuf Demir", "1989-02-13",
    notes="Missed a session; to call back about a replacement.",
    series_list=[series(SEV, offsets=[-62, -34, -13, 8, 36, 64], pref="afternoon",
                        statuses={2: "no_show"},
                        notes={2: "no show; texted, replied he forgot"})],
))

# --- Planned series, nothing done yet. ---
add(patient(
    "Oliver Bennett-Shaw", "1997-04-08",
    notes="Isotretinoin course finished last year; washout checked by Dr Reyes.",
    series_list=[series(STD, anchor=(0, 2), created_lead=12)],
))
add(patient(
    "Anjali Desai", "1986-09-29",
    notes="Wants PRP; needle check with nurse before first session.",
    series_list=[series(PRP, anchor=(0, 9), created_lead=16)],
))

# --- (c) series complete, last session 1-6 months before R: some with their result
# --- reviews done and booked, some with none booked ("reviews missing"). ---
add(patient(
    "Jonas Lindqvist", "1984-12-02",
    notes="Happy with results; considering maintenance next year.",
    series_list=[series(STD, anchor=(2, -33))],
))
add(patient(
    "Grace Adeyemi", "1990-05-16",
    notes="Fitzpatrick V: PIH caution. Referred by Dr Okafor (dermatology).",
    series_list=[series(SEV, anchor=(5, -61), reviews=[(1, "done"), (3, "booked")])],
))
add(patient(
    "Isabel Ferreira", "1977-02-24",
    notes="Reviews on track; 6-month photos booked.",
    series_list=[series(PRP, anchor=(3, -95), reviews=[(1, "done"), (3, "done"), (6, "booked")])],
))
add(patient(
    "Callum Price", "2000-10-12",
    notes="",
    series_list=[series(STD, anchor=(2, -124), reviews=[(1, "done"), (3, "done"), (6, "booked")])],
))
add(patient(
    "Noor Al-Sayed", "1994-07-07",
    notes="Prefers mornings. Asked about TCA CROSS for remaining ice-pick scars.",
    series_list=[series(STD, anchor=(2, -150), pref="morning")],
))
add(patient(
    "Samuel Osei", "1983-03-28",
    notes="Keloid history on chest only (not face), reviewed by Dr Reyes.",
    series_list=[series(STD, anchor=(2, -178))],
))

# --- (h) two series: an older complete course and a newer maintenance one. ---
add(patient(
    "Elena Petrova", "1981-06-13",
    notes="Yearly maintenance. Prefers mornings.",
    series_list=[
        series(STD, anchor=(2, -390), pref="morning", reviews=[(1, "done"), (3, "done"), (6, "done")]),
        series(MAINT, anchor=(0, 9), pref="morning", created_lead=21),
    ],
))
add(patient(
    "Rhys Pritchard", "1975-12-20",
    notes="Second course after 2024 series; maintenance done.",
    series_list=[
        series(SEV, anchor=(5, -420), reviews=[(1, "done"), (3, "done")]),
        series(MAINT, offsets=[-60], minutes={0: 45}, created_lead=30, reviews=[(1, "done")]),
    ],
))

# --- (a) new consults, no series yet. ---
add(patient(
    "Leilani Kahale", "2003-02-11",
    notes="Consult done; wants to start after exams in July.",
    created=-3,
))
add(patient(
    "Marek Novák", "1972-08-08",
    notes="Referred by Dr Halloran (GP). Awaiting photos from previous clinic.",
    created=-9,
))
add(patient(
    "Thanh Nguyen", "1999-09-30",
    notes="Isotretinoin stopped recently: course planned from the end of the washout, to book.",
    created=-1,
))
add(patient(
    "Catalina Ortiz", None,
    notes="Phone enquiry only; date of birth to confirm at consult.",
    created=0,
    email_domain="example.org",
))
add(patient(
    "Imogen Hartley", "1988-04-15",
    notes="Pregnant: treatment deferred until after breastfeeding. Recontact 2027.",
    created=-17,
))

# --- (d) archived. ---
add(patient(
    "Ruth Abernathy", "1968-11-01",
    notes="Moved to Edinburgh; records requested by new clinic.",
    archived=True,
    series_list=[series(STD, anchor=(1, -259),
                        statuses={2: "cancelled"},
                        notes={2: "cancelled: patient moving away"})],
))
add(patient(
    "Tariq Mahmood", "1980-01-19",
    notes="Course completed 2025; no further treatment wanted.",
    archived=True,
    series_list=[series(STD, anchor=(2, -364))],
    email_domain="example.org",
))
add(patient(
    "Georgina Whitlock", "1963-05-05",
    notes="Consult only; declined treatment (cost).",
    archived=True,
    created=-210,
))
add(patient(
    "Babajide Ogunleye", "1991-10-26",
    notes="Duplicate record; see other file. Archived by reception.",
    archived=True,
    created=-140,
    email_domain="example.org",
))

# --- The regulars: patients somewhere in a course who fill the two chairs up to each
# --- day's TARGET around R. Each has one session on the day being filled (done before R,
# --- booked from R on) and the rest of the course placed around it.

REGULARS = [
    "Amelia Hughes", "Daniel Okonkwo", "Chloe Barnes", "Mohammed Iqbal", "Freya Lindsay",
    "Joshua Adebayo", "Ruby Sinclair", "Harvey Cole", "Layla Hussain", "Nathan Brooks",
    "Poppy Gardner", "Adam Kowalski", "Isla Murray", "Kieran Doyle", "Maya Patel",
    "Owen Griffiths", "Jasmine Kaur", "Finley Shaw", "Aaliyah Johnson", "Reuben Cohen",
    "Evie Sutherland", "Arjun Sharma", "Lily-Mae Turner", "Connor Walsh", "Yasmin Khalil",
    "Theo Marshall", "Ffion Davies", "Jamal Mensah", "Scarlett Hayes", "Kai Tanaka",
    "Bethany Moore", "Ibrahim Yılmaz", "Sophie Laurent", "Ethan Clarke", "Nadia Popescu",
    "Marcus Reid", "Alice Fontaine", "Rohan Gupta", "Hollie Parsons", "Stefan Horváth",
    "Amira Saleh", "Jack Robertson", "Leah Goldberg", "Tobias Richter", "Zara Ahmed",
    "Ciarán Byrne", "Naomi Baptiste", "Luca Romano", "Megan Lloyd", "Samir Nasser",
    "Eilidh Campbell", "Dominic Ward", "Keisha Williams", "Victor Almeida", "Orla Kennedy",
    "Hamza Chaudhry", "Rosa Delgado", "Benjamin Frost", "Anaya Joshi", "Patrick Quinn",
    "Lena Schneider", "Emmanuel Boateng", "Tara O'Brien", "Henry Ashford", "Jun Watanabe",
    "Gabriela Santos", "Rory Fletcher", "Aditi Rao", "Morgan Evans", "Selin Kaya",
]
REGULAR_NOTES = [
    ("", "any"),
    ("", "any"),
    ("", "any"),
    ("Prefers mornings.", "morning"),
    ("Prefers afternoons.", "afternoon"),
    ("Text reminders only; no voicemail.", "any"),
    ("Fitzpatrick II: burns easily, strict SPF 50 after sessions.", "any"),
    ("Fitzpatrick IV: PIH caution.", "any"),
    ("Referred by Dr Halloran (GP).", "any"),
    ("Referred by Dr Okafor (dermatology).", "any"),
    ("Numbing cream 30 min before.", "any"),
    ("Works nights: morning slots only.", "morning"),
    ("Tretinoin: stops 5 days before each session.", "any"),
    ("Photo consent for marketing declined.", "any"),
    ("Course paid in full.", "any"),
    ("Rolling scars cheeks; subcision discussed for later.", "any"),
    ("Ice-pick scars temples; TCA CROSS discussed.", "any"),
    ("Teacher: after-school slots in term time.", "afternoon"),
    ("Mild rosacea: lower depth on cheeks.", "any"),
]


def regular(offset: int) -> None:
    name = REGULARS.pop(0)
    protocol_id = rng.choice([STD, STD, STD, SEV, SEV, PRP, PRP])
    n = PROTOCOLS[protocol_id]["sessions"]
    if offset >= 0:  # booked: mostly mid-course, sometimes the first session
        index = rng.choice([0] + [i for i in range(1, n) for _ in (0, 1)])
    else:  # done: mostly mid-course, sometimes the last session
        index = rng.choice([i for i in range(n - 1) for _ in (0, 1)] + [n - 1])
    note, pref = rng.choice(REGULAR_NOTES)
    dob = date(1966, 1, 1) + timedelta(days=rng.randint(0, 365 * 38))
    add(patient(
        name, dob.isoformat(),
        notes=note,
        series_list=[series(protocol_id, anchor=(index, offset), pref=pref)],
    ))


for _off in sorted(TARGET):
    while sessions_on[_off] < TARGET[_off]:
        regular(_off)

# --------------------------------------------------------------------------------------
# Clinical records (issue 4): skin assessments, screening, session prep, signed charts
# --------------------------------------------------------------------------------------
# Written after the appointment book is complete, from a generator of its own, so that
# the schedule above is the same with or without them. Every date is on or before R (the
# earliest possible "today"); the app moves them with everything else.

SCREENING = json.loads((ASSETS / "screening.json").read_text(encoding="utf-8"))
DEVICES = {d["id"]: d for d in json.loads((ASSETS / "devices.json").read_text(encoding="utf-8"))["devices"]}
CLINICIAN_NAME = {c["id"]: c["name"] for c in CLINIC["clinicians"]}
# Each room keeps its own pen; a room's sessions are charted with it.
DEVICE_OF_ROOM = dict(zip(ROOMS, sorted(DEVICES, reverse=True)))
MEDICAL_DIRECTOR = "Dr Reyes"  # named in several patients' notes; signs overrides
AREAS = ["forehead", "temples", "nose", "perioral", "cheeks", "chin_jawline", "under_eye"]
# Usual range per area (../shared/clinical-reference.md): what a clinician would choose
# from, always inside the device's range too.
DEPTH_RANGE = {
    "forehead": (0.25, 0.5),
    "temples": (0.25, 0.5),
    "nose": (0.25, 0.75),
    "perioral": (0.25, 0.5),
    "cheeks": (0.5, 2.0),
    "chin_jawline": (0.5, 2.0),
    "under_eye": (0.2, 0.3),
}
AREA_WORDS = {
    "cheeks": "cheeks", "cheek": "cheeks", "chin": "chin_jawline", "jawline": "chin_jawline",
    "forehead": "forehead", "temples": "temples", "nose": "nose",
}
FITZPATRICK = ["I", "II", "III", "IV", "V", "VI"]
FITZ_WEIGHTS = [6, 30, 34, 16, 9, 5]
PIH_TYPES = set(SCREENING["pih"]["fitzpatrick"])
QUESTIONS = [r["id"] for r in SCREENING["absolute"] + SCREENING["relative"] + SCREENING["prompts"]]
WASHOUTS = {w["id"]: w for w in SCREENING["washouts"]}
RESCREEN = SCREENING["rescreen_after_days"]
PHOTOS = SCREENING["before_session"]["photos"]
END_POINTS = [
    "uniform erythema with pinpoint bleeding",
    "even erythema, pinpoint bleeding over the scars",
    "uniform erythema",
]
REACTIONS = [
    "mild erythema",
    "moderate erythema, mild oedema",
    "erythema; pinpoint bleeding settled with pressure",
    "mild erythema, tightness",
]

crng = random.Random(SEED + 4)


def day_off(iso_date: str) -> int:
    return (date.fromisoformat(iso_date) - R).days


def start_minute(hms: str) -> int:
    t = time.fromisoformat(hms)
    return t.hour * 60 + t.minute

by_name = {p["full_name"]: p for p in patients}


def wanted(name: str) -> dict:
    assert name in by_name, name
    return by_name[name]


# The isotretinoin story: the course is only planned, from just after the washout ends
# (6 months after the last dose), so the "to book" queue lists it from that day on and
# nothing is booked before it. It goes in now, after the regulars, because a planned
# session holds no time: the appointment book is unchanged.
ISO_LAST_DOSE = -143  # 2026-01-09: eligible 2026-07-09, R+38
ISO_START = 49  # the Monday 11 days after: whole-week shifts move the months by <= 3 days
thanh = wanted("Thanh Nguyen")
iso_series = series(STD, offsets=[ISO_START, ISO_START + 28, ISO_START + 56], clins=CLINICIANS,
                    statuses={0: "planned", 1: "planned", 2: "planned"}, created_lead=0)
iso_series["created"] = thanh["created"]
thanh["series"] = [iso_series]


def sessions_of(p: dict):
    """(series, session, day offset) for every session of the patient, in date order."""
    out = [(s, x, day_off(x["date"])) for s in p["series"] for x in s["sessions"]]
    return sorted(out, key=lambda t: t[2])


def done_sessions(p: dict):
    return [(s, x, off) for s, x, off in sessions_of(p) if x["status"] == "done"]


def session_minutes(s: dict, x: dict) -> int:
    return x.get("minutes", s["session_minutes"])


def at_time(off: int, minute_of_day: int) -> str:
    return (datetime.combine(R + timedelta(days=off), time(0, 0)) + timedelta(minutes=minute_of_day)).isoformat(
        timespec="seconds"
    )


def not_sunday(off: int) -> int:
    return off - 1 if weekday(off) == 6 else off


def note_depths(text: str) -> dict[str, float]:
    """Depths a session note states ("depth 1.5 mm cheeks, 1.0 mm chin", "temples 0.5 mm"):
    the chart must agree with what the clinician wrote."""
    found: dict[str, float] = {}
    for mm, word in re.findall(r"(\d+(?:\.\d+)?) mm (\w+)", text):
        if word in AREA_WORDS:
            found[AREA_WORDS[word]] = float(mm)
    for word, mm in re.findall(r"(\w+) (\d+(?:\.\d+)?) mm", text):
        if word in AREA_WORDS:
            found[AREA_WORDS[word]] = float(mm)
    return found


def all_notes(p: dict) -> str:
    return " ".join([p["notes"]] + [x.get("notes", "") for _, x, _ in sessions_of(p)])


def fitzpatrick_of(p: dict) -> str:
    """What the notes say, else drawn from a spread like a UK city clinic's; a note that
    watches for PIH means a type that calls for it."""
    m = re.search(r"Fitzpatrick (VI|IV|V|III|II|I)\b", p["notes"])
    if m:
        return m.group(1)
    if "PIH" in all_notes(p):
        return crng.choices(["IV", "V", "VI"], [6, 3, 1])[0]
    return crng.choices(FITZPATRICK, FITZ_WEIGHTS)[0]


def areas_of(p: dict) -> list[str]:
    """Treated areas: cheeks nearly always, some others, and any area the notes name."""
    areas = {"cheeks"}
    for area, chance in (("temples", 0.3), ("forehead", 0.25), ("chin_jawline", 0.4), ("nose", 0.1),
                         ("perioral", 0.15), ("under_eye", 0.05)):
        if crng.random() < chance:
            areas.add(area)
    text = all_notes(p)
    areas.update(note_depths(text))
    for word, area in AREA_WORDS.items():
        if re.search(rf"\b{word}\b", p["notes"]):
            areas.add(area)
    return [a for a in AREAS if a in areas]


def scar_plan(p: dict, protocol_id: str) -> dict[str, int]:
    """Baseline Goodman & Baron grade per scar type: a main type (rolling or boxcar, or what
    the notes say) and sometimes milder ice-pick scars. No hypertrophic scars: the demo's
    patients all answer "no" to a keloid tendency on the face."""
    notes = all_notes(p).lower()
    base = {SEV: crng.choice([3, 3, 4]), PRP: 3, STD: crng.choice([2, 3, 3]), MAINT: 2}[protocol_id]
    if "rolling" in notes:
        main = "rolling"
    elif "boxcar" in notes:
        main = "boxcar"
    else:
        main = crng.choice(["rolling", "boxcar", "boxcar"])
    grades = {main: base}
    other = "boxcar" if main == "rolling" else "rolling"
    if crng.random() < 0.45:
        grades[other] = max(1, base - 1)
    if "ice-pick" in notes or "ice pick" in notes or crng.random() < 0.3:
        grades["ice_pick"] = max(1, base - 1)
    return grades


def improved(kind: str, grade: int, treated: int, responder: bool) -> int:
    """The grade after `treated` sessions. Boxcar and rolling scars respond best, ice pick
    least, hypertrophic scars not at all (they are not collagen-induced). The grade is
    coarse: one step down is what a good response shows after the first sessions."""
    if not responder or kind == "hypertrophic":
        return grade
    gain = 0
    if kind in ("rolling", "boxcar"):
        gain = (1 if treated >= 1 else 0) + (1 if treated >= 4 and grade >= 3 else 0)
    elif kind == "ice_pick":
        gain = 1 if treated >= 4 else 0
    return max(1, grade - gain)


def skin_history(p: dict) -> list[dict]:
    """1-3 dated assessments: at the consult, mid-course, and after the course (at a result
    review when one was done). Most patients improve; a few do not."""
    series_list = p["series"]
    first = series_list[0]
    protocol_id = first["protocol_id"]
    done = [off for _, _, off in done_sessions(p)]
    consult = day_off(first["created"])
    dates = [consult]
    if len(done) >= 2:
        dates.append(done[1] if len(done) <= 3 else done[len(done) // 2])
    reviews_done = [day_off(v["date"]) for s in series_list for v in s.get("reviews", []) if v["status"] == "done"]
    if reviews_done:
        dates.append(max(reviews_done))
    elif len(done) >= 4:
        dates.append(done[-1])
    dates = sorted(set(d for d in dates if d <= 0))[:3]
    fitz = fitzpatrick_of(p)
    areas = areas_of(p)
    grades = scar_plan(p, protocol_id)
    responder = crng.random() < 0.85
    score = crng.randint(6, 12) * sum(grades.values()) // 3 if crng.random() < 0.4 else None
    iga = crng.choice([0, 1, 1, 1, 2])
    out = []
    for n, off in enumerate(dates):
        treated = sum(1 for d in done if d < off)
        scars = [{"kind": k, "grade": improved(k, g, treated, responder)} for k, g in grades.items()]
        a = {
            "date": iso(off),
            "by": CLINICIAN_NAME[clinician_near(p, off)],
            "fitzpatrick": fitz,
            "iga": iga,
            "scars": scars,
        }
        if score is not None:
            lost = sum(grades.values()) - sum(x["grade"] for x in scars)
            a["quantitative_score"] = max(2, score - lost * crng.randint(3, 6) - treated)
        a["areas"] = areas
        if n == 0:
            a["notes"] = "baseline photos and grading at consult"
        elif off in reviews_done:
            a["notes"] = "graded with the result-review photos"
        out.append(a)
        iga = min(iga, crng.choice([0, 0, 1]))
    return out


def clinician_near(p: dict, off: int) -> str:
    """The clinician of the patient's session on that day, else of their nearest one."""
    held = [(abs(o - off), x["clinician"]) for _, x, o in sessions_of(p) if "clinician" in x]
    return min(held)[1] if held else CLINICIANS[0]


def depths_for(p: dict, s: dict, x: dict, areas: list[str], fitz: str, k: int) -> dict[str, float]:
    """Depth per treated area for the k-th session of a series: the protocol's default,
    a step shallower at the first session and deeper on cheeks in severe courses (never
    for PIH-prone skin), clamped to the usual range and the device; what the session
    note says wins."""
    proto = PROTOCOLS[s["protocol_id"]]
    device = DEVICES[DEVICE_OF_ROOM[x["room"]]]
    out: dict[str, float] = {}
    for area in areas:
        d = proto["depths"][area]
        if area in ("cheeks", "chin_jawline"):
            if k == 0:
                d -= 0.25
            elif s["protocol_id"] == SEV and fitz not in PIH_TYPES and k >= 2:
                d += 0.25 if k < 4 else 0.5
        if area == "cheeks" and "rosacea" in p["notes"]:
            d = min(d, 1.0)
        lo, hi = DEPTH_RANGE[area]
        d = min(max(d, lo), hi, device["max_depth_mm"])
        out[area] = round(d, 2)
    for area, d in note_depths(x.get("notes", "")).items():
        out[area] = d
    return out


LOT_OF_DAY: dict[tuple[int, str], str] = {}


def cartridge_lot(off: int, room: str) -> str:
    """One cartridge box per room and fortnight, so lots repeat as they would."""
    key = (off // 14, room)
    if key not in LOT_OF_DAY:
        LOT_OF_DAY[key] = f"NC{crng.randint(2400, 2699)}-{crng.choice('ABCDEFGH')}{crng.randint(10, 99)}"
    return LOT_OF_DAY[key]


def chart_for(p: dict, s: dict, x: dict, areas: list[str], fitz: str, k: int, hsv: bool, ice_pick: bool) -> dict:
    off = day_off(x["date"])
    notes = x.get("notes", "")
    adjuncts = set()
    if s["protocol_id"] == PRP or "PRP" in notes:
        adjuncts.add("prp")
    if "HA serum" in notes or crng.random() < 0.3:
        adjuncts.add("hyaluronic_acid")
    if "subcision" in notes:
        adjuncts.add("subcision")
    if ice_pick and crng.random() < 0.35:  # TCA CROSS for ice-pick scars, some sessions
        adjuncts.add("tca_cross")
    record = {
        "device_id": DEVICE_OF_ROOM[x["room"]],
        "cartridge_lot": cartridge_lot(off, x["room"]),
        "depths": depths_for(p, s, x, areas, fitz, k),
        "passes": crng.choice([2, 3, 3, 3, 4]),
        "end_point": crng.choice(END_POINTS),
        "adjuncts": [a for a in ("prp", "hyaluronic_acid", "tca_cross", "subcision") if a in adjuncts],
        "reaction": "bleeding more than usual, pressure 5 min" if "more bleeding" in notes else crng.choice(REACTIONS),
        "notes": "aciclovir taken as prescribed" if hsv else "",
    }
    end = start_minute(x["time"]) + session_minutes(s, x)
    return {
        "record": record,
        "signed": {"by": CLINICIAN_NAME[x["clinician"]], "at": at_time(off, end + crng.choice([4, 7, 10, 15]))},
    }


def screened(p: dict, reviewed: int, by: str) -> dict:
    """Every question answered no and no exposure: the stories change what they need."""
    return {
        "reviewed_on": iso(not_sunday(reviewed)),
        "reviewed_by": by,
        "answers": {q: False for q in QUESTIONS},
        "exposures": {w: None for w in WASHOUTS},
        "acknowledgements": [],
        "overrides": [],
    }


def roll_target(off: int) -> int:
    """The latest day a session may end up on: R's week's bookings can roll a week on."""
    return off + 7 if 0 <= off <= 5 else off


def review_day(p: dict) -> int:
    """When the screening was last reviewed: close enough before the next session that the
    review still covers it (also after the roll) where that can be on or before R, else at
    the last visit."""
    visits = [off for _, x, off in sessions_of(p) if x["status"] == "done" and off <= 0]
    visits += [day_off(v["date"]) for s in p["series"] for v in s.get("reviews", []) if v["status"] == "done"]
    floor = max([day_off(p["created"])] + visits)
    upcoming = [off for _, x, off in sessions_of(p) if x["status"] in ("planned", "booked")]
    if not upcoming:
        return floor
    target = roll_target(min(upcoming))
    lo = max(floor, target - RESCREEN + 1)
    if lo > 0:
        return floor
    return crng.randint(lo, 0)


for p in patients:
    if not p["series"]:
        continue
    p["skin"] = skin_history(p)
    fitz = p["skin"][-1]["fitzpatrick"]
    areas = p["skin"][-1]["areas"]
    reviewed = review_day(p)
    p["screening"] = screened(p, reviewed, CLINICIAN_NAME[clinician_near(p, reviewed)])
    hsv = "cold sores" in p["notes"]
    ice_pick = any(x["kind"] == "ice_pick" for x in p["skin"][-1]["scars"])
    if hsv:
        p["screening"]["answers"]["hsv_history"] = True
    for s in p["series"]:
        for k, x in enumerate(y for y in s["sessions"] if y["status"] == "done"):
            x["prep"] = {"consent_signed": x["date"], "photo_consent": x["date"], "photos": PHOTOS}
            if hsv:
                x["prep"]["confirmed_prompts"] = ["hsv_history"]
            x["chart"] = chart_for(p, s, x, areas, fitz, k, hsv, ice_pick)


def story_time(off: int, hh: int, mm: int) -> str:
    return stamp(R + timedelta(days=off), time(hh, mm))


# A relative contraindication acknowledged at the review (the note says so).
ewan = wanted("Ewan MacLeod")
ewan["screening"]["answers"]["anticoagulants"] = True
ewan["screening"]["acknowledgements"].append({
    "rule_id": "anticoagulants",
    "by": MEDICAL_DIRECTOR,
    "at": story_time(day_off(ewan["screening"]["reviewed_on"]), 17, 40),
})

# An absolute contraindication overridden with a name and a reason (keloids off the face).
samuel = wanted("Samuel Osei")
samuel["screening"]["answers"]["keloid_tendency"] = True
samuel["screening"]["overrides"].append({
    "target": "keloid_tendency",
    "by": MEDICAL_DIRECTOR,
    "reason": "keloids on the chest only; none on the face after earlier procedures",
    "at": story_time(day_off(samuel["screening"]["reviewed_on"]), 9, 5),
})

# Past washouts: eligible long before the course (or since), shown on the consult screen.
wanted("Oliver Bennett-Shaw")["screening"]["exposures"]["isotretinoin"] = iso(-231)
wanted("Diego Ramírez")["screening"]["exposures"]["tan"] = iso(-44)
# A washout running now for a patient with nothing to book (the result review is a visit,
# not a treatment): the consult screen shows the block and the date it lifts.
isabel = wanted("Isabel Ferreira")
isabel["screening"]["exposures"]["toxin"] = iso(-20)
isabel["notes"] += " Botulinum toxin (forehead) elsewhere since the course: no needling for 3 months."

# The isotretinoin story (see above): screened at the consult, washout still running.
thanh["screening"]["exposures"]["isotretinoin"] = iso(ISO_LAST_DOSE)

# Screened at the consult and pregnant: booking is refused; nothing is booked.
imogen = wanted("Imogen Hartley")
imogen["skin"] = [{
    "date": imogen["created"], "by": CLINICIAN_NAME["amara"], "fitzpatrick": "III", "iga": 0,
    "scars": [{"kind": "boxcar", "grade": 2}], "areas": ["cheeks", "temples"],
    "notes": "assessed at consult; treatment deferred",
}]
imogen["screening"] = screened(imogen, day_off(imogen["created"]), CLINICIAN_NAME["amara"])
imogen["screening"]["answers"]["pregnancy"] = True

# A re-screen due: the last review was at the consult, more than 30 days before the next
# session (the previous one was done on that review).
lucas = wanted("Lucas Moreau")
lucas_done = [off for _, _, off in done_sessions(lucas)]
lucas["screening"]["reviewed_on"] = iso(not_sunday(min(lucas_done[0], day_off(lucas["series"][0]["created"]) + 3)))

# One chart amended after signing: a depth typed in the wrong field, corrected the next
# morning. A session whose note states no depth, so note and chart agree.
amended = next(
    (x, o)
    for name in ("Kwame Asante", "Hyun-woo Park", "Aisha Rahman")
    for _, x, o in done_sessions(wanted(name))
    if "mm" not in x.get("notes", "")
)
fixed, fixed_off = amended
signed = fixed["chart"]["record"]["depths"]["cheeks"]
corrected = round(signed - 0.25, 2)


def mm(d: float) -> str:
    """As the app shows a depth: 1.0, 1.25."""
    return f"{d:.2f}".rstrip("0") if d * 10 != int(d * 10) else f"{d:.1f}"


fixed["chart"]["amendments"] = [{
    "at": story_time(fixed_off + 1 if weekday(fixed_off + 1) != 6 else fixed_off + 2, 9, 10),
    "by": fixed["chart"]["signed"]["by"],
    "text": f"cheeks were treated at {mm(corrected)} mm, not {mm(signed)}: typed in the wrong row; checked against the pen log",
    "depths": {"cheeks": corrected},
}]

# The next session of a few patients is partly prepared: consent and photo consent signed
# at the last visit or by e-mail, the before-photos still to take on the day, so the plan
# shows what is missing.
for name in ("Priya Raman", "Chiamaka Eze", "Fatima Benali", "Mei Lin Chen", "Sofia Marchetti"):
    p = wanted(name)
    nxt = min((x for _, x, _ in sessions_of(p) if x["status"] in ("planned", "booked")), key=lambda x: x["date"])
    signed_on = p["screening"]["reviewed_on"]
    nxt["prep"] = {"consent_signed": signed_on, "photo_consent": signed_on, "photos": []}
    if name == "Mei Lin Chen" or "photo consent to renew" in nxt.get("notes", ""):
        del nxt["prep"]["photo_consent"]
    if name == "Sofia Marchetti":
        nxt["prep"]["photos"] = ["front"]


# --------------------------------------------------------------------------------------
# Self-checks, then write
# --------------------------------------------------------------------------------------

ID_RE = re.compile(r"^[a-z0-9-]{1,64}$")
UPCOMING = ("planned", "booked")


def off_of(iso_date: str) -> int:
    return (date.fromisoformat(iso_date) - R).days


def minutes_at(hms: str) -> int:
    t = time.fromisoformat(hms)
    assert t.second == 0, hms
    return t.hour * 60 + t.minute


def check(ps: list[dict]) -> None:
    ids = [p["id"] for p in ps]
    assert len(ids) == len(set(ids)), "duplicate ids"
    names = [p["full_name"] for p in ps]
    assert len(names) == len(set(names)), "duplicate names"
    assert len(ps) >= 28
    for p in ps:
        who = p["full_name"]
        assert ID_RE.match(p["id"]), p["id"]
        created = date.fromisoformat(p["created"])
        assert created.weekday() != 6, (who, "created on a Sunday")
        assert created <= R, (who, "created after R")
        if p.get("date_of_birth"):
            dob = date.fromisoformat(p["date_of_birth"])
            assert date(1960, 1, 1) <= dob <= date(2005, 12, 31), who
        for s in p["series"]:
            proto = PROTOCOLS[s["protocol_id"]]
            for key in ("interval_days", "min_interval_days", "max_interval_days", "session_minutes"):
                assert s[key] == proto[key], (who, key)
            s_created = date.fromisoformat(s["created"])
            assert s_created.weekday() != 6, (who, "series created on a Sunday")
            assert created <= s_created, who
            dates = [date.fromisoformat(x["date"]) for x in s["sessions"]]
            assert dates == sorted(dates), who
            assert s_created <= dates[0], who
            n_counted = sum(1 for x in s["sessions"] if counted(x["status"]))
            assert n_counted <= s["target_sessions"], who
            counted_days = [d for d, x in zip(dates, s["sessions"]) if counted(x["status"])]
            for a, b in zip(counted_days, counted_days[1:]):
                assert s["min_interval_days"] <= (b - a).days <= s["max_interval_days"], (who, a, b)
            for d, x in zip(dates, s["sessions"]):
                off = (d - R).days
                assert d.weekday() != 6, (who, d, "session on a Sunday")
                if d < R:
                    assert x["status"] in ("done", "cancelled", "no_show"), (who, d)
                else:
                    assert x["status"] in UPCOMING or (x["status"] == "done" and d == R), (who, d)
                length = x.get("minutes", s["session_minutes"])
                assert x.get("minutes") != s["session_minutes"], (who, "minutes repeat the series'")
                if "time" in x:
                    start = minutes_at(x["time"])
                    open_, _ = hours(off)
                    assert (start - open_) % STEP == 0, (who, d, "off the grid")
                    assert open_ <= start and start + length <= session_close(off), (who, d, "hours")
                    assert x["clinician"] in CLINICIANS and x["room"] in ROOMS, (who, d)
                else:
                    assert x["status"] == "planned", (who, d, "a time is needed")
                    assert "clinician" not in x and "room" not in x, (who, d)
                assert not x.get("cancelled_late") or x["status"] == "cancelled", (who, d)
                if x["status"] == "done":
                    assert len(x["checklist"]) == len(AFTERCARE)
                    for e in x["checklist"]:
                        if "ticked_at" in e:
                            t = datetime.fromisoformat(e["ticked_at"])
                            assert d <= t.date() <= R, (who, e)
                else:
                    assert "checklist" not in x
            if s.get("reviews"):
                assert n_counted == sum(1 for x in s["sessions"] if x["status"] == "done"), who
                end = max(d for d, x in zip(dates, s["sessions"]) if x["status"] == "done")
                for v in s["reviews"]:
                    d = date.fromisoformat(v["date"])
                    off = (d - R).days
                    assert v["month"] in REVIEW_MONTHS and d > end, (who, v)
                    assert (v["status"] == "done") == (d < R), (who, v)
                    assert v["status"] == "done" or off >= 7, (who, v, "reviews are not rolled")
                    start = minutes_at(v["time"])
                    assert is_review_day(off) and start >= session_close(off), (who, v)
                    assert start + v["minutes"] <= hours(off)[1], (who, v)
                    assert v["clinician"] in CLINICIANS and v["room"] in ROOMS, (who, v)
    check_week(ps)
    check_roll(ps)
    check_density(ps)
    check_queues(ps)
    check_clinical(ps)


def all_sessions(ps: list[dict]):
    for p in ps:
        for s in p["series"]:
            for x in s["sessions"]:
                yield p, date.fromisoformat(x["date"]), x


def overdue_items(p: dict, today: date) -> int:
    """As the app counts them: past due (session day + item day < today) and not ticked."""
    n = 0
    for s in p["series"]:
        for x in s["sessions"]:
            d = date.fromisoformat(x["date"])
            for e in x.get("checklist", []):
                if "ticked_at" not in e and d + timedelta(days=e["day"]) < today:
                    n += 1
    return n


def check_week(ps: list[dict]) -> None:
    """The demo must look alive whichever day of R's week (R..R+6) is today."""
    booked: Counter = Counter()
    for p, d, x in all_sessions(ps):
        if not p["archived"] and x["status"] == "booked":
            booked[(d - R).days] += 1
    for off in range(0, 6):  # R's week, Monday to Saturday
        need = 2 if off < 5 else 1
        assert booked[off] >= need, (iso(off), booked[off], "booked")
    for off in range(7, 12):  # the week after, Monday to Friday
        assert booked[off] >= 1, (iso(off), "nothing booked")
    for k in range(7):
        today = R + timedelta(days=k)
        overdue = [p for p in ps if not p["archived"] and overdue_items(p, today) > 0]
        assert len(overdue) >= 2, (today, [p["full_name"] for p in overdue])
    # Overdue already on R (Monday) comes from sessions done in the week before.
    assert sum(1 for p in ps if not p["archived"] and overdue_items(p, R) > 0) >= 2
    recent = [
        p["full_name"]
        for p, d, x in all_sessions(ps)
        if x["status"] == "done"
        and R - timedelta(days=3) <= d < R
        and any("ticked_at" not in e for e in x["checklist"])
    ]
    assert recent, "no session done in the days before R with items still open"


def check_roll(ps: list[dict]) -> None:
    """With today on each day of R's week, after the app's roll: no upcoming session in the
    past, interval rules kept, no clinician or room booked twice at once."""
    for k in range(7):
        by_day: dict[int, list] = {}
        for p in ps:
            for si, s in enumerate(p["series"]):
                days = []
                for i, x in enumerate(s["sessions"]):
                    off = off_of(x["date"])
                    if x["status"] in UPCOMING and off < k:
                        off += 7
                    assert not (x["status"] in UPCOMING and off < k)
                    assert weekday(off) != 6
                    if counted(x["status"]):
                        days.append(off)
                    if "time" in x and x["status"] != "cancelled" and x["status"] != "no_show":
                        start = minutes_at(x["time"])
                        end = start + x.get("minutes", s["session_minutes"])
                        by_day.setdefault(off, []).append((start, end, x["clinician"], x["room"], (p["full_name"], si, i)))
                days.sort()
                for a, b in zip(days, days[1:]):
                    assert s["min_interval_days"] <= b - a <= s["max_interval_days"], (k, p["full_name"], a, b)
                for j, v in enumerate(s.get("reviews", [])):
                    off = off_of(v["date"])
                    start = minutes_at(v["time"])
                    by_day.setdefault(off, []).append(
                        (start, start + v["minutes"], v["clinician"], v["room"], (p["full_name"], si, "review", j))
                    )
        for off, vs in by_day.items():
            open_, close = hours(off)
            for n, (s1, e1, c1, r1, w1) in enumerate(vs):
                assert open_ <= s1 and e1 <= close, (k, iso(off), w1)
                for s2, e2, c2, r2, w2 in vs[n + 1:]:
                    if s1 < e2 and s2 < e1:
                        assert c1 != c2 and r1 != r2, (k, iso(off), w1, w2)


def agenda(ps: list[dict]) -> Counter:
    """Sessions that hold time per raw day offset."""
    n: Counter = Counter()
    for _, d, x in all_sessions(ps):
        if "time" in x and counted(x["status"]):
            n[(d - R).days] += 1
    return n


def check_density(ps: list[dict]) -> None:
    n = agenda(ps)
    for off in TARGET:
        lo, hi = (1, 3) if weekday(off) == 5 else (3, 6)
        assert lo <= n[off] <= hi, (iso(off), n[off])


def check_queues(ps: list[dict]) -> None:
    active = [p for p in ps if not p["archived"]]
    to_book = [
        p["full_name"]
        for p in active
        for s in p["series"]
        if any(x["status"] == "planned" and "time" not in x for x in s["sessions"])
    ]
    assert len(to_book) >= 3, to_book

    def complete(s: dict) -> bool:
        return all(x["status"] == "done" for x in s["sessions"] if counted(x["status"]))

    def ended(s: dict) -> int:
        return max(off_of(x["date"]) for x in s["sessions"] if x["status"] == "done")

    no_reviews = [
        p["full_name"]
        for p in active
        for s in p["series"]
        if complete(s) and not s.get("reviews") and -183 <= ended(s) <= -30
    ]
    assert len(no_reviews) >= 2, no_reviews
    with_reviews = [
        p["full_name"]
        for p in active
        for s in p["series"]
        if {v["status"] for v in s.get("reviews", [])} >= {"done", "booked"}
    ]
    assert with_reviews, "no series with a review done and another booked"
    no_shows = [p for p in active if any(x["status"] == "no_show" for _, _, x in all_sessions([p]))]
    assert len(no_shows) >= 2
    late = [p for p in active if any(x.get("cancelled_late") for _, _, x in all_sessions([p]))]
    assert len(late) >= 1



def eligible_from(washout: dict, last: date) -> date:
    return add_months(last, washout.get("months", 0)) + timedelta(
        days=7 * washout.get("weeks", 0) + washout.get("days", 0)
    )


def check_clinical(ps: list[dict]) -> None:
    """The clinical records: dated no later than R, consistent with the series, inside the
    templates' ranges, and no upcoming session that the screening would refuse."""
    improving = unchanged = 0
    stories: Counter = Counter()
    for p in ps:
        who = p["full_name"]
        skin = p.get("skin", [])
        if p["series"]:
            assert 1 <= len(skin) <= 3, (who, len(skin))
        days = [date.fromisoformat(a["date"]) for a in skin]
        assert days == sorted(days) and all(d <= R for d in days), who
        for a in skin:
            assert a["fitzpatrick"] in FITZPATRICK and 0 <= a["iga"] <= 4, who
            assert all(1 <= x["grade"] <= 4 for x in a["scars"]), who
            assert set(a["areas"]) <= set(AREAS), who
        if len(skin) >= 2:
            first, last = (max(x["grade"] for x in skin[i]["scars"]) for i in (0, -1))
            assert last <= first, (who, "worse")
            improving += last < first
            unchanged += last == first
        if skin and skin[-1]["fitzpatrick"] == "V":
            stories["fitzpatrick V"] += 1
        sc = p.get("screening")
        if sc is None:
            assert not any(x["status"] in UPCOMING for _, _, x in all_sessions([p])), (who, "not screened")
            continue
        assert set(sc["answers"]) == set(QUESTIONS) and set(sc["exposures"]) == set(WASHOUTS), who
        reviewed = date.fromisoformat(sc["reviewed_on"])
        assert reviewed <= R and reviewed.weekday() != 6, who
        for ack in sc["acknowledgements"]:
            assert sc["answers"][ack["rule_id"]] and reviewed <= datetime.fromisoformat(ack["at"]).date() <= R, who
            stories["acknowledged"] += 1
        lifted = set()
        for o in sc["overrides"]:
            assert reviewed <= datetime.fromisoformat(o["at"]).date() <= R and o["reason"], who
            lifted.add(o["target"])
        blocks = [r["id"] for r in SCREENING["absolute"] if sc["answers"][r["id"]] and r["id"] not in lifted]
        eligible = [
            eligible_from(WASHOUTS[w], date.fromisoformat(last))
            for w, last in sc["exposures"].items()
            if last is not None and f"washout:{w}" not in lifted
        ]
        stories["antiviral"] += sc["answers"]["hsv_history"]
        upcoming = [(d, roll_target(off_of(x["date"]))) for _, d, x in all_sessions([p]) if x["status"] in UPCOMING]
        for d, _ in upcoming:
            assert not blocks, (who, d, blocks)
            assert all(e <= d for e in eligible), (who, d, "inside a washout")
        if upcoming:
            first_day = min(d for d, _ in upcoming)
            if any(e > R + timedelta(days=6) for e in eligible):
                stories["washout ahead, nothing booked before it"] += 1
            if (R + timedelta(days=roll_target(off_of(first_day.isoformat()))) - reviewed).days <= RESCREEN:
                stories["covered"] += 1
            elif (first_day - reviewed).days > RESCREEN:
                stories["re-screen"] += 1
        for s in p["series"]:
            for x in s["sessions"]:
                prep = x.get("prep")
                if prep:
                    for k in ("consent_signed", "photo_consent"):
                        assert k not in prep or date.fromisoformat(prep[k]) <= min(R, date.fromisoformat(x["date"])), who
                if x["status"] != "done":
                    assert "chart" not in x, who
                    if prep and x["status"] in UPCOMING:
                        stories["partly prepared"] += 1
                    continue
                assert prep and prep["photos"] == PHOTOS, (who, x["date"])
                if sc["answers"]["hsv_history"]:
                    assert prep.get("confirmed_prompts") == ["hsv_history"], who
                chart = x["chart"]
                device = DEVICES[chart["record"]["device_id"]]
                assert chart["record"]["depths"] and chart["record"]["cartridge_lot"], who
                for area, depth in chart["record"]["depths"].items():
                    assert area in skin[-1]["areas"], (who, area)
                    assert device["min_depth_mm"] <= depth <= device["max_depth_mm"], (who, area, depth)
                    assert round(depth * 100) == depth * 100, (who, depth)
                signed = datetime.fromisoformat(chart["signed"]["at"])
                start = datetime.combine(date.fromisoformat(x["date"]), time.fromisoformat(x["time"]))
                assert start < signed and signed.date() <= R, who
                last_at = signed
                for amendment in chart.get("amendments", []):
                    at = datetime.fromisoformat(amendment["at"])
                    assert last_at <= at and at.date() <= R and amendment["text"], who
                    for depth in amendment["depths"].values():
                        assert device["min_depth_mm"] <= depth <= device["max_depth_mm"], who
                    last_at = at
                    stories["amended"] += 1
    assert improving >= 3 * unchanged and unchanged >= 2, (improving, unchanged)
    for story in ("fitzpatrick V", "acknowledged", "antiviral", "washout ahead, nothing booked before it",
                  "re-screen", "amended", "partly prepared"):
        assert stories[story] >= 1, (story, stories)
    print("clinical stories:", dict(sorted(stories.items())), f"trend: {improving} better, {unchanged} unchanged")


check(patients)
# Patients whose overdue aftercare is part of the story: the app leaves their open items
# alone; everybody else's items falling due between the reference day and the day the
# demo is opened are ticked on their due day, as a working clinic would have done.
keep_open = [p["id"] for p in patients if p["full_name"] in ("Aisha Rahman", "Ewan MacLeod")]
doc = {"schema_version": 1, "reference_day": R.isoformat(), "keep_open": keep_open, "patients": patients}
OUT.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
week = agenda(patients)
print(f"wrote {OUT.relative_to(ASSETS.parent)}: {len(patients)} patients")
print("sessions per day, R-14..R+12:", " ".join(str(week[o]) for o in range(-14, 13)))
