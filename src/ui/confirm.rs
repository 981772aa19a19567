//! Questions after a session form: move the later sessions along (cascade), and book a
//! replacement after a cancellation or no-show. Their keys come from the tables that
//! handle them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::app::booking::when;
use crate::app::keymap::Binding;
use crate::app::model::Model;
use crate::app::rebook::{REBOOK_KEYS, Rebook};
use crate::app::reschedule::{Outcome, RESCHEDULE_KEYS, Reschedule, RescheduleAction};
use crate::domain::series::SessionStatus;

use super::{centered, theme};

/// A popup as tall as its wrapped lines, up to the whole area.
fn popup(title: &str, lines: Vec<Line<'static>>, frame: &mut Frame, area: Rect) {
    let width = area.width.saturating_sub(4).min(100);
    let inner_w = width.saturating_sub(2).max(1) as usize;
    let rows: u16 = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_w).max(1) as u16)
        .sum();
    let rect = centered(area, width, rows + 2);
    let block = super::popup_frame(title);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: false }),
        rect,
    );
}

fn key_line<A: PartialEq>(table: &[Binding<A>], action: A, style: Style, text: String) -> Line<'static> {
    let label = table
        .iter()
        .find(|b| b.action == action)
        .map(|b| b.keys_label())
        .unwrap_or_default();
    Line::from(vec![
        Span::styled(format!(" {label} "), theme::key()),
        Span::styled(format!(" {text}"), style),
    ])
}

pub fn reschedule(r: &Reschedule, frame: &mut Frame, area: Rect) {
    let old = r.base.current_series();
    let place = |i: usize| {
        old.and_then(|s| s.sessions.get(i))
            .map(|s| when(s.date, s.time))
            .unwrap_or_default()
    };
    let mut lines = vec![
        Line::raw(format!(
            "{} ({} → {}).",
            r.headline(),
            when(r.from.0, r.from.1),
            when(r.to.0, r.to.1)
        )),
        Line::raw(format!("Shift {} by the same amount?", r.later_label())),
        Line::raw(""),
    ];
    match &r.shifted {
        Ok(plan) => {
            let text = format!("shift {} too (every rule re-checked):", r.later_label());
            lines.push(key_line(
                RESCHEDULE_KEYS,
                RescheduleAction::ShiftAll,
                Style::default(),
                text,
            ));
            for m in plan.moves.iter().filter(|m| m.index != r.index) {
                lines.push(Line::raw(format!(
                    "     session {}: {} → {}",
                    m.index + 1,
                    place(m.index),
                    when(m.date, m.time)
                )));
            }
        }
        Err(_) => {
            let text = format!("not available: shifting {} breaks a rule", r.later_label());
            lines.push(key_line(
                RESCHEDULE_KEYS,
                RescheduleAction::ShiftAll,
                theme::error(),
                text,
            ));
        }
    }
    lines.extend(problems(&r.shifted));
    let alone = match &r.alone {
        Ok(_) => ("move only this one".to_string(), Style::default()),
        Err(_) => (
            "not available: moving it alone breaks a rule".to_string(),
            theme::error(),
        ),
    };
    lines.push(key_line(
        RESCHEDULE_KEYS,
        RescheduleAction::MoveOne,
        alone.1,
        alone.0,
    ));
    lines.extend(problems(&r.alone));
    lines.push(key_line(
        RESCHEDULE_KEYS,
        RescheduleAction::Back,
        Style::default(),
        "back to the form".into(),
    ));
    if let Some(note) = &r.screening_note {
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!("→ {note}"), theme::focus()));
    }
    popup(&format!("Move session {}", r.index + 1), lines, frame, area);
}

/// Each refusal (✗) or warning (⚠) of a plan, indented under its key.
fn problems(outcome: &Outcome) -> Vec<Line<'static>> {
    let (list, mark, style): (Vec<(usize, String)>, _, _) = match outcome {
        Ok(plan) => (
            plan.warnings.iter().map(|(i, v)| (*i, v.to_string())).collect(),
            "⚠",
            theme::warning(),
        ),
        Err(refused) => (refused.clone(), "✗", theme::error()),
    };
    list.iter()
        .map(|(i, v)| Line::styled(format!("     {mark} session {}: {v}", i + 1), style))
        .collect()
}

pub fn rebook(model: &Model, r: &Rebook, frame: &mut Frame, area: Rect) {
    let session = model
        .patient(&r.patient)
        .and_then(|p| p.current_series())
        .and_then(|s| s.sessions.get(r.session));
    let what = match session {
        Some(s) if s.status == SessionStatus::NoShow => "was missed (no-show)",
        Some(s) if s.cancelled_late => "was cancelled late (less than 24 h before)",
        _ => "was cancelled",
    };
    let first = match &r.eligible_note {
        Some(note) => format!("The first free slot that keeps the series valid, {note}."),
        None => "The first free slot that keeps the series valid.".to_string(),
    };
    let lines = vec![
        Line::raw(format!("Session {} {what}.", r.session + 1)),
        Line::raw(format!("Book a replacement on {}?", r.slot_text(model))),
        Line::styled(first, theme::dim()),
        Line::raw(""),
        Line::from(
            REBOOK_KEYS
                .iter()
                .flat_map(|b| {
                    let label = b.bar.unwrap_or(b.help);
                    [
                        Span::styled(format!(" {} ", b.keys_label()), theme::key()),
                        Span::raw(format!(" {label}   ")),
                    ]
                })
                .collect::<Vec<_>>(),
        ),
    ];
    popup("Book a replacement?", lines, frame, area);
}
