//! The treatment plan: who the patient is, the current series, and its sessions.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::app::clinical_rules;
use crate::app::model::{Model, Pane};
use crate::domain::patient::Patient;
use crate::domain::queues::attendance;
use crate::domain::series::{Series, SessionStatus};

use super::{pane_block, theme};

/// Rows the pane needs to show the patient and every session without scrolling, in a
/// pane `width` columns wide (the clinical lines wrap).
pub fn height_needed(model: &Model, width: u16) -> u16 {
    let Some(p) = model.selected_patient() else {
        return 0;
    };
    let contact = usize::from(!p.phone.is_empty() || !p.email.is_empty());
    let notes = usize::from(!p.notes.is_empty());
    let missed = usize::from(!attendance(p).is_clean());
    let clinical = clinical_lines(model, p, width.saturating_sub(2)).len();
    let body = match p.current_series() {
        Some(s) => 2 + 1 + s.sessions.len(),
        None => 4,
    };
    (2 + 1 + contact + notes + missed + clinical + body) as u16
}

/// The clinical lines of the plan: the PIH caution, the scar trend, the prompts before
/// every upcoming session (antiviral prophylaxis), and what the selected session still
/// misses before it can be marked done. Wrapped to `width`.
fn clinical_lines(model: &Model, p: &Patient, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.max(20));
    let mut out = Vec::new();
    let mut push = |text: String, style: Style| {
        out.extend(wrap(&text, width).into_iter().map(|l| Line::styled(l, style)));
    };
    if let Some(pih) = clinical_rules::pih_text(&model.templates, p) {
        push(pih, theme::warning());
    }
    if let Some(trend) = clinical_rules::trend_text(p) {
        push(trend, Style::default());
    }
    let Some(series) = p.current_series() else {
        return out;
    };
    if series.sessions.iter().any(|s| s.status.is_upcoming()) {
        for prompt in clinical_rules::session_prompts(&model.templates, p) {
            push(format!("Every session: {prompt}"), theme::warning());
        }
    }
    let index = model.session.min(series.sessions.len().saturating_sub(1));
    if series.sessions.get(index).is_some_and(|s| s.status.is_upcoming()) {
        let missing = clinical_rules::missing(&model.templates, p, p.series.len() - 1, index);
        if !missing.is_empty() {
            // One line, cut at the pane's edge: the session table must stay in view at
            // 80x24; the consult screen (4) lists everything.
            let items: Vec<String> = missing.iter().map(clinical_rules::short_text).collect();
            out.push(Line::styled(
                format!(
                    "Session {} not ready ({} missing): {}",
                    index + 1,
                    items.len(),
                    items.join(", ")
                ),
                theme::warning(),
            ));
        }
    }
    out
}

/// Greedy word wrap (the texts are short and mostly ASCII).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let fits = line.chars().count() + 1 + word.chars().count() <= width;
        if !line.is_empty() && !fits {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let block = pane_block(model, Pane::Plan, Pane::Plan.title().to_string());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(patient) = model.selected_patient() else {
        frame.render_widget(Paragraph::new("No patient selected.").style(theme::dim()), inner);
        return;
    };

    let mut who = vec![Span::styled(
        patient.full_name.clone(),
        Style::default().add_modifier(ratatui::style::Modifier::BOLD),
    )];
    if let Some(dob) = patient.date_of_birth {
        who.push(Span::raw(format!("  born {dob}")));
    }
    let contact: Vec<&str> = [patient.phone.as_str(), patient.email.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    let mut lines = vec![Line::from(who)];
    if !contact.is_empty() {
        lines.push(Line::from(contact.join("  ")));
    }
    let missed = attendance(patient);
    if !missed.is_clean() {
        lines.push(Line::styled(
            format!("Missed: {}", missed.label()),
            theme::warning(),
        ));
    }
    if !patient.notes.is_empty() {
        lines.push(Line::styled(format!("Notes: {}", patient.notes), theme::dim()));
    }
    lines.extend(clinical_lines(model, patient, inner.width));
    match patient.current_series() {
        None => {
            lines.push(Line::raw(""));
            lines.push(Line::raw("No treatment series yet."));
            lines.push(Line::styled(
                "Press n to plan a series from a protocol.",
                theme::focus(),
            ));
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
        }
        Some(series) => {
            lines.extend(series_lines(series, patient.series.len()));
            let head = lines.len() as u16;
            let [top, table_area] =
                Layout::vertical([Constraint::Length(head), Constraint::Min(1)]).areas(inner);
            frame.render_widget(Paragraph::new(lines), top);
            sessions_table(model, series, frame, table_area);
        }
    }
}

fn series_lines(s: &Series, count: usize) -> [Line<'static>; 2] {
    let earlier = if count > 1 {
        format!("  ({} earlier series)", count - 1)
    } else {
        String::new()
    };
    [
        Line::from(vec![
            Span::styled("Series:", theme::header()),
            Span::raw(format!(" {}{earlier}", s.protocol_name)),
        ]),
        Line::raw(format!(
            "{} sessions, every {} days (minimum {}) · {} done",
            s.planned_count(),
            s.interval_days,
            s.min_interval_days,
            s.progress()
        )),
    ]
}

fn sessions_table(model: &Model, series: &Series, frame: &mut Frame, area: Rect) {
    if series.sessions.is_empty() {
        frame.render_widget(Paragraph::new("No sessions. Press a to add one."), area);
        return;
    }
    let wide = area.width >= 60;
    let rows = series.sessions.iter().enumerate().map(|(i, s)| {
        let style = match s.status {
            SessionStatus::Done => theme::done(),
            SessionStatus::Cancelled | SessionStatus::NoShow => theme::dim(),
            _ if s.date < model.today => theme::warning(),
            _ => Style::default(),
        };
        let status = if s.status.is_upcoming() && s.date < model.today {
            if wide {
                format!("{} (past)", s.status.label())
            } else {
                format!("!{}", s.status.label())
            }
        } else {
            s.status.label().to_string()
        };
        Row::new(vec![
            Cell::from(format!("{}", i + 1)),
            Cell::from(
                s.date
                    .format(if wide { "%Y-%m-%d %a" } else { "%Y-%m-%d" })
                    .to_string(),
            ),
            Cell::from(
                s.time
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_else(|| "--:--".into()),
            ),
            Cell::from(Span::styled(status, style)),
            Cell::from(s.notes.clone()),
        ])
    });
    let widths = [
        Constraint::Length(2),
        Constraint::Length(if wide { 14 } else { 10 }),
        Constraint::Length(5),
        Constraint::Length(if wide { 16 } else { 10 }),
        Constraint::Min(6),
    ];
    let focused = model.focus == Pane::Plan;
    let table = Table::new(rows, widths)
        .header(Row::new(["#", "Date", "Time", "Status", "Notes"]).style(theme::header()))
        .row_highlight_style(theme::selected(focused))
        .highlight_symbol(if focused { "▶" } else { " " })
        .column_spacing(1);
    let mut state = TableState::default().with_selected(Some(model.session.min(series.sessions.len() - 1)));
    frame.render_stateful_widget(table, area, &mut state);
}
