//! The settings screen: the sections of `clinic.json` one under the other, the selected
//! row marked with ▶, and (on a wide terminal) what the selected setting does beside
//! them. Only the lines that fit are built; the list scrolls to keep the selection, and
//! its section's title when there is room, in sight.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::model::{Model, Overlay};
use crate::app::settings::conflict::{self, Comparison};
use crate::app::settings::{self, ResourceKind, Row, Section, WEEKDAYS};
use crate::store::clinic_file::CLINIC_FILE;

use super::fit;
use super::{centered, theme};

/// From this inner width on, the explanation stands beside the list.
const WIDE: u16 = 120;
/// Width of the list on a wide terminal.
const LIST_W: u16 = 80;
/// Width of the label column of the general rows and the weekdays.
const LABEL_W: usize = 16;

/// A line of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Gap,
    Header(Section),
    /// An index into `settings::rows`.
    Row(usize),
}

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let s = &model.screens.settings;
    let focused = model.overlay == Overlay::None;
    let mut title = format!(" {}Settings · {CLINIC_FILE} ", if focused { "▶ " } else { "" });
    if s.conflict.is_some() {
        title.push_str("· CONFLICT ");
    } else if model.clinic_read_only {
        title.push_str("· READ-ONLY ");
    } else if s.unsaved {
        title.push_str("· NOT SAVED ");
    }
    let block = super::framed(focused, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // A form or question open over the screen is finished before the comparison shows.
    if !model.overlay.is_open()
        && let Some(comparison) = conflict::comparison(model)
    {
        conflict_view(model, &comparison, frame, inner);
        return;
    }

    let rows = settings::rows(model);
    let selected = s.cursor.min(rows.len().saturating_sub(1));
    let wide = inner.width >= WIDE;
    let (list_area, side) = if wide {
        let [list, _, side] = Layout::horizontal([
            Constraint::Length(LIST_W),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        (list, Some(side))
    } else {
        (inner, None)
    };

    // What cannot be used comes first: the file that cannot be read.
    let banner = read_only_banner(model);
    let banner_h = wrapped_height(&banner, list_area.width).min(list_area.height / 2);
    let hint_h = u16::from(side.is_none());
    let [banner_area, body, hint_area] = Layout::vertical([
        Constraint::Length(banner_h),
        Constraint::Min(1),
        Constraint::Length(hint_h),
    ])
    .areas(list_area);
    if banner_h > 0 {
        frame.render_widget(Paragraph::new(banner).wrap(Wrap { trim: true }), banner_area);
    }

    let items = items(&rows);
    let sel_item = items.iter().position(|i| *i == Item::Row(selected)).unwrap_or(0);
    let header = items[..sel_item]
        .iter()
        .rposition(|i| matches!(i, Item::Header(_)))
        .unwrap_or(0);
    let height = body.height as usize;
    let offset = keep_visible(model, sel_item, header, items.len(), height);
    let lines: Vec<Line> = items
        .iter()
        .skip(offset)
        .take(height)
        .map(|item| match *item {
            Item::Gap => Line::raw(""),
            Item::Header(section) => Line::styled(header_text(model, section), theme::header()),
            Item::Row(i) => row_line(model, rows[i], i == selected, focused, body.width),
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), body);

    let row = rows.get(selected).copied();
    if hint_h > 0
        && let Some(row) = row
    {
        let text = fit(short_about(row), hint_area.width as usize);
        frame.render_widget(Paragraph::new(Line::styled(text, theme::dim())), hint_area);
    }
    if let (Some(side), Some(row)) = (side, row) {
        about_panel(model, row, frame, side);
    }
}

/// The list's lines: each section's title, its rows, a gap between sections.
fn items(rows: &[Row]) -> Vec<Item> {
    let mut out = Vec::with_capacity(rows.len() + 2 * Section::ALL.len());
    let mut last: Option<Section> = None;
    for (i, row) in rows.iter().enumerate() {
        let section = row.section();
        if last != Some(section) {
            if last.is_some() {
                out.push(Item::Gap);
            }
            out.push(Item::Header(section));
            last = Some(section);
        }
        out.push(Item::Row(i));
    }
    out
}

/// Lines kept in sight below the selection (and above it) while moving, when they fit.
const CONTEXT: usize = 2;

/// Scrolls only as far as needed to keep the selected line, with a little context, on
/// screen, and shows its section's title too when both fit.
fn keep_visible(model: &Model, selected: usize, header: usize, len: usize, rows: usize) -> usize {
    let rows = rows.max(1);
    let context = CONTEXT.min(rows.saturating_sub(1) / 2);
    let cell = &model.screens.settings.offset;
    let mut offset = cell.get();
    if selected < offset + context {
        offset = selected.saturating_sub(context);
    } else if selected + context >= offset + rows {
        offset = selected + context + 1 - rows;
    }
    if header < offset && selected - header < rows {
        offset = header;
    }
    offset = offset.min(len.saturating_sub(rows));
    cell.set(offset);
    model.screens.settings.page.set(rows.saturating_sub(2).max(1));
    offset
}

fn header_text(model: &Model, section: Section) -> String {
    let c = &model.clinic;
    let count = |kind: ResourceKind| {
        let list = kind.list(c);
        let active = list.iter().filter(|r| r.active).count();
        if active == list.len() {
            format!("{} ({active} active)", section.title())
        } else {
            format!("{} ({active} active of {})", section.title(), list.len())
        }
    };
    match section {
        Section::ClosedDates => format!("{} ({})", section.title(), c.closed_dates.len()),
        Section::Clinicians => count(ResourceKind::Clinician),
        Section::Rooms => count(ResourceKind::Room),
        Section::Staff => format!("{} ({})", section.title(), c.staff.len()),
        Section::Protocols => {
            let all = model.templates.protocols.len();
            let on = model
                .templates
                .protocols
                .iter()
                .filter(|p| c.protocol_in_use(&p.id))
                .count();
            format!("{} ({on} of {all})", section.title())
        }
        _ => section.title().to_string(),
    }
}

fn minutes_label(m: i64) -> String {
    match (m / 60, m % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02}"),
    }
}

/// One row: the marker, then its columns; the selected row reversed across the width.
fn row_line(model: &Model, row: Row, selected: bool, focused: bool, width: u16) -> Line<'static> {
    let c = &model.clinic;
    let marker = if selected && focused { "▶ " } else { "  " };
    let label = |text: &str| format!("{text:<LABEL_W$}");
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut dim = false;
    match row {
        Row::Name => {
            spans.push(Span::raw(label("Clinic name")));
            spans.push(Span::raw(c.name.clone()));
        }
        Row::Phone => {
            spans.push(Span::raw(label("Phone")));
            spans.push(Span::raw(c.phone.clone()));
        }
        Row::Address => {
            spans.push(Span::raw(label("Address")));
            spans.push(Span::raw(c.address.clone()));
        }
        Row::DefaultMinutes => {
            spans.push(Span::raw(label("Default length")));
            spans.push(Span::raw(format!("{} min", c.default_minutes)));
        }
        Row::IdleLock => {
            spans.push(Span::raw(label("Idle lock")));
            spans.push(Span::raw(match c.idle_lock_minutes {
                Some(m) => format!("after {m} min without a key"),
                None => "off".to_string(),
            }));
        }
        Row::Day(day) => {
            spans.push(Span::raw(label(WEEKDAYS[day])));
            match c.hours[day] {
                Some(h) => {
                    spans.push(Span::raw(format!(
                        "{}-{}",
                        h.open.format("%H:%M"),
                        h.close.format("%H:%M")
                    )));
                    spans.push(Span::styled(
                        format!("   {}", minutes_label(h.minutes())),
                        theme::dim(),
                    ));
                }
                None => {
                    spans.push(Span::raw("closed"));
                    dim = true;
                }
            }
        }
        Row::Closed(i) => {
            let Some(closed) = c.closed_dates.get(i) else {
                return Line::raw("");
            };
            let past = closed.date < model.today;
            spans.push(Span::raw(format!("{}  ", closed.date.format("%a %Y-%m-%d"))));
            let reason = if closed.reason.is_empty() {
                "(no reason given)".to_string()
            } else {
                closed.reason.clone()
            };
            spans.push(Span::raw(reason));
            let booked = model.calendar.bookings_on(closed.date).count();
            if booked > 0 {
                spans.push(Span::styled(format!("  ⚠ {booked} booked"), theme::warning()));
            }
            if past {
                spans.push(Span::styled("  past", theme::dim()));
                dim = true;
            }
        }
        Row::NoClosedDates => {
            spans.push(Span::raw("none yet: a adds one (a holiday, a training day)"));
            dim = true;
        }
        Row::Resource(kind, i) => {
            let Some(r) = kind.list(c).get(i) else {
                return Line::raw("");
            };
            let name_w = if width >= 70 { 28 } else { 24 };
            spans.push(Span::raw(format!("{:<name_w$} ", fit(&r.name, name_w))));
            spans.push(Span::styled(format!("{:<18} ", fit(&r.id, 18)), theme::dim()));
            spans.push(Span::raw(if r.active { "active" } else { "inactive" }));
            dim = !r.active;
        }
        Row::Staff(i) => {
            let Some(s) = c.staff.get(i) else {
                return Line::raw("");
            };
            let name_w = if width >= 70 { 24 } else { 18 };
            spans.push(Span::raw(format!("{:<14} ", fit(&s.login, 14))));
            spans.push(Span::raw(format!("{:<name_w$} ", fit(&s.name, name_w))));
            spans.push(Span::raw(s.roles_text()));
            if let Some(linked) = &s.clinician {
                spans.push(Span::styled(format!(" · books as {linked}"), theme::dim()));
            }
        }
        Row::NoStaff => {
            spans.push(Span::raw("none yet: anyone can change anything; a adds one"));
            dim = true;
        }
        Row::Protocol(i) => {
            let Some(p) = model.templates.protocols.get(i) else {
                return Line::raw("");
            };
            let on = c.protocol_in_use(&p.id);
            spans.push(Span::raw(format!("[{}] ", if on { "x" } else { " " })));
            spans.push(Span::raw(format!("{:<26} ", fit(&p.name, 26))));
            spans.push(Span::styled(
                format!(
                    "{} × {} days, {} min",
                    p.sessions, p.interval_days, p.session_minutes
                ),
                theme::dim(),
            ));
            dim = !on;
        }
    }
    let mut line_spans = vec![Span::raw(marker)];
    line_spans.extend(spans);
    let used: usize = line_spans.iter().map(Span::width).sum();
    let width = width as usize;
    if used > width {
        // Cut at the width: rebuild as plain text (styles of a cut row matter less).
        let text: String = line_spans.iter().map(|s| s.content.as_ref()).collect();
        line_spans = vec![Span::raw(fit(&text, width))];
    } else {
        line_spans.push(Span::raw(" ".repeat(width - used)));
    }
    let style = if selected {
        theme::selected(focused)
    } else if dim {
        theme::dim()
    } else {
        Style::default()
    };
    Line::from(line_spans).style(style)
}

/// Width of the section column of the comparison.
const SECTION_W: usize = 16;

/// Another user saved first: what each side changed, and the two ways out. The keys stay
/// on the last line whatever the list's length; the list scrolls above them.
fn conflict_view(model: &Model, c: &Comparison, frame: &mut Frame, area: Rect) {
    let area = Rect::new(area.x + 1, area.y, area.width.saturating_sub(2), area.height);
    let mut lines: Vec<Line<'static>> = vec![
        Line::styled(
            format!(
                "✗ Another user saved the clinic settings first (now revision {}).",
                c.revision
            ),
            theme::error(),
        ),
        Line::styled(
            format!("  Theirs is in {CLINIC_FILE}; yours is kept here, not saved yet."),
            theme::warning(),
        ),
        Line::raw(""),
    ];
    let list = |lines: &mut Vec<Line<'static>>,
                title: &str,
                items: &[crate::domain::clinic::changes::Change],
                mine: bool| {
        let mut head = vec![Span::styled(title.to_string(), theme::header())];
        if mine && !c.both.is_empty() {
            head.push(Span::styled(
                "  (⚠ they changed it too: m keeps yours)",
                theme::warning(),
            ));
        }
        lines.push(Line::from(head));
        if items.is_empty() {
            lines.push(Line::styled("  nothing", theme::dim()));
        }
        for item in items {
            let both = mine && c.both.contains(&item.key);
            let mark = Span::styled(if both { "⚠ " } else { "  " }, theme::warning());
            lines.push(Line::from(vec![
                mark,
                Span::styled(format!("{:<SECTION_W$}", item.section), theme::dim()),
                Span::raw(item.text.clone()),
            ]));
        }
        lines.push(Line::raw(""));
    };
    list(&mut lines, "They changed", &c.theirs, false);
    list(&mut lines, "You changed", &c.mine, true);
    let keys = vec![
        Line::from(vec![
            Span::styled(" t ", theme::key()),
            Span::raw(" take theirs (drop yours)   "),
            Span::styled(" m ", theme::key()),
            Span::raw(" keep yours, on top of theirs"),
        ]),
        Line::styled(
            "Their other changes stay either way. Esc: decide later.",
            theme::dim(),
        ),
    ];
    let keys_h = wrapped_height(&keys, area.width).min(area.height);
    let [body, keys_area] = Layout::vertical([Constraint::Min(1), Constraint::Length(keys_h)]).areas(area);
    let total = wrapped_height(&lines, body.width) as usize;
    let scroll = model
        .screens
        .settings
        .conflict
        .as_ref()
        .map_or(0, |x| x.scroll)
        .min(total.saturating_sub(body.height as usize));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll as u16, 0)),
        body,
    );
    frame.render_widget(Paragraph::new(keys).wrap(Wrap { trim: true }), keys_area);
}

fn read_only_banner(model: &Model) -> Vec<Line<'static>> {
    if !model.clinic_read_only {
        return Vec::new();
    }
    let problem = settings::file_problem(model).unwrap_or("it could not be read");
    vec![
        Line::styled(
            format!(
                "✗ {CLINIC_FILE} cannot be read: the settings below stay in use, nothing can be \
                 changed here, and the file is never written over."
            ),
            theme::error(),
        ),
        Line::styled(format!("  {problem}"), theme::error()),
        Line::styled(
            "→ Fix the file by hand or move it away: it is read again within a second.",
            theme::focus(),
        ),
        Line::raw(""),
    ]
}

fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let w = width.max(1) as usize;
    lines.iter().map(|l| l.width().div_ceil(w).max(1) as u16).sum()
}

/// One line about the selected row, under the list on a narrow terminal.
fn short_about(row: Row) -> &'static str {
    match row {
        Row::Name => "The clinic's name.",
        Row::Phone | Row::Address => "Printed on handouts and in .ics calendar files.",
        Row::DefaultMinutes => "Length of a booking when neither the session nor its protocol gives one.",
        Row::IdleLock => "Hides the screen after these minutes without a key; empty: off.",
        Row::Day(_) => "Space closes or opens the day; bookings already made stay.",
        Row::Closed(_) | Row::NoClosedDates => {
            "No free slot is offered on a closed date; bookings made stay."
        }
        Row::Resource(..) => "Never deleted (sessions refer to the id); Space marks inactive.",
        Row::Protocol(_) => "Ticked protocols are offered for new series; series under way keep theirs.",
        Row::Staff(_) | Row::NoStaff => "Who may change what, by OS login: front desk, clinician, admin.",
    }
}

/// What the selected section is for, beside the list on a wide terminal.
fn about_panel(model: &Model, row: Row, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::LEFT)
        .border_style(theme::dim())
        .title(format!(" {} ", row.section().title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let text: &[&str] = match row {
        Row::Name => &["The clinic's name, as staff and patients know it."],
        Row::Phone => &[
            "The number patients call: handouts say \"Call the clinic on ...\", and .ics calendar \
             files give it to change an appointment.",
        ],
        Row::Address => &["One address line: on handouts, and the place of .ics calendar events."],
        Row::DefaultMinutes => &[
            "How long a booking lasts when neither the session nor its series' protocol gives a \
             length (5 to 480 minutes).",
            "A change moves the end of such bookings in the agenda and the free slots around them.",
        ],
        Row::IdleLock => &[
            "After this many minutes without a key the screen is cleared of patient data until a key \
             is pressed; that key only unlocks.",
            "1 to 1440 minutes; leave it empty to turn the lock off.",
        ],
        Row::Day(_) => &[
            "Free slots are offered only within the opening hours (HH:MM, closing after opening).",
            "Space closes the weekday or opens it again. Bookings already made stay where they are: \
             the status line says how many fall on a day closed, to move them from the agenda (2).",
        ],
        Row::Closed(_) | Row::NoClosedDates => &[
            "Public holidays, training days: no free slot is offered on a closed date, and the agenda \
             says why the clinic is closed.",
            "a adds one, Enter changes it, x removes it (after asking). A closed date with bookings \
             shows ⚠: they stay booked until moved.",
        ],
        Row::Resource(ResourceKind::Clinician, _) | Row::Resource(ResourceKind::Room, _) => &[
            "a adds one; its id is made from the name (a-z, 0-9, '-') and never changes, because \
             sessions refer to it. Enter renames.",
            "Nobody and no room is ever deleted: Space marks one inactive (no new bookings; sessions \
             already booked keep it) or active again. At least one must stay active.",
        ],
        Row::Protocol(_) => &[
            "The protocol templates offered when a new series is made (n). Space ticks or unticks one; \
             at least one stays ticked.",
            "Series already under way keep their protocol whatever is ticked here.",
        ],
        Row::Staff(_) | Row::NoStaff => &[
            "Who may change what, by the OS login they run needleplan as. Front desk: patients, \
             bookings, aftercare ticks. Clinician: also screening, skin profile, charts, signing, \
             overrides. Admin: also the settings and this list.",
            "a adds someone, Enter edits, x removes (never yourself). A login not listed reads everything and changes nothing; \
             with no list at all anyone may change anything. At least one admin stays.",
        ],
    };
    let mut lines: Vec<Line> = Vec::new();
    for paragraph in text {
        lines.push(Line::raw(*paragraph));
        lines.push(Line::raw(""));
    }
    lines.push(if model.clinic_read_only {
        Line::styled(
            format!("{CLINIC_FILE} cannot be read: changes are refused until it is fixed."),
            theme::error(),
        )
    } else {
        Line::styled(
            format!("Every change is saved to {CLINIC_FILE} in the data dir as soon as it is confirmed."),
            theme::dim(),
        )
    });
    let padded = Rect::new(inner.x + 1, inner.y, inner.width.saturating_sub(2), inner.height);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), padded);
}

pub(super) fn confirm_remove(model: &Model, i: usize, frame: &mut Frame, area: Rect) {
    let Some(closed) = model.clinic.closed_dates.get(i) else {
        return;
    };
    let what = if closed.reason.is_empty() {
        closed.date.format("%a %Y-%m-%d").to_string()
    } else {
        format!("{} ({})", closed.date.format("%a %Y-%m-%d"), closed.reason)
    };
    let lines = vec![
        Line::raw(format!("Remove the closed date {what}?")),
        Line::raw("The clinic is then open that day as on any other."),
        Line::raw(""),
        super::hint_line(&Overlay::ConfirmRemoveClosedDate(i).keys().bar),
    ];
    question("Remove closed date?", lines, frame, area);
}

pub(super) fn confirm_remove_staff(model: &Model, i: usize, frame: &mut Frame, area: Rect) {
    let Some(s) = model.clinic.staff.get(i) else {
        return;
    };
    let lines = vec![
        Line::raw(format!("Remove {} (login {}) from the staff list?", s.name, s.login)),
        Line::raw("That login can then read but not change anything."),
        Line::raw(""),
        super::hint_line(&Overlay::ConfirmRemoveStaff(i).keys().bar),
    ];
    question("Remove staff member?", lines, frame, area);
}

/// A y/n question over the screen: its lines in a popup titled `title`.
fn question(title: &str, lines: Vec<Line>, frame: &mut Frame, area: Rect) {
    let width = area.width.saturating_sub(4).min(70);
    let height = wrapped_height(&lines, width.saturating_sub(2)) + 2;
    let rect = centered(area, width, height);
    let block = super::popup_frame(title);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .style(Style::default().remove_modifier(Modifier::REVERSED)),
        rect,
    );
}
