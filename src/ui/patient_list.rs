//! The patient list: name, phone (when it fits), series progress, next session, badge.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::app::model::{Model, Pane};
use crate::domain::patient::Patient;
use crate::domain::queues::{Attendance, attendance};
use crate::domain::status::{Badge, badge};

use super::{pane_block, theme};

const PHONE_MIN_WIDTH: u16 = 58;

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let shown = if model.show_archived {
        " incl. archived"
    } else {
        ""
    };
    let title = format!("{} ({}{shown})", Pane::Patients.title(), model.visible.len());
    let block = pane_block(model, Pane::Patients, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let filter_rows = if model.filter_typing || !model.filter.is_empty() {
        1
    } else {
        0
    };
    let list_area = Rect {
        y: inner.y + filter_rows,
        height: inner.height.saturating_sub(filter_rows),
        ..inner
    };
    if filter_rows == 1 {
        draw_filter(model, frame, Rect { height: 1, ..inner });
    }
    if model.visible.is_empty() {
        frame.render_widget(
            Paragraph::new(empty_hint(model)).wrap(Wrap { trim: true }),
            list_area,
        );
        return;
    }

    let body_rows = list_area.height.saturating_sub(1) as usize;
    let offset = keep_visible(model, body_rows);
    let with_phone = list_area.width >= PHONE_MIN_WIDTH;
    // Narrow panes drop the year: the next session is never far off.
    let (date_format, date_w) = if list_area.width >= 50 {
        ("%Y-%m-%d", 10)
    } else {
        ("%m-%d", 5)
    };
    // What the Name column gets (the rest after the fixed columns, the marker and gaps).
    let fixed = if with_phone { 16 + 1 } else { 0 } + 5 + date_w + 9 + 3;
    let name_w = list_area.width.saturating_sub(1 + fixed);
    let rows = model.visible[offset..(offset + body_rows).min(model.visible.len())]
        .iter()
        .map(|&i| row(&model.patients[i], model, with_phone, date_format, name_w));
    let mut widths = vec![Constraint::Min(12)];
    let mut header = vec!["Name"];
    if with_phone {
        widths.push(Constraint::Length(16));
        header.push("Phone");
    }
    widths.extend([
        Constraint::Length(5),
        Constraint::Length(date_w),
        Constraint::Length(9),
    ]);
    header.extend(["Done", "Next", "Status"]);
    let focused = model.focus == Pane::Patients;
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme::header()))
        .row_highlight_style(theme::selected(focused))
        .highlight_symbol(if focused { "▶" } else { " " })
        .column_spacing(1);
    let mut state = TableState::default().with_selected(Some(model.selected - offset));
    frame.render_stateful_widget(table, list_area, &mut state);
}

/// Scrolls only as far as needed to keep the selection on screen.
fn keep_visible(model: &Model, rows: usize) -> usize {
    let rows = rows.max(1);
    let mut offset = model.list_offset.get();
    if model.selected < offset {
        offset = model.selected;
    } else if model.selected >= offset + rows {
        offset = model.selected + 1 - rows;
    }
    offset = offset.min(model.visible.len().saturating_sub(rows));
    model.list_offset.set(offset);
    model.list_page.set(rows);
    offset
}

fn row<'a>(p: &'a Patient, model: &Model, with_phone: bool, date_format: &str, name_w: u16) -> Row<'a> {
    let b = badge(p, model.today);
    let series = p.current_series();
    let progress = series.map(|s| s.progress()).unwrap_or_else(|| "-".into());
    let next = series
        .and_then(|s| s.next_session())
        .map(|s| {
            if s.date == model.today {
                "today".to_string()
            } else {
                s.date.format(date_format).to_string()
            }
        })
        .unwrap_or_else(|| "-".into());
    let badge_style = match b {
        Badge::Overdue => theme::overdue(),
        Badge::Archived => theme::dim(),
        Badge::InSeries | Badge::Booked | Badge::Planned => Style::default(),
        Badge::Complete => theme::done(),
        Badge::New => theme::due_today(),
    };
    let mut cells = vec![Cell::from(name_with_marker(
        &p.full_name,
        &attendance_marker(&attendance(p)),
        name_w,
    ))];
    if with_phone {
        cells.push(Cell::from(p.phone.as_str()));
    }
    cells.extend([
        Cell::from(progress),
        Cell::from(next),
        Cell::from(if model.conflicts.contains_key(&p.id) {
            // Not a state of the record but of this screen: two versions wait for a choice.
            Span::styled("!conflict", theme::error())
        } else if model.read_only.contains_key(&p.id) {
            // In words, not only a colour: the plan says why at its top.
            Span::styled("read-only", theme::warning())
        } else {
            Span::styled(b.label(), badge_style)
        }),
    ]);
    Row::new(cells)
}

fn draw_filter(model: &Model, frame: &mut Frame, area: Rect) {
    let mut spans = vec![Span::styled("/", theme::focus()), Span::raw(model.filter.clone())];
    if model.filter_typing {
        spans.push(Span::styled("█", theme::focus()));
        spans.push(Span::styled("  Enter keep · Esc clear", theme::dim()));
    } else {
        spans.push(Span::styled(
            "  (/ to change, Esc in filter clears)",
            theme::dim(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn empty_hint(model: &Model) -> String {
    if model.patients.is_empty() {
        "No patients yet.\n\nPress a to add your first patient.\nPress ? for every key.".into()
    } else if !model.filter.is_empty() {
        format!(
            "No patient matches \"{}\".\n\nEsc (while filtering) clears the filter.",
            model.filter
        )
    } else {
        "Every patient is archived.\n\nPress A to show archived patients, or a to add one.".into()
    }
}

/// Missed appointments in a few letters: "NS2 LC1" (2 no-shows, 1 late cancellation),
/// "" when there are none. The plan spells it out.
pub(crate) fn attendance_marker(a: &Attendance) -> String {
    let mut parts = Vec::new();
    if a.no_shows > 0 {
        parts.push(format!("NS{}", a.no_shows));
    }
    if a.late_cancellations > 0 {
        parts.push(format!("LC{}", a.late_cancellations));
    }
    parts.join(" ")
}

/// A name followed by the attendance marker, within `width` columns: the name gives way
/// (cut with "…") so that the marker is never lost.
pub(crate) fn name_with_marker(name: &str, marker: &str, width: u16) -> Line<'static> {
    if marker.is_empty() {
        return Line::raw(name.to_string());
    }
    let marker_w = Span::raw(marker).width();
    let room = (width as usize).saturating_sub(marker_w + 1);
    let name = super::fit(name, room);
    Line::from(vec![
        Span::raw(format!("{name} ")),
        Span::styled(marker.to_string(), theme::warning()),
    ])
}
