//! The recovery checklist of the selected session: each aftercare item with its due
//! date. Overdue items are red *and* marked "[!] OVERDUE", so they read without colour.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::app::model::{Model, Pane};
use crate::domain::aftercare::{ItemState, due_date};
use crate::domain::series::Session;

use super::{pane_block, theme};

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let session_index = model.session;
    let session = model.current_series().and_then(|s| s.sessions.get(session_index));
    let title = match session {
        Some(s) if area.width >= 60 => {
            format!(
                "{} · session {} ({})",
                Pane::Checklist.title(),
                session_index + 1,
                s.date
            )
        }
        Some(s) => format!(
            "Checklist · session {} ({})",
            session_index + 1,
            s.date.format("%m-%d")
        ),
        None => Pane::Checklist.title().to_string(),
    };
    let block = pane_block(model, Pane::Checklist, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(session) = session else {
        let text = if model.selected_patient().is_some() {
            "No session yet: the checklist follows the session chosen in the plan."
        } else {
            ""
        };
        frame.render_widget(
            Paragraph::new(text).style(theme::dim()).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    };
    if session.checklist.is_empty() {
        preview(model, session, frame, inner);
    } else {
        entries(model, session, frame, inner);
    }
}

fn entries(model: &Model, session: &Session, frame: &mut Frame, area: Rect) {
    let wide = area.width >= 60;
    let done_format = if wide { "%m-%d %H:%M" } else { "%m-%d" };
    let selected = model.checklist_item.min(session.checklist.len() - 1);
    // The selected item's whole text sits under the table: long items are cut in rows.
    let [table_area, detail] = Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(area);
    let e = &session.checklist[selected];
    let detail_text = Line::from(vec![
        Span::styled(format!("day {} ▸ ", e.day), theme::focus()),
        Span::raw(e.text.clone()),
    ]);
    frame.render_widget(Paragraph::new(detail_text).wrap(Wrap { trim: true }), detail);
    let rows = session.checklist.iter().map(|e| {
        let (mark, state, style) = match e.state(session.date, model.today) {
            ItemState::Done(at) => ("[x]", format!("done {}", at.format(done_format)), theme::done()),
            ItemState::Overdue(_) => ("[!]", "OVERDUE".to_string(), theme::overdue()),
            ItemState::DueToday => ("[ ]", "due today".to_string(), theme::due_today()),
            ItemState::Upcoming(_) => ("[ ]", String::new(), ratatui::style::Style::default()),
        };
        Row::new(vec![
            Cell::from(Span::styled(mark, style)),
            Cell::from(if wide {
                format!("day {}", e.day)
            } else {
                String::new()
            }),
            Cell::from(short_date(e.due_date(session.date))),
            Cell::from(Span::styled(state, style)),
            Cell::from(e.text.clone()),
        ])
    });
    let focused = model.focus == Pane::Checklist;
    let table = Table::new(rows, widths(wide))
        .header(Row::new(["", "When", "Due", "State", "Item"]).style(theme::header()))
        .row_highlight_style(theme::selected(focused))
        .column_spacing(1);
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, table_area, &mut state);
}

/// For a session not yet done: what the checklist will hold, dimmed, with the reason.
fn preview(model: &Model, session: &Session, frame: &mut Frame, area: Rect) {
    let wide = area.width >= 60;
    let note = Line::styled(
        format!(
            "Session is {}: the checklist starts when it is marked done. Preview:",
            session.status.label()
        ),
        theme::warning(),
    );
    frame.render_widget(Paragraph::new(note), Rect { height: 1, ..area });
    let rows = model.templates.aftercare.iter().map(|item| {
        Row::new(vec![
            Cell::from("[ ]"),
            Cell::from(if wide {
                format!("day {}", item.day)
            } else {
                String::new()
            }),
            Cell::from(short_date(due_date(session.date, item.day))),
            Cell::from(""),
            Cell::from(item.text.clone()),
        ])
        .style(theme::dim())
    });
    let table = Table::new(rows, widths(wide)).column_spacing(1);
    let rest = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    };
    frame.render_widget(table, rest);
}

fn widths(wide: bool) -> [Constraint; 5] {
    [
        Constraint::Length(3),
        Constraint::Length(if wide { 6 } else { 0 }),
        Constraint::Length(5),
        Constraint::Length(if wide { 16 } else { 10 }),
        Constraint::Min(10),
    ]
}

fn short_date(d: NaiveDate) -> String {
    d.format("%m-%d").to_string()
}
