//! The proposed series: one row per session (date and weekday, time, clinician, room,
//! gap from the one before, what the rules say), then each problem in words. The row
//! form, while open, is drawn on top.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::app::model::Model;
use crate::app::preview::{PREVIEW_KEYS, Preview};
use crate::domain::schedule::Violation;

use super::{bars, centered, form, theme};

pub fn draw(model: &Model, p: &Preview, frame: &mut Frame, area: Rect) {
    let plan = &p.plan;
    let who = model.patient(&p.patient).map_or("", |x| x.full_name.as_str());
    let mut head = vec![Line::raw(format!(
        "{who} · {} sessions, every {} days ({}-{}) · {} min",
        plan.sessions, plan.interval_days, plan.min_interval_days, plan.max_interval_days, plan.minutes
    ))];
    head.extend(
        p.notes
            .iter()
            .map(|n| Line::styled(format!("⚠ {n}"), theme::warning())),
    );

    let mut problems: Vec<Line> = Vec::new();
    for (i, v) in &p.problems {
        let (mark, style, extra) = if v.is_warning() {
            ("⚠", theme::warning(), String::new())
        } else if p.is_overridden(*i, v) {
            let why = [*i]
                .into_iter()
                .chain(match v {
                    Violation::TooClose { neighbour, .. } => Some(*neighbour),
                    _ => None,
                })
                .find_map(|r| p.reasons.get(r).cloned().flatten())
                .unwrap_or_default();
            ("⚠", theme::warning(), format!("; overridden: {why}"))
        } else {
            ("✗", theme::error(), String::new())
        };
        problems.push(Line::styled(
            format!("{mark} session {}: {v}{extra}", i + 1),
            style,
        ));
    }
    // The same screening reason on several rows is said once, with the rows it refuses.
    let mut screening: Vec<(Vec<usize>, &str)> = Vec::new();
    for (i, text) in &p.screening {
        match screening.iter_mut().find(|(_, t)| t == text) {
            Some((rows, _)) => rows.push(i + 1),
            None => screening.push((vec![i + 1], text)),
        }
    }
    for (rows, text) in screening {
        let which = match rows.as_slice() {
            [one] => format!("session {one}"),
            _ => format!(
                "sessions {}",
                rows.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        problems.push(Line::styled(format!("✗ {which}: {text}"), theme::error()));
    }
    if let Some(note) = &p.screening_note {
        problems.push(Line::styled(format!("→ {note}"), theme::focus()));
    }
    if problems.is_empty() {
        problems.push(Line::styled("✓ every session passes every rule", theme::done()));
    }
    let keys: Vec<Span> = PREVIEW_KEYS
        .iter()
        .filter_map(|b| b.bar.map(|label| (bars::short_keys(&b.keys_label()), label)))
        .flat_map(|(k, label)| {
            [
                Span::styled(format!(" {k} "), theme::key()),
                Span::raw(format!(" {label}  ")),
            ]
        })
        .collect();

    let width = area.width.saturating_sub(4).min(110);
    let inner_w = width.saturating_sub(2).max(1) as usize;
    let rows_h = |lines: &[Line]| -> u16 {
        lines
            .iter()
            .map(|l| l.width().div_ceil(inner_w).max(1) as u16)
            .sum()
    };
    let (head_h, problems_h) = (rows_h(&head), rows_h(&problems));
    let table_h = p.rows.len() as u16 + 1;
    let rect = centered(area, width, head_h + table_h + 1 + problems_h + 2 + 2);
    let title = format!("Proposed series: {} (nothing booked yet)", p.protocol_name);
    let inner = super::open_popup(&title, frame, rect);
    let [head_area, table_area, _, problems_area, _, keys_area] = Layout::vertical([
        Constraint::Length(head_h),
        Constraint::Length(table_h),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(head).wrap(Wrap { trim: false }), head_area);
    table(model, p, frame, table_area);
    frame.render_widget(Paragraph::new(problems).wrap(Wrap { trim: false }), problems_area);
    frame.render_widget(Paragraph::new(Line::from(keys)), keys_area);

    if let Some(f) = &p.edit {
        form::draw(f, frame, area);
    }
}

fn table(model: &Model, p: &Preview, frame: &mut Frame, area: Rect) {
    let name_w = |names: Vec<&str>| {
        names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0)
            .clamp(9, 18) as u16
    };
    let clin_w = name_w(
        p.rows
            .iter()
            .map(|r| model.clinic.clinician_name(&r.clinician))
            .collect(),
    );
    let room_w = name_w(p.rows.iter().map(|r| model.clinic.room_name(&r.room)).collect());
    let rows = p.rows.iter().enumerate().map(|(i, r)| {
        let found = p.row_problems(i);
        let (check, style) = if !p.row_refusals(i).is_empty() {
            ("✗ refused", theme::error())
        } else if found.iter().any(|v| p.is_overridden(i, v)) {
            ("⚠ override", theme::warning())
        } else if !found.is_empty() {
            ("⚠ warning", theme::warning())
        } else {
            ("✓ ok", theme::done())
        };
        Row::new(vec![
            Cell::from(format!("{}", i + 1)),
            Cell::from(r.date.format("%a %Y-%m-%d").to_string()),
            Cell::from(r.time.format("%H:%M").to_string()),
            Cell::from(model.clinic.clinician_name(&r.clinician).to_string()),
            Cell::from(model.clinic.room_name(&r.room).to_string()),
            Cell::from(r.gap_days.map_or("-".to_string(), |g| format!("{g:>3}"))),
            Cell::from(Span::styled(check, style)),
        ])
    });
    let widths = [
        Constraint::Length(2),
        Constraint::Length(14),
        Constraint::Length(5),
        Constraint::Length(clin_w),
        Constraint::Length(room_w),
        Constraint::Length(4),
        Constraint::Min(9),
    ];
    let focused = p.edit.is_none();
    let table = Table::new(rows, widths)
        .header(Row::new(["#", "Date", "Time", "Clinician", "Room", "Gap", "Check"]).style(theme::header()))
        .row_highlight_style(theme::selected(focused))
        .highlight_symbol("▶")
        .column_spacing(1);
    let mut state = TableState::default().with_selected(Some(p.selected));
    frame.render_stateful_widget(table, area, &mut state);
}
