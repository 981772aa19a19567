//! Small popups: the help overlay (built from the keymap), the archive confirmation and
//! the list of files that failed to load.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use crate::app::keymap::{FILTER_KEYS, FORM_KEYS, MAIN_KEYS, Scope};
use crate::app::model::{Model, Pane};
use crate::domain::patient::PatientId;

use super::{centered, theme};

fn popup(title: &str, frame: &mut Frame, rect: Rect) -> Rect {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme::focus())
        .title(format!(" {title} "));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    inner
}

/// Every key in effect, grouped the way staff meet them. Generated from the same tables
/// that handle the keys, so it cannot disagree with them.
pub fn help_lines() -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let section = |title: &str, rows: Vec<(String, String)>, lines: &mut Vec<Line<'static>>| {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(title.to_string(), theme::header()));
        for (key, what) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {key:<16}"), theme::focus()),
                Span::raw(what),
            ]));
        }
    };
    let scoped = |scope: Scope| -> Vec<(String, String)> {
        MAIN_KEYS
            .iter()
            .filter(|b| b.scope == scope)
            .map(|b| (b.keys_label(), b.help.to_string()))
            .collect()
    };
    section("Everywhere", scoped(Scope::Everywhere), &mut lines);
    for pane in Pane::ALL {
        section(pane.title(), scoped(Scope::Pane(pane)), &mut lines);
    }
    let pairs = |t: &[(&str, &str)]| t.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    section("While filtering", pairs(FILTER_KEYS), &mut lines);
    section("In a form", pairs(FORM_KEYS), &mut lines);
    lines
}

pub fn help(scroll: usize, frame: &mut Frame, area: Rect) {
    let lines = help_lines();
    let rect = centered(area, 76, lines.len() as u16 + 2);
    let inner = popup("Keys (j/k scroll, any other key closes)", frame, rect);
    let max = lines.len().saturating_sub(inner.height as usize);
    frame.render_widget(Paragraph::new(lines).scroll((scroll.min(max) as u16, 0)), inner);
}

pub fn confirm_archive(model: &Model, id: &PatientId, frame: &mut Frame, area: Rect) {
    let Some(p) = model.patient(id) else { return };
    let (verb, effect) = if p.archived {
        ("Restore", "They will show in the list again.")
    } else {
        (
            "Archive",
            "They will be hidden from the list (A shows them); nothing is deleted.",
        )
    };
    let lines = vec![
        Line::raw(format!("{verb} {}?", p.full_name)),
        Line::styled(effect, theme::dim()),
        Line::raw(""),
        Line::from(vec![
            Span::styled(" y ", theme::key()),
            Span::raw(format!(" {} ", verb.to_lowercase())),
            Span::styled(" any other key ", theme::key()),
            Span::raw(" keep as is"),
        ]),
    ];
    let rect = centered(area, 72, 6);
    let inner = popup(&format!("{verb} patient"), frame, rect);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

pub fn problems(model: &Model, frame: &mut Frame, area: Rect) {
    let mut lines: Vec<Line> = if model.problems.is_empty() {
        vec![Line::raw("No problems: every file loaded.")]
    } else {
        let mut l = vec![
            Line::raw("These files were not loaded and are left untouched on disk:"),
            Line::raw(""),
        ];
        l.extend(
            model
                .problems
                .iter()
                .map(|p| Line::styled(format!("• {p}"), theme::error())),
        );
        l
    };
    lines.push(Line::raw(""));
    lines.push(Line::styled("Any key closes.", theme::dim()));
    let inner_w = area.width.saturating_sub(6).max(1) as usize;
    let rows: u16 = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_w).max(1) as u16)
        .sum();
    let rect = centered(area, area.width.saturating_sub(4), rows + 2);
    let inner = popup("Problems", frame, rect);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
