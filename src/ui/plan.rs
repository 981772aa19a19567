//! The treatment plan: who the patient is, the current series, and its sessions.
//! A booked session that the current rules would refuse (a closed date added on its
//! day, a contraindication or washout recorded since: `app::standing`) is flagged on its
//! row with the reason, and the selected one says it in full above the table.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::app::clinical_rules;
use crate::app::model::{Model, Pane, ReadOnly};
use crate::app::standing::{self, Refused};
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
    let head: usize = head_parts(model, p, width.saturating_sub(2))
        .iter()
        .map(|part| part.lines.len())
        .sum();
    let body = match p.current_series() {
        Some(s) => 1 + s.sessions.len(),
        None => 3,
    };
    (2 + head + body) as u16
}

/// Session rows the table keeps in view however much the patient's head has to say:
/// the plan is about the sessions, and the head gives way first.
const MIN_SESSION_ROWS: usize = 3;

/// A piece of the head above the session table. When the pane is short, a part first
/// shrinks to its one-line `compact` form, then the least important parts are left out
/// (the consult screen, 4, shows everything).
struct Part {
    /// Higher is kept longer.
    keep: u8,
    lines: Vec<Line<'static>>,
    compact: Option<Line<'static>>,
}

impl Part {
    fn new(keep: u8, lines: Vec<Line<'static>>) -> Self {
        Self {
            keep,
            lines,
            compact: None,
        }
    }

    /// A wrapped text that shrinks to its first line cut with "…".
    fn wrapped(keep: u8, text: &str, width: usize, style: Style) -> Self {
        let lines: Vec<String> = super::wrap_words(text, width);
        let compact = (lines.len() > 1).then(|| Line::styled(super::fit(text, width), style));
        Self {
            keep,
            lines: lines.into_iter().map(|l| Line::styled(l, style)).collect(),
            compact,
        }
    }
}

/// The head's parts in the order they are drawn.
fn head_parts(model: &Model, p: &Patient, width: u16) -> Vec<Part> {
    let w = usize::from(width.max(20));
    let mut parts = Vec::new();
    let read_only = read_only_lines(model, p, width);
    if !read_only.is_empty() {
        parts.push(Part::new(9, read_only));
    }
    let mut who = vec![Span::styled(
        p.full_name.clone(),
        Style::default().add_modifier(ratatui::style::Modifier::BOLD),
    )];
    if let Some(dob) = p.date_of_birth {
        who.push(Span::raw(format!("  born {dob}")));
    }
    parts.push(Part::new(9, vec![Line::from(who)]));
    let contact: Vec<&str> = [p.phone.as_str(), p.email.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !contact.is_empty() {
        parts.push(Part::new(3, vec![Line::from(contact.join("  "))]));
    }
    let missed = attendance(p);
    if !missed.is_clean() {
        let line = Line::styled(format!("Missed: {}", missed.label()), theme::warning());
        parts.push(Part::new(6, vec![line]));
    }
    if !p.notes.is_empty() {
        parts.push(Part::wrapped(1, &format!("Notes: {}", p.notes), w, theme::dim()));
    }
    parts.extend(clinical_parts(model, p, w));
    if let Some(series) = p.current_series() {
        let [name, detail] = series_lines(series, p.series.len());
        parts.push(Part::new(5, vec![name]));
        parts.push(Part::new(2, vec![detail]));
    }
    parts
}

/// Fits the head into `budget` rows: compact forms first, then the least important
/// parts leave (the later of two equally important ones first).
fn fit_head(mut parts: Vec<Part>, budget: usize) -> Vec<Line<'static>> {
    let total = |parts: &[Part]| parts.iter().map(|p| p.lines.len()).sum::<usize>();
    if total(&parts) > budget {
        for part in &mut parts {
            if let Some(line) = part.compact.take() {
                part.lines = vec![line];
            }
        }
    }
    while total(&parts) > budget {
        let Some(drop) = (0..parts.len()).rev().min_by_key(|&i| parts[i].keep) else {
            break;
        };
        if parts[drop].keep >= 9 {
            break;
        }
        parts.remove(drop);
    }
    parts.into_iter().flat_map(|p| p.lines).collect()
}

/// Why the record cannot be changed here, first in the pane so that no one types an
/// edit only to be refused. Empty for an editable record.
fn read_only_lines(model: &Model, p: &Patient, width: u16) -> Vec<Line<'static>> {
    let Some(r) = model.read_only_of(&p.id) else {
        return Vec::new();
    };
    let width = usize::from(width.max(20));
    let full = format!("READ-ONLY: {}", r.message().trim_start_matches("read-only: "));
    // One line keeps the sessions in view in a narrow pane; the status line gives the
    // whole message when a key is refused.
    let text = if full.chars().count() <= width {
        full
    } else {
        match r {
            ReadOnly::NewerVersion(v) => format!("READ-ONLY: newer needleplan, schema {v}"),
        }
    };
    super::wrap_words(&text, width)
        .into_iter()
        .map(|l| Line::styled(l, theme::warning()))
        .collect()
}

/// The clinical parts of the head: the PIH caution, the scar trend, the prompts before
/// every upcoming session (antiviral prophylaxis), and what the selected session still
/// misses before it can be marked done. Wrapped to `width`.
fn clinical_parts(model: &Model, p: &Patient, width: usize) -> Vec<Part> {
    let mut out = Vec::new();
    if let Some(pih) = clinical_rules::pih_text(&model.templates, p) {
        out.push(Part::wrapped(7, &pih, width, theme::warning()));
    }
    if let Some(trend) = clinical_rules::trend_text(p) {
        out.push(Part::wrapped(4, &trend, width, Style::default()));
    }
    let Some(series) = p.current_series() else {
        return out;
    };
    if series.sessions.iter().any(|s| s.status.is_upcoming()) {
        for prompt in clinical_rules::session_prompts(&model.templates, p) {
            out.push(Part::wrapped(
                7,
                &format!("Every session: {prompt}"),
                width,
                theme::warning(),
            ));
        }
    }
    let index = model.session.min(series.sessions.len().saturating_sub(1));
    if let Some(why) = standing::refused_bookings(model, p).remove(&index) {
        let full: Vec<&str> = why.iter().map(|r| r.full.as_str()).collect();
        let text = format!(
            "Session {} is booked but now refused: {}. Move it (e) or cancel it.",
            index + 1,
            full.join("; ")
        );
        let mut part = Part::wrapped(8, &text, width, theme::warning());
        if part.compact.is_some() {
            // Short of rows, the reason comes first.
            let short: Vec<&str> = why.iter().map(|r| r.short.as_str()).collect();
            let line = format!("Session {} now refused: {}", index + 1, short.join("; "));
            part.compact = Some(Line::styled(super::fit(&line, width), theme::warning()));
        }
        out.push(part);
    }
    if series.sessions.get(index).is_some_and(|s| s.status.is_upcoming()) {
        let missing = clinical_rules::missing(&model.templates, p, p.series.len() - 1, index);
        if !missing.is_empty() {
            // One line, cut at the pane's edge; the consult screen (4) lists everything.
            let items: Vec<String> = missing.iter().map(clinical_rules::short_text).collect();
            let line = Line::styled(
                format!(
                    "Session {} not ready ({} missing): {}",
                    index + 1,
                    items.len(),
                    items.join(", ")
                ),
                theme::warning(),
            );
            out.push(Part::new(7, vec![line]));
        }
    }
    out
}

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    // The patient's id in the title: what `export-ics`, `handout` and the agenda use.
    let title = match model.selected_patient() {
        Some(p) => format!("{} · id {}", Pane::Plan.title(), p.id),
        None => Pane::Plan.title().to_string(),
    };
    let block = pane_block(model, Pane::Plan, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(patient) = model.selected_patient() else {
        frame.render_widget(Paragraph::new("No patient selected.").style(theme::dim()), inner);
        return;
    };

    let parts = head_parts(model, patient, inner.width);
    match patient.current_series() {
        None => {
            let mut lines = fit_head(parts, usize::from(inner.height).saturating_sub(3));
            lines.push(Line::raw(""));
            lines.push(Line::raw("No treatment series yet."));
            if model.read_only_of(&patient.id).is_none() {
                lines.push(Line::styled(
                    "Press n to plan a series from a protocol.",
                    theme::focus(),
                ));
            }
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
        }
        Some(series) => {
            let table_rows = 1 + series.sessions.len().clamp(1, MIN_SESSION_ROWS);
            let lines = fit_head(parts, usize::from(inner.height).saturating_sub(table_rows));
            let head = lines.len() as u16;
            let [top, table_area] =
                Layout::vertical([Constraint::Length(head), Constraint::Min(1)]).areas(inner);
            frame.render_widget(Paragraph::new(lines), top);
            let refused = standing::refused_bookings(model, patient);
            sessions_table(model, series, &refused, frame, table_area);
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
            "{} sessions, every {} days (minimum {}) · {} done{}",
            s.course_size(),
            s.interval_days,
            s.min_interval_days,
            s.progress(),
            match s.short_count() {
                0 => String::new(),
                n => format!(" · {n} cancelled or missed to replace"),
            }
        )),
    ]
}

/// The sessions; `refused` holds the reasons of the booked ones the rules now refuse.
fn sessions_table(
    model: &Model,
    series: &Series,
    refused: &BTreeMap<usize, Vec<Refused>>,
    frame: &mut Frame,
    area: Rect,
) {
    if series.sessions.is_empty() {
        let text = match model.selected_id().and_then(|id| model.read_only_of(&id)) {
            Some(_) => "No sessions.",
            None => "No sessions. Press a to add one.",
        };
        frame.render_widget(Paragraph::new(text), area);
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
        let why = refused.get(&i);
        let (status, style) = if s.status.is_upcoming() && s.date < model.today {
            let status = if wide {
                format!("{} (past)", s.status.label())
            } else {
                format!("!{}", s.status.label())
            };
            (status, style)
        } else if why.is_some() {
            // Readable without colour: the "!" and the note say it.
            (format!("!{}", s.status.label()), theme::warning())
        } else {
            (s.status.label().to_string(), style)
        };
        let notes = match why {
            Some(why) => {
                let short: Vec<&str> = why.iter().map(|r| r.short.as_str()).collect();
                let mut text = format!("now refused: {}", short.join("; "));
                if !s.notes.is_empty() {
                    text.push_str(&format!(" · {}", s.notes));
                }
                Cell::from(Span::styled(text, theme::warning()))
            }
            None => Cell::from(s.notes.clone()),
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
            notes,
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
