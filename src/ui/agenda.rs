//! The agenda screen. Day view: one column per clinician (or room) when they fit side by
//! side, else one block under the other; each lists the day's bookings and the free
//! time between them in time order. Week view: Monday to Sunday as rows, the clinicians
//! (rooms) as columns, with the number of bookings, the free hours and the first ones.
//! Builds only the shown day (or week), and draws only the lines that fit.

use chrono::{NaiveDate, TimeDelta};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::agenda::{self, View};
use crate::app::model::{Model, Overlay};
use crate::domain::agenda::{AgendaBooking, DayAgenda, Entry, Grouping, Lane, duration_label, week_start};
use crate::domain::series::SessionStatus;

use super::theme;
use super::{fit, fit_pad};

/// Narrowest column of the day view; below it the columns stack.
const MIN_COLUMN: u16 = 36;
/// From this column width on, a booking fits on one line.
const ONE_LINE: u16 = 52;
/// Narrowest column of the week view.
const MIN_WEEK_COLUMN: u16 = 18;

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let a = &model.screens.agenda;
    let focused = model.overlay == Overlay::None;
    let view = match a.view {
        View::Day => "day",
        View::Week => "week",
    };
    let block = super::framed(
        focused,
        format!(" ▶ Agenda · {view} · by {} ", a.grouping.label()),
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match a.view {
        View::Day => draw_day(model, frame, inner),
        View::Week => draw_week(model, frame, inner),
    }
}

/// "today", "tomorrow", "in 6 days", "3 days ago".
fn relative(date: NaiveDate, today: NaiveDate) -> String {
    match (date - today).num_days() {
        0 => "today".into(),
        1 => "tomorrow".into(),
        -1 => "yesterday".into(),
        n if n > 0 => format!("in {n} days"),
        n => format!("{} days ago", -n),
    }
}

fn day_summary(model: &Model, day: &DayAgenda) -> Line<'static> {
    let mut spans = vec![Span::styled(
        format!("{} ", day.date.format("%a %Y-%m-%d")),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    spans.push(Span::styled(
        format!("({}) ", relative(day.date, model.today)),
        theme::dim(),
    ));
    let count = day.booking_count();
    let bookings = format!("{count} booking{}", if count == 1 { "" } else { "s" });
    match day.hours {
        Some(h) => {
            let free: i64 = day
                .lanes
                .iter()
                .filter(|l| l.id.is_some())
                .map(Lane::free_minutes)
                .sum();
            spans.push(Span::raw(format!(
                " open {}-{} · {bookings} · {} free in all",
                h.open.format("%H:%M"),
                h.close.format("%H:%M"),
                duration_label(free)
            )));
        }
        None => {
            let why = day.closure.as_ref().map_or("closed".into(), ToString::to_string);
            spans.push(Span::styled(format!(" CLOSED: {why}"), theme::warning()));
            if count > 0 {
                spans.push(Span::styled(format!(" · {bookings} to move"), theme::error()));
            }
        }
    }
    Line::from(spans)
}

// ---------------------------------------------------------------------------------
// Day view.

/// A drawn line and the selectable item (index into `DayAgenda::items`) it belongs to.
type Row = (Line<'static>, Option<usize>);

fn draw_day(model: &Model, frame: &mut Frame, area: Rect) {
    let day = agenda::shown_day(model);
    let [summary, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    frame.render_widget(Paragraph::new(day_summary(model, &day)), summary);
    if day.lanes.is_empty() {
        let text = match day.hours {
            None => {
                "Nothing booked on a closed day.\n\nLeft/h and Right/l go to another day, t back to today."
            }
            Some(_) => "No active clinicians or rooms: add them on the settings screen.",
        };
        frame.render_widget(
            Paragraph::new(text).style(theme::dim()).wrap(Wrap { trim: true }),
            Rect {
                y: body.y + 1,
                height: body.height.saturating_sub(1),
                ..body
            },
        );
        return;
    }
    let selected = agenda::selection(model, &day);
    let focused = model.overlay == Overlay::None;
    let lanes = day.lanes.len() as u16;
    // Columns side by side when each gets a readable width, else stacked blocks.
    let gutter = 1;
    let column_w = (body.width + gutter)
        .checked_div(lanes)
        .unwrap_or(0)
        .saturating_sub(gutter);
    let mut first_item = 0;
    if column_w >= MIN_COLUMN {
        let constraints: Vec<Constraint> = (0..lanes)
            .flat_map(|i| {
                let sep = if i + 1 < lanes {
                    Some(Constraint::Length(gutter))
                } else {
                    None
                };
                std::iter::once(Constraint::Fill(1)).chain(sep)
            })
            .collect();
        let cols = Layout::horizontal(constraints).split(body);
        for (i, lane) in day.lanes.iter().enumerate() {
            let rect = cols[i * 2];
            let rows = lane_rows(model, &day, lane, first_item, selected, focused, rect.width);
            let head = lane_head(lane, &day, rect.width);
            frame.render_widget(Paragraph::new(head), Rect { height: 1, ..rect });
            let list = Rect {
                y: rect.y + 1,
                height: rect.height.saturating_sub(1),
                ..rect
            };
            let holds_selection = (first_item..first_item + lane.entries.len()).contains(&selected);
            draw_rows(model, frame, list, &rows, selected, holds_selection);
            if i + 1 < day.lanes.len() {
                let sep = cols[i * 2 + 1];
                let bar: Vec<Line> = (0..sep.height).map(|_| Line::styled("│", theme::dim())).collect();
                frame.render_widget(Paragraph::new(bar), sep);
            }
            first_item += lane.entries.len();
        }
    } else {
        let mut rows: Vec<Row> = Vec::new();
        for (i, lane) in day.lanes.iter().enumerate() {
            if i > 0 {
                rows.push((Line::raw(""), None));
            }
            rows.push((lane_head(lane, &day, body.width), None));
            rows.extend(lane_rows(
                model, &day, lane, first_item, selected, focused, body.width,
            ));
            first_item += lane.entries.len();
        }
        draw_rows(model, frame, body, &rows, selected, true);
    }
}

fn lane_head(lane: &Lane, day: &DayAgenda, width: u16) -> Line<'static> {
    let mut spans = vec![Span::styled(lane.name.clone(), theme::header())];
    if lane.inactive {
        spans.push(Span::styled(" (inactive)", theme::warning()));
    }
    let count = lane.booking_count();
    let mut facts = format!("  {count} booked");
    if lane.id.is_some() && day.hours.is_some() {
        facts.push_str(&format!(" · {} free", duration_label(lane.free_minutes())));
    } else if lane.id.is_none() && count > 0 {
        facts.push_str(&format!(" · each needs a {}", day.grouping.label()));
    }
    spans.push(Span::styled(facts, theme::dim()));
    let line = Line::from(spans);
    if line.width() > width as usize {
        Line::styled(fit(&lane.name, width as usize), theme::header())
    } else {
        line
    }
}

fn status_style(status: SessionStatus) -> Style {
    match status {
        SessionStatus::Done => theme::done(),
        SessionStatus::Planned => theme::due_today(),
        SessionStatus::Booked => Style::default(),
        SessionStatus::Cancelled | SessionStatus::NoShow => theme::dim(),
    }
}

/// The lines of one column: each booking on one line (wide) or two (narrow), free time
/// and a found slot on one.
fn lane_rows(
    model: &Model,
    day: &DayAgenda,
    lane: &Lane,
    first_item: usize,
    selected: usize,
    focused: bool,
    width: u16,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let w = width as usize;
    let one_line = width >= ONE_LINE;
    // One-line bookings: the visit and room (clinician) columns as wide as this column's
    // longest, within reason; the name takes the rest.
    let widest =
        |f: &dyn Fn(&AgendaBooking) -> usize, cap: usize| lane.bookings().map(f).max().unwrap_or(0).min(cap);
    let visit_w = widest(&|b| b.visit.chars().count(), 12);
    let other_w = widest(&|b| b.other(day.grouping).chars().count(), 16);
    for (e, entry) in lane.entries.iter().enumerate() {
        let item = first_item + e;
        let is_sel = item == selected;
        let marker = if is_sel && focused { "▶" } else { " " };
        match entry {
            Entry::Booking(b) => {
                let flag = booking_flag(b, day);
                let marker = if is_sel && focused {
                    "▶"
                } else if flag.is_some() {
                    "!"
                } else {
                    " "
                };
                let time = format!("{}-{}", b.start.format("%H:%M"), b.end.format("%H:%M"));
                let other = b.other(day.grouping).to_string();
                let status = b.status.label();
                if one_line {
                    // marker, time, name, visit, other, status (+ flag).
                    let tail_w = 2 + visit_w + 2 + other_w + 2 + 7;
                    let name_w = w.saturating_sub(1 + 11 + 1 + tail_w).max(8);
                    let mut spans = vec![
                        Span::styled(marker.to_string(), flag_style(flag)),
                        Span::raw(format!("{time} ")),
                        Span::styled(
                            fit_pad(&b.patient_name, name_w),
                            Style::default().add_modifier(Modifier::BOLD),
                        ),
                        Span::raw(format!("  {}  ", fit_pad(&b.visit, visit_w))),
                        Span::raw(format!("{}  ", fit_pad(&other, other_w))),
                        Span::styled(status.to_string(), status_style(b.status)),
                    ];
                    if let Some(f) = flag {
                        spans.push(Span::styled(format!(" {f}"), theme::error()));
                    }
                    rows.push((Line::from(spans), Some(item)));
                } else {
                    rows.push((
                        Line::from(vec![
                            Span::styled(marker.to_string(), flag_style(flag)),
                            Span::raw(format!("{time} ")),
                            Span::styled(
                                fit(&b.patient_name, w.saturating_sub(13)),
                                Style::default().add_modifier(Modifier::BOLD),
                            ),
                        ]),
                        Some(item),
                    ));
                    // The room (clinician) gives way first when the line is too long.
                    let fixed = 13 + b.visit.chars().count() + 6 + status.len();
                    let other = fit(&other, w.saturating_sub(fixed).max(4));
                    let mut spans = vec![
                        Span::raw(format!("{:13}{} · {} · ", "", b.visit, other)),
                        Span::styled(status.to_string(), status_style(b.status)),
                    ];
                    if let Some(f) = flag {
                        spans.push(Span::styled(format!(" · {f}"), theme::error()));
                    }
                    rows.push((Line::from(spans), Some(item)));
                }
            }
            Entry::Free(g) => {
                let long_enough = g.minutes() >= model.clinic.default_minutes as i64;
                let text = format!(
                    "{marker}{}-{} free ({})",
                    g.start.format("%H:%M"),
                    g.end.format("%H:%M"),
                    duration_label(g.minutes())
                );
                let style = if long_enough { theme::done() } else { theme::dim() };
                rows.push((Line::styled(text, style), Some(item)));
            }
            Entry::Found(s) => {
                let end = s.start() + TimeDelta::minutes(s.minutes as i64);
                let other = match day.grouping {
                    Grouping::Clinician => model.clinic.room_name(&s.room),
                    Grouping::Room => model.clinic.clinician_name(&s.clinician),
                };
                let time = format!("{marker}{}-{}", s.time.format("%H:%M"), end.format("%H:%M"));
                if one_line {
                    let text = format!("{time} ★ FOUND: free slot · {other}");
                    rows.push((Line::styled(fit(&text, w), theme::focus()), Some(item)));
                } else {
                    rows.push((
                        Line::styled(format!("{time} ★ FOUND: free slot"), theme::focus()),
                        Some(item),
                    ));
                    let text = format!("{:13}{other}", "");
                    rows.push((Line::styled(fit(&text, w), theme::focus()), Some(item)));
                }
            }
        }
    }
    rows
}

/// Why a booking needs a look: double-booked, or outside opening hours.
fn booking_flag(b: &AgendaBooking, day: &DayAgenda) -> Option<&'static str> {
    if b.overlaps {
        Some("DOUBLE-BOOKED")
    } else if b.outside_hours && day.hours.is_some() {
        Some("outside hours")
    } else {
        None
    }
}

fn flag_style(flag: Option<&str>) -> Style {
    if flag.is_some() {
        theme::error()
    } else {
        Style::default()
    }
}

/// Draws the rows that fit, scrolled so the selection shows (when `holds_selection`).
/// When not all fit, the last line says how many are above or below.
fn draw_rows(
    model: &Model,
    frame: &mut Frame,
    area: Rect,
    rows: &[Row],
    selected: usize,
    holds_selection: bool,
) {
    let height = area.height as usize;
    if height == 0 {
        return;
    }
    let overflow = rows.len() > height;
    let view_h = if overflow { (height - 1).max(1) } else { height };
    let mut offset = 0;
    if holds_selection {
        let first = rows.iter().position(|(_, i)| *i == Some(selected));
        let last = rows.iter().rposition(|(_, i)| *i == Some(selected));
        offset = model.screens.agenda.offset.get();
        if let (Some(first), Some(last)) = (first, last) {
            if first < offset {
                offset = first;
            } else if last >= offset + view_h {
                offset = last + 1 - view_h;
            }
        }
        offset = offset.min(rows.len().saturating_sub(view_h));
        model.screens.agenda.offset.set(offset);
    }
    let focused = model.overlay == Overlay::None;
    let end = (offset + view_h).min(rows.len());
    let mut lines: Vec<Line> = rows[offset..end]
        .iter()
        .map(|(line, item)| {
            if *item == Some(selected) && holds_selection {
                line.clone().patch_style(theme::selected(focused))
            } else {
                line.clone()
            }
        })
        .collect();
    if overflow && height > 1 {
        let mut more = Vec::new();
        if offset > 0 {
            more.push(format!("↑ {offset} lines above"));
        }
        if end < rows.len() {
            more.push(format!("↓ {} below", rows.len() - end));
        }
        lines.push(Line::styled(format!(" {} (j/k)", more.join(" · ")), theme::dim()));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

// ---------------------------------------------------------------------------------
// Week view.

fn draw_week(model: &Model, frame: &mut Frame, area: Rect) {
    let monday = week_start(model.screens.agenda.date);
    let days: Vec<DayAgenda> = (0..7)
        .map(|i| agenda::day_of(model, monday + TimeDelta::days(i)))
        .collect();
    // Columns: every lane any day of the week has, in the order they first appear.
    let mut columns: Vec<(Option<String>, String)> = Vec::new();
    for lane in days.iter().flat_map(|d| &d.lanes) {
        if !columns.iter().any(|(id, _)| *id == lane.id) {
            columns.push((lane.id.clone(), lane.name.clone()));
        }
    }
    // Unassigned visits last.
    columns.sort_by_key(|(id, _)| id.is_none());

    let [summary, head, body] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let total: usize = days.iter().map(DayAgenda::booking_count).sum();
    let free: i64 = days
        .iter()
        .flat_map(|d| &d.lanes)
        .filter(|l| l.id.is_some())
        .map(Lane::free_minutes)
        .sum();
    let sunday = monday + TimeDelta::days(6);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                format!(
                    "Week {} to {} ",
                    monday.format("%a %Y-%m-%d"),
                    sunday.format("%a %m-%d")
                ),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(
                " {total} booking{} · {} free",
                if total == 1 { "" } else { "s" },
                duration_label(free)
            )),
        ])),
        summary,
    );

    let day_w: u16 = 12;
    let room = area.width.saturating_sub(day_w);
    let fit_cols = ((room + 1) / (MIN_WEEK_COLUMN + 1)).max(1) as usize;
    let shown = columns.len().min(fit_cols);
    let col_w = if shown == 0 {
        0
    } else {
        (room + 1) / shown as u16 - 1
    } as usize;
    let mut head_spans = vec![Span::raw(format!("{:w$}", "", w = day_w as usize))];
    for (_, name) in columns.iter().take(shown) {
        head_spans.push(Span::styled(fit_pad(name, col_w), theme::header()));
        head_spans.push(Span::raw(" "));
    }
    if shown < columns.len() {
        head_spans.push(Span::styled(
            format!("+{} more", columns.len() - shown),
            theme::dim(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(head_spans)), head);

    let per_day = ((body.height as usize) / 7).max(1);
    let focused = model.overlay == Overlay::None;
    let mut lines: Vec<Line> = Vec::new();
    for day in &days {
        let is_sel = day.date == model.screens.agenda.date;
        let mut cells: Vec<Vec<Span<'static>>> = vec![Vec::new(); per_day];
        for (id, _) in columns.iter().take(shown) {
            let lane = day.lanes.iter().find(|l| l.id == *id);
            let texts = week_cell(lane, day, per_day, col_w);
            for (r, cell) in cells.iter_mut().enumerate() {
                let (text, style) = texts.get(r).cloned().unwrap_or_default();
                cell.push(Span::styled(fit_pad(&text, col_w), style));
                cell.push(Span::raw(" "));
            }
        }
        for (r, cell) in cells.into_iter().enumerate() {
            let label = match r {
                0 => format!(
                    "{}{}",
                    if is_sel && focused { "▶" } else { " " },
                    day.date.format("%a %d %b")
                ),
                1 if day.date == model.today => " today".into(),
                1 if day.hours.is_none() => " closed".into(),
                _ => String::new(),
            };
            let label_style = if is_sel {
                theme::selected(focused)
            } else if day.hours.is_none() {
                theme::dim()
            } else {
                Style::default()
            };
            let mut spans = vec![
                Span::styled(fit_pad(&label, day_w as usize - 1), label_style),
                Span::raw(" "),
            ];
            spans.extend(cell);
            lines.push(Line::from(spans));
        }
    }
    frame.render_widget(Paragraph::new(lines), body);
}

/// The lines of one day in one column of the week view: the count and free time, then
/// the first bookings.
fn week_cell(lane: Option<&Lane>, day: &DayAgenda, lines: usize, width: usize) -> Vec<(String, Style)> {
    let Some(lane) = lane else {
        let text = if day.hours.is_none() { "closed" } else { "-" };
        return vec![(text.into(), theme::dim())];
    };
    let count = lane.booking_count();
    let mut first = if lane.id.is_some() && day.hours.is_some() {
        format!("{count} booked · {} free", duration_label(lane.free_minutes()))
    } else {
        format!("{count} booked")
    };
    if lane.bookings().any(|b| booking_flag(b, day).is_some()) {
        first.insert_str(0, "! ");
    }
    let style = if count == 0 {
        theme::done()
    } else {
        Style::default()
    };
    let mut out = vec![(first, style)];
    let bookings: Vec<&AgendaBooking> = lane.bookings().collect();
    let room_for = lines.saturating_sub(1);
    for (i, b) in bookings.iter().enumerate().take(room_for) {
        // The last line that fits says how many more there are.
        let more = if i + 1 == room_for && bookings.len() > room_for {
            format!(" +{}", bookings.len() - room_for)
        } else {
            String::new()
        };
        let text = if width >= 44 {
            let (start, end) = (b.start.format("%H:%M"), b.end.format("%H:%M"));
            format!(
                "{start}-{end} {} {} · {}",
                b.patient_name,
                b.visit,
                b.other(day.grouping)
            )
        } else {
            format!("{} {}", b.start.format("%H:%M"), b.patient_name)
        };
        let text = fit(&text, width.saturating_sub(more.len()));
        out.push((format!("{text}{more}"), status_style(b.status)));
    }
    out
}
