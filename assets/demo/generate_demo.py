#!/usr/bin/env python3
"""Generates assets/demo/clinic.json, the bundled demo clinic of needleplan.

Run from anywhere:  python3 assets/demo/generate_demo.py

Every clinic date is written relative to the reference day R (2026-06-01, a Monday). When
--demo starts, the app moves all of them by whole weeks so that R becomes the Monday of
today's week (src/store/demo.rs): weekdays are kept, so no session lands on a Sunday, when
the clinic is closed. "Today" can thus be any day from R (Monday) to R+6 (Sunday), and the
data is written to look alive on each of them:
  - sessions booked on every clinic day of R's week (Monday to Friday at least two each,
    the Saturday morning clinic at least one) and on every weekday of the week after;
  - no session ever on a Sunday;
  - at least two patients with overdue aftercare even on the Monday (sessions done in the
    previous week with early items left open);
  - a session done in the last days before R with aftercare items still open;
  - nothing ticked after R, the earliest possible today.
Dates of birth are not moved. The output is deterministic (fixed seed, no clock).

The patients cover every stage a clinic sees on a given day:
  new consults, planned series, mid-series (booked on every day of the week), finished
  series due for review, archived records, overdue aftercare, cancelled and missed
  sessions, sessions done on the Friday before and on the Monday, and patients with a
  second (maintenance) series. The script checks its own output (intervals, ticks, ids,
  weekdays, the week above) before writing.
"""

import hashlib
import json
import random
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ASSETS = HERE.parent
OUT = HERE / "clinic.json"

R = date(2026, 6, 1)  # reference day; keep in step with the app's expectations
SEED = 20260601

AFTERCARE = json.loads((ASSETS / "aftercare.json").read_text(encoding="utf-8"))["items"]
PROTOCOLS = {
    p["id"]: p
    for p in json.loads((ASSETS / "protocols.json").read_text(encoding="utf-8"))["protocols"]
}

rng = random.Random(SEED)

# --------------------------------------------------------------------------------------
# Calendar helpers
# --------------------------------------------------------------------------------------

# Session start times: 09:00 to 16:00 on the half hour (the longest session ends 17:30).
SLOT_TIMES = [time(h, m) for h in range(9, 17) for m in (0, 30) if time(h, m) <= time(16, 0)]
MORNING = [t for t in SLOT_TIMES if t < time(12, 0)]
AFTERNOON = [t for t in SLOT_TIMES if t >= time(13, 0)]

DAY_START = (9 * 60) // 30  # first half-hour slot (09:00)
DAY_END = (17 * 60 + 30) // 30  # end of the last half-hour slot (17:30)
MAX_NEED = -(-max(p["session_minutes"] for p in PROTOCOLS.values()) // 30)

# Half-hour slots already taken, per day offset: one treatment room in the demo.
taken: dict[int, set[int]] = {}


def slot_index(t: time) -> int:
    return (t.hour * 60 + t.minute) // 30


def minutes_of(protocol_id: str) -> int:
    return PROTOCOLS[protocol_id]["session_minutes"]


def book_slot(offset: int, protocol_id: str, pref: str = "any", fixed: time | None = None) -> time:
    """Picks a free start time on day `offset` (R + offset) for a session of that protocol."""
    need = -(-minutes_of(protocol_id) // 30)  # half-hours, rounded up
    day = taken.setdefault(offset, set())

    def free(t: time) -> bool:
        first = slot_index(t)
        return all((first + k) not in day for k in range(need))

    def tidy(t: time) -> bool:
        """Leaves no free gap before or after the session too short for any session."""
        first = slot_index(t)
        before = 0
        while first - before - 1 >= DAY_START and (first - before - 1) not in day:
            before += 1
        after = 0
        while first + need + after < DAY_END and (first + need + after) not in day:
            after += 1
        return all(gap == 0 or gap >= MAX_NEED for gap in (before, after))

    if fixed is not None:
        candidates = [fixed]
    else:
        pool = {"morning": MORNING, "afternoon": AFTERNOON}.get(pref, SLOT_TIMES)
        candidates = rng.sample(pool, len(pool)) + rng.sample(SLOT_TIMES, len(SLOT_TIMES))
        # Tidy starts first, so a busy day keeps room for one more long session.
        candidates = [t for t in candidates if free(t) and tidy(t)] + candidates
    for t in candidates:
        if free(t):
            first = slot_index(t)
            day.update(first + k for k in range(need))
            return t
    raise SystemExit(f"no free slot on R{offset:+d} for {protocol_id} (fixed={fixed})")


def is_sunday(offset: int) -> bool:
    return (R + timedelta(days=offset)).weekday() == 6


def not_sunday_backward(offset: int) -> int:
    """Moves a Sunday to the Saturday before (for record creation days)."""
    return offset - 1 if is_sunday(offset) else offset


def weekday_forward(offset: int) -> int:
    """Moves a weekend day to the following Monday (only ever widens the previous gap)."""
    while (R + timedelta(days=offset)).weekday() >= 5:
        offset += 1
    return offset


def weekday_backward(offset: int) -> int:
    """Moves a weekend day to the Friday before (only ever widens the next gap)."""
    while (R + timedelta(days=offset)).weekday() >= 5:
        offset -= 1
    return offset


def drift() -> int:
    """A few days either side of the target interval, mostly none."""
    return rng.choice([0, 0, 0, 0, 1, 2, -1, 3, -2, 4])


def forward(protocol_id: str, start: int, count: int) -> list[int]:
    """Session day offsets from `start` onwards, one target interval (plus drift) apart."""
    step = PROTOCOLS[protocol_id]["interval_days"]
    out = [weekday_forward(start)]
    while len(out) < count:
        out.append(weekday_forward(out[-1] + step + drift()))
    return out


def around(protocol_id: str, count: int, anchor_index: int, anchor: int) -> list[int]:
    """Session day offsets with session `anchor_index` on day `anchor` exactly."""
    step = PROTOCOLS[protocol_id]["interval_days"]
    out = {anchor_index: anchor}
    for i in range(anchor_index - 1, -1, -1):
        out[i] = weekday_backward(out[i + 1] - step - drift())
    for i in range(anchor_index + 1, count):
        # Future sessions are planned at the exact target interval, as the app would.
        out[i] = weekday_forward(out[i - 1] + step)
    return [out[i] for i in range(count)]


def iso(offset: int) -> str:
    return (R + timedelta(days=offset)).isoformat()


# --------------------------------------------------------------------------------------
# Sessions, checklists, series
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
        "depth 1.75 mm cheeks; subcision left cheek same visit",
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


def note_for(protocol_id: str, status: str) -> str:
    if status == "done":
        return rng.choice(DONE_NOTES[protocol_id])
    if status in ("booked", "planned"):
        return rng.choice(FUTURE_NOTES) if status == "booked" else ""
    return ""


def stamp(d: date, t: time) -> str:
    return datetime.combine(d, t).isoformat(timespec="seconds")


def checklist(offset: int, at: time, minutes: int, open_items: tuple[str, ...] = ()) -> list[dict]:
    """The aftercare checklist of a `minutes`-long session done on R + offset at `at`.

    The day-0 items are ticked at the chair, also for a session done on R itself. Other
    items due before R are ticked (on or shortly after their due day, at office hours),
    except those named in `open_items`, which are left open and so become overdue.
    Items due on R or later are open (R, the Monday, is the earliest possible "today";
    nothing is ticked after it).
    """
    session_day = R + timedelta(days=offset)
    # The day-0 items are ticked together at the chair, a few minutes after the session.
    at_chair = datetime.combine(session_day, at) + timedelta(minutes=minutes + rng.choice([5, 10, 15]))
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


def default_status(offset: int) -> str:
    if offset < 0:
        return "done"
    return "booked" if offset <= 14 else "planned"


def series(
    protocol_id: str,
    offsets: list[int],
    *,
    pref: str = "any",
    statuses: dict[int, str] | None = None,
    notes: dict[int, str] | None = None,
    times: dict[int, time] | None = None,
    open_items: dict[int, tuple[str, ...]] | None = None,
    created_lead: int | None = None,
) -> dict:
    """A series of the protocol with sessions on the given day offsets.

    Status defaults from the date (past = done, next two weeks = booked, later =
    planned); `statuses`, `notes`, `times`, `open_items` override per session index.
    """
    statuses = statuses or {}
    notes = notes or {}
    times = times or {}
    open_items = open_items or {}
    proto = PROTOCOLS[protocol_id]
    sessions = []
    for i, off in enumerate(offsets):
        status = statuses.get(i, default_status(off))
        at = book_slot(off, protocol_id, pref, times.get(i))
        s = {"date": iso(off), "time": at.isoformat(timespec="seconds"), "status": status}
        note = notes.get(i, note_for(protocol_id, status))
        if note:
            s["notes"] = note
        if status == "done":
            s["checklist"] = checklist(off, at, proto["session_minutes"], open_items.get(i, ()))
        sessions.append(s)
    lead = created_lead if created_lead is not None else rng.choice([7, 10, 14, 14, 21])
    return {
        "protocol_id": proto["id"],
        "protocol_name": proto["name"],
        "interval_days": proto["interval_days"],
        "min_interval_days": proto["min_interval_days"],
        "created": iso(not_sunday_backward(offsets[0] - lead)),
        "sessions": sessions,
    }


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

patients: list[dict] = []
add = patients.append

# --- R's week first, at fixed times, so the day view looks like a real day whichever day
# --- of the week the demo is opened on (see the module docstring).

# (g) session done on R (Monday) at 09:00: day-0 items ticked at the chair, rest open.
add(patient(
    "Hyun-woo Park", "1994-03-17",
    notes="Fitzpatrick IV: PIH caution, test patch done. Prefers mornings.",
    series_list=[series(SEV, around(SEV, 6, 1, 0), pref="morning", times={1: time(9, 0)},
                        statuses={1: "done"},
                        notes={1: "depth 1.5 mm cheeks (PIH watch); tolerated well, mild erythema"})],
))
# (b) mid-series, next session booked on R (Monday).
add(patient(
    "Priya Raman", "1991-08-02",
    notes="Prefers mornings. Works shifts, text before calling.",
    series_list=[series(STD, around(STD, 3, 1, 0), pref="morning", times={1: time(10, 30)})],
))
add(patient(
    "Kwame Asante", "1987-11-23",
    notes="Referred by Dr Halloran (GP). Rolling scars both cheeks.",
    series_list=[series(SEV, around(SEV, 6, 2, 0), times={2: time(13, 0)})],
))
add(patient(
    "Sofia Marchetti", "1999-01-09",
    notes="History of cold sores: antiviral prophylaxis before every session.",
    series_list=[series(PRP, around(PRP, 4, 1, 0), pref="afternoon", times={1: time(15, 0)},
                        notes={1: "aciclovir started 2 days before, as advised"})],
))
# (b) mid-series, next session booked on R+1 (Tuesday).
add(patient(
    "Tomasz Wiśniewski", "1985-05-30",
    notes="Needle-phobic: numbing cream 45 min before.",
    series_list=[series(PRP, around(PRP, 4, 2, 1), times={2: time(9, 30)})],
))
add(patient(
    "Chiamaka Eze", "1996-12-14",
    notes="Fitzpatrick V: PIH caution. Prefers afternoons.",
    series_list=[series(STD, around(STD, 3, 1, 1), pref="afternoon", times={1: time(14, 0)})],
))

# (b) R+2 (Wednesday): last session of a course, and a first session (Oliver, below).
add(patient(
    "Ravi Menon", "1986-02-21",
    notes="Last session of the course; 3-month review photos to book.",
    series_list=[series(STD, around(STD, 3, 2, 2), pref="afternoon", times={2: time(11, 0)})],
))
# (b) R+3 (Thursday).
add(patient(
    "Lucas Moreau", "1993-09-14",
    notes="Shaves daily: no shaving 24 h before and after a session.",
    series_list=[series(STD, around(STD, 3, 1, 3), pref="morning", times={1: time(9, 30)})],
))
add(patient(
    "Fatima Benali", "1997-12-03",
    notes="Female practitioner requested. Prefers afternoons.",
    series_list=[series(SEV, around(SEV, 6, 3, 3), pref="afternoon", times={3: time(14, 30)})],
))
# (b) R+5: the Saturday morning clinic.
add(patient(
    "Diego Ramírez", "1992-03-03",
    notes="Travels for work during the week: Saturday mornings only.",
    series_list=[series(PRP, [-30, 5, 40, 75],
                        times={0: time(9, 30), 1: time(10, 0), 2: time(10, 0), 3: time(9, 30)})],
))

# (g) session done on the Friday before R: day-0 and day-1 items ticked, the day-3
# check due on R, later items open.
add(patient(
    "Liam O'Donnell", "1990-07-04",
    notes="Referred by Dr Okafor (dermatology). Boxcar scars temples and cheeks.",
    series_list=[series(STD, around(STD, 3, 1, -3), notes={1: "patient late 10 min; depth 1.5 mm cheeks"})],
))

# --- (e) overdue aftercare: done in the week before R, early items left open
# --- past their due day, so they are overdue even when today is R (Monday). ---
add(patient(
    "Aisha Rahman", "1993-04-21",
    notes="Prefers WhatsApp to calls. Hard to reach on weekdays.",
    series_list=[series(STD, around(STD, 3, 1, -6),
                        open_items={1: ("day1-call", "day4-spf")},
                        notes={1: "depth 1.5 mm cheeks; tolerated well, mild erythema"})],
))
add(patient(
    "Ewan MacLeod", "1982-09-11",
    notes="Anticoagulant (apixaban) acknowledged by Dr Reyes; expect pinpoint bleeding.",
    series_list=[series(SEV, around(SEV, 6, 2, -5),
                        open_items={2: ("day3-check",)},
                        notes={2: "depth 1.75 mm cheeks; more bleeding than usual, pressure 5 min"})],
))

# --- (b) mid-series, next sessions in the coming weeks (R+4 Friday, the week after, later). ---
add(patient(
    "Mei Lin Chen", "1998-06-25",
    notes="Student; Friday appointments only if possible.",
    series_list=[series(STD, around(STD, 3, 1, 4))],
))
add(patient(
    "Yusuf Demir", "1989-02-13",
    notes="",
    series_list=[series(SEV, around(SEV, 6, 2, 8), pref="afternoon")],
))
add(patient(
    "Sara Lindgren", "1995-01-31",
    notes="Prefers the last slot of the day.",
    series_list=[series(PRP, around(PRP, 4, 2, 11), times={2: time(16, 0)})],
))
add(patient(
    "Hannah Whitfield", "1979-10-30",
    notes="Referred by Dr Halloran (GP). Retinoid paused during series.",
    series_list=[series(STD, around(STD, 3, 1, 18), pref="morning")],
))
add(patient(
    "Zainab Bello", "2001-08-19",
    notes="Prefers afternoons. Mother attends.",
    series_list=[series(STD, around(STD, 3, 1, 7), pref="afternoon")],
))

# --- (f) a cancelled and a missed session. ---
c = forward(STD, -52, 1)[0]
add(patient(
    "Niamh Gallagher", "1988-01-27",
    notes="History of cold sores: antiviral prophylaxis before every session.",
    series_list=[series(STD, [c, -25, -18, 10],
                        statuses={1: "cancelled"},
                        notes={1: "cancelled: active cold sore, rebooked for next week",
                               2: "aciclovir course completed; depth 1.5 mm cheeks"})],
))
add(patient(
    "Farah Haddad", "1995-11-05",
    notes="Missed one appointment; deposit policy explained.",
    series_list=[series(SEV, [-66, -38, -10, 4, 32, 60],
                        statuses={2: "no_show"},
                        notes={2: "no show, no answer on phone; left voicemail"})],
))

# --- Planned series, nothing done yet. ---
add(patient(
    "Oliver Bennett-Shaw", "1997-04-08",
    notes="Isotretinoin stopped 2025-10; washout checked by Dr Reyes.",
    series_list=[series(STD, forward(STD, 2, 3), created_lead=12)],
))
add(patient(
    "Anjali Desai", "1986-09-29",
    notes="Wants PRP; needle check with nurse before first session.",
    series_list=[series(PRP, forward(PRP, 9, 4), created_lead=16)],
))

# --- (c) series complete, last session 1-6 months before R: reviews due. ---
add(patient(
    "Jonas Lindqvist", "1984-12-02",
    notes="Happy with results; considering maintenance next year.",
    series_list=[series(STD, around(STD, 3, 2, -33))],
))
add(patient(
    "Grace Adeyemi", "1990-05-16",
    notes="Fitzpatrick V: PIH caution. Referred by Dr Okafor (dermatology).",
    series_list=[series(SEV, around(SEV, 6, 5, -61))],
))
add(patient(
    "Isabel Ferreira", "1977-02-24",
    notes="3-month review photos due.",
    series_list=[series(PRP, around(PRP, 4, 3, -95))],
))
add(patient(
    "Callum Price", "2000-10-12",
    notes="",
    series_list=[series(STD, around(STD, 3, 2, -124))],
))
add(patient(
    "Noor Al-Sayed", "1994-07-07",
    notes="Prefers mornings. Asked about TCA CROSS for remaining ice-pick scars.",
    series_list=[series(STD, around(STD, 3, 2, -150), pref="morning")],
))
add(patient(
    "Samuel Osei", "1983-03-28",
    notes="Keloid history on chest only (not face), reviewed by Dr Reyes.",
    series_list=[series(STD, around(STD, 3, 2, -178))],
))

# --- (h) two series: an older complete course and a newer maintenance one. ---
add(patient(
    "Elena Petrova", "1981-06-13",
    notes="Yearly maintenance. Prefers mornings.",
    series_list=[
        series(STD, around(STD, 3, 2, -390), pref="morning"),
        series(MAINT, [9], pref="morning", created_lead=21),
    ],
))
add(patient(
    "Rhys Pritchard", "1975-12-20",
    notes="Second course after 2024 series; maintenance done.",
    series_list=[
        series(SEV, around(SEV, 6, 5, -420)),
        series(MAINT, [-60], created_lead=30),
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
    notes="Consult booked; isotretinoin last dose 2026-03 (washout until 2026-09).",
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
    series_list=[series(STD, around(STD, 3, 1, -259),
                        statuses={2: "cancelled"},
                        notes={2: "cancelled: patient moving away"})],
))
add(patient(
    "Tariq Mahmood", "1980-01-19",
    notes="Course completed 2025; no further treatment wanted.",
    archived=True,
    series_list=[series(STD, around(STD, 3, 2, -364))],
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

# --------------------------------------------------------------------------------------
# Self-checks, then write
# --------------------------------------------------------------------------------------

ID_RE = re.compile(r"^[a-z0-9-]{1,64}$")


def check(ps: list[dict]) -> None:
    ids = [p["id"] for p in ps]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert len(ps) >= 28
    for p in ps:
        assert ID_RE.match(p["id"]), p["id"]
        created = date.fromisoformat(p["created"])
        assert created.weekday() != 6, (p["full_name"], "created on a Sunday")
        if p.get("date_of_birth"):
            dob = date.fromisoformat(p["date_of_birth"])
            assert date(1960, 1, 1) <= dob <= date(2005, 12, 31), p["full_name"]
        for s in p["series"]:
            s_created = date.fromisoformat(s["created"])
            assert s_created.weekday() != 6, (p["full_name"], "series created on a Sunday")
            assert created <= s_created, p["full_name"]
            dates = [date.fromisoformat(x["date"]) for x in s["sessions"]]
            assert dates == sorted(dates), p["full_name"]
            assert s_created <= dates[0], p["full_name"]
            counted = [d for d, x in zip(dates, s["sessions"]) if x["status"] not in ("cancelled", "no_show")]
            for a, b in zip(counted, counted[1:]):
                assert (b - a).days >= s["min_interval_days"], (p["full_name"], a, b)
            for d, x in zip(dates, s["sessions"]):
                assert d.weekday() != 6, (p["full_name"], d, "session on a Sunday")
                assert time(9, 0) <= time.fromisoformat(x["time"]) <= time(16, 0)
                if d < R:
                    assert x["status"] in ("done", "cancelled", "no_show"), (p["full_name"], d)
                else:
                    assert x["status"] != "cancelled" or d < R
                if x["status"] == "done":
                    assert len(x["checklist"]) == len(AFTERCARE)
                    for e in x["checklist"]:
                        if "ticked_at" in e:
                            t = datetime.fromisoformat(e["ticked_at"])
                            assert d <= t.date() <= R, (p["full_name"], e)
                else:
                    assert "checklist" not in x
    check_week(ps)


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
    booked: dict[int, int] = {}
    for p, d, x in all_sessions(ps):
        if not p["archived"] and x["status"] == "booked":
            off = (d - R).days
            booked[off] = booked.get(off, 0) + 1
    for off in range(0, 6):  # R's week, Monday to Saturday
        need = 2 if off < 5 else 1
        assert booked.get(off, 0) >= need, (iso(off), booked.get(off, 0), "booked")
    for off in range(7, 12):  # the week after, Monday to Friday
        assert booked.get(off, 0) >= 1, (iso(off), "nothing booked")
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


check(patients)
doc = {"schema_version": 1, "reference_day": R.isoformat(), "patients": patients}
OUT.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
print(f"wrote {OUT.relative_to(ASSETS.parent)}: {len(patients)} patients")
