//! The queues screen: three lists the front desk works from, as tabs. Draws the lists
//! cached in `model.screens.queues` (built by `app::queues`), only the rows on screen.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::app::model::{Model, Overlay};
use crate::app::queues::{Entry, QueueTab, QueuesState};
use crate::domain::queues::REVIEW_GRACE_DAYS;

use super::fit;
use super::patient_list::{attendance_marker, name_with_marker};
use super::theme;

/// From this inner width on, the rows show the series and the date with its weekday.
const WIDE: u16 = 120;

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let q = &model.screens.queues;
    let focused = model.overlay == Overlay::None;
    let built = q
        .built_at
        .map(|t| format!(" · as of {}", t.format("%H:%M")))
        .unwrap_or_default();
    let stale = if q.is_stale(model) {
        " · records changed since: r rebuilds"
    } else {
        " (r rebuilds)"
    };
    let block = super::framed(focused, format!(" ▶ Queues{built}{stale} "));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let detail_h = if inner.height >= 30 { 3 } else { 2 };
    let [tabs_area, about_area, table_area, detail_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(detail_h),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(tabs_line(q, tabs_area.width)), tabs_area);
    frame.render_widget(
        Paragraph::new(Line::styled(about(model, q.tab), theme::dim())),
        about_area,
    );

    let rows = q.current();
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(empty_text(model, q.tab)).wrap(Wrap { trim: true }),
            Rect {
                y: table_area.y + 1,
                height: table_area.height.saturating_sub(1),
                ..table_area
            },
        );
        return;
    }
    let selected = q.selected[q.tab.index()].min(rows.len() - 1);
    table(model, q, rows, selected, frame, table_area);
    detail(model, &rows[selected], frame, detail_area);
}

/// "▶ To book (3) │ Reviews missing (1) │ Follow-ups due (5)": the current tab carries
/// the marker, so it reads without colour.
fn tabs_line(q: &QueuesState, width: u16) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, tab) in QueueTab::ALL.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" │ ", theme::dim()));
        }
        let text = format!("{} ({})", tab.title(), q.open_count(tab));
        if tab == q.tab {
            spans.push(Span::styled(
                format!("▶ {text}"),
                theme::focus().add_modifier(Modifier::REVERSED),
            ));
        } else {
            spans.push(Span::raw(format!("  {text}")));
        }
    }
    let hint = Span::styled("   Tab/Shift-Tab switch", theme::dim());
    if Line::from(spans.clone()).width() + hint.width() <= width as usize {
        spans.push(hint);
    }
    Line::from(spans)
}

fn months(model: &Model) -> String {
    let m: Vec<String> = model.clinic.review_months.iter().map(|m| m.to_string()).collect();
    match m.as_slice() {
        [] => String::new(),
        [one] => format!("the {one}-month review"),
        [init @ .., last] => format!("{}-, {last}-month reviews", init.join("-, ")),
    }
}

fn about(model: &Model, tab: QueueTab) -> String {
    match tab {
        QueueTab::ToBook => "Sessions still to book or to replace, oldest first.".into(),
        QueueTab::Reviews => format!(
            "Ended series missing {}; listed until {REVIEW_GRACE_DAYS} days past due.",
            months(model)
        ),
        QueueTab::FollowUps => {
            "Aftercare due today or overdue, all patients; Space ticks it on the patient.".into()
        }
    }
}

fn empty_text(model: &Model, tab: QueueTab) -> String {
    match tab {
        QueueTab::ToBook => {
            "Nobody to book: every series has all its sessions booked with a time, clinician and room.".into()
        }
        QueueTab::Reviews => format!(
            "No reviews missing: every series that ended has {} booked.",
            months(model)
        ),
        QueueTab::FollowUps => "No follow-ups due: no aftercare item is due today or overdue.".into(),
    }
}

/// How far off the due date is, in words: "OVERDUE 8d", "today", "in 6d", or when it was
/// ticked on this screen.
fn when(e: &Entry, today: NaiveDate) -> (String, Style) {
    if let Some(at) = e.ticked_at {
        return (format!("[x] {}", at.format("%H:%M")), theme::done());
    }
    let days = (today - e.due).num_days();
    match days {
        d if d > 0 => (format!("OVERDUE {d}d"), theme::overdue()),
        0 => ("today".into(), theme::due_today()),
        d => (format!("in {}d", -d), Style::default()),
    }
}

fn table(model: &Model, q: &QueuesState, rows: &[Entry], selected: usize, frame: &mut Frame, area: Rect) {
    let wide = area.width >= WIDE;
    let follow_ups = q.tab == QueueTab::FollowUps;
    // Fixed columns; "what" takes the rest. One column of the width is the marker.
    let (name_w, phone_w, due_w, when_w) = if wide { (28, 16, 14, 12) } else { (18, 15, 5, 12) };
    let series_w = if wide { 24 } else { 0 };
    let mut widths = vec![
        Constraint::Length(name_w),
        Constraint::Length(phone_w),
        Constraint::Length(due_w),
        Constraint::Length(when_w),
    ];
    let mut header = vec!["Patient", "Phone", "Due", "When"];
    if wide {
        widths.push(Constraint::Length(series_w));
        header.push(if follow_ups { "Session" } else { "Series" });
    }
    let gaps = widths.len() as u16;
    let fixed: u16 = name_w + phone_w + due_w + when_w + series_w;
    let what_w = area.width.saturating_sub(1 + fixed + gaps).max(6);
    widths.push(Constraint::Length(what_w));
    header.push(if follow_ups { "Aftercare item" } else { "What" });

    let body = area.height.saturating_sub(1) as usize;
    let offset = keep_visible(q, selected, rows.len(), body);
    let date_format = if wide { "%a %Y-%m-%d" } else { "%m-%d" };
    let built = rows[offset..(offset + body).min(rows.len())].iter().map(|e| {
        let (when_text, when_style) = when(e, model.today);
        let mut cells = vec![
            Cell::from(name_with_marker(
                &e.name,
                &attendance_marker(&e.attendance),
                name_w,
            )),
            Cell::from(e.phone.clone()),
            Cell::from(e.due.format(date_format).to_string()),
            Cell::from(Span::styled(when_text, when_style)),
        ];
        if wide {
            let series = match (e.item(), e.session) {
                (Some(_), Some(s)) => format!("#{} {}", s + 1, e.protocol_name),
                _ => e.protocol_name.clone(),
            };
            cells.push(Cell::from(fit(&series, series_w as usize)));
        }
        let what = fit(&e.what, what_w as usize);
        cells.push(Cell::from(if e.ticked_at.is_some() {
            Span::styled(what, theme::dim())
        } else {
            Span::raw(what)
        }));
        Row::new(cells)
    });
    let focused = model.overlay == Overlay::None;
    let table = Table::new(built, widths)
        .header(Row::new(header).style(theme::header()))
        .row_highlight_style(theme::selected(focused))
        .highlight_symbol(if focused { "▶" } else { " " })
        .column_spacing(1);
    let mut state = TableState::default().with_selected(Some(selected - offset));
    frame.render_stateful_widget(table, area, &mut state);
}

/// Scrolls only as far as needed to keep the selection on screen.
fn keep_visible(q: &QueuesState, selected: usize, len: usize, rows: usize) -> usize {
    let rows = rows.max(1);
    let cell = &q.offset[q.tab.index()];
    let mut offset = cell.get();
    if selected < offset {
        offset = selected;
    } else if selected >= offset + rows {
        offset = selected + 1 - rows;
    }
    offset = offset.min(len.saturating_sub(rows));
    cell.set(offset);
    q.page.set(rows);
    offset
}

/// The selected row in full, under the list: rows cut long texts.
fn detail(model: &Model, e: &Entry, frame: &mut Frame, area: Rect) {
    let mut spans = vec![
        Span::styled(format!("{} ▸ ", e.name), theme::focus()),
        Span::raw(e.detail(model)),
    ];
    if !e.attendance.is_clean() {
        spans.push(Span::styled(
            format!(" · {}", e.attendance.label()),
            theme::warning(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).wrap(Wrap { trim: true }), area);
}
