//! Small popups: the help overlay (built from the keymap), the archive confirmation and
//! the list of files that failed to load.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::keymap::{FILTER_KEYS, MAIN_KEYS, Scope};
use crate::app::model::{Model, Overlay, Pane};
use crate::app::overlay;
use crate::app::screen;
use crate::domain::merge::Side;
use crate::domain::patient::PatientId;

use super::{centered, theme};

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
    let mut global = screen::switch_rows();
    global.extend(scoped(Scope::Global));
    section("On every screen", global, &mut lines);
    section("Patients screen, any pane", scoped(Scope::Everywhere), &mut lines);
    for pane in Pane::ALL {
        section(pane.title(), scoped(Scope::Pane(pane)), &mut lines);
    }
    for (title, rows) in screen::help_sections() {
        section(title, rows, &mut lines);
    }
    let pairs = |t: &[(&str, &str)]| t.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    section("While filtering", pairs(FILTER_KEYS), &mut lines);
    for (title, rows) in overlay::help_sections() {
        section(title, rows, &mut lines);
    }
    lines
}

pub fn help(scroll: usize, frame: &mut Frame, area: Rect) {
    let lines = help_lines();
    let rect = centered(area, 76, lines.len() as u16 + 2);
    let inner = super::open_popup(
        &format!("Keys ({})", super::hint_text(&Overlay::Help { scroll: 0 })),
        frame,
        rect,
    );
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
        super::hint_line(&Overlay::ConfirmArchive(id.clone()).keys().bar),
    ];
    let rect = centered(area, 72, 6);
    let inner = super::open_popup(&format!("{verb} patient"), frame, rect);
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
    lines.push(super::hint_line(&Overlay::Problems.keys().bar));
    let inner_w = area.width.saturating_sub(6).max(1) as usize;
    let rows: u16 = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_w).max(1) as u16)
        .sum();
    let rect = centered(area, area.width.saturating_sub(4), rows + 2);
    let inner = super::open_popup("Problems", frame, rect);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// Two users changed the same fields of a patient: each clashing field with the base,
/// their value (and who) and mine, the side picked so far, and why a merged booking was
/// refused. Everything not listed was merged and is not asked about.
pub fn conflict(model: &Model, id: &PatientId, frame: &mut Frame, area: Rect) {
    let (Some(mine), Some(c)) = (model.patient(id), model.conflicts.get(id)) else {
        return;
    };
    let mut head = vec![Line::raw(format!(
        "{} saved {} while you were editing; changes to different fields were merged.",
        c.who, mine.full_name
    ))];
    head.push(Line::raw(format!(
        "{} field(s) changed on both sides: pick theirs or mine for each. Nothing is saved yet.",
        c.merge.clashes.len()
    )));
    if !c.refused.is_empty() {
        head.push(Line::styled(
            "The merged bookings break a rule, so they were not saved:",
            theme::error(),
        ));
        for r in &c.refused {
            head.push(Line::styled(format!("  {r}"), theme::error()));
        }
    }
    head.push(Line::raw(""));
    let mut foot = vec![Line::raw("")];
    let left = c.undecided();
    foot.push(if left > 0 {
        Line::styled(format!("{left} field(s) left to pick"), theme::warning())
    } else {
        Line::raw("every field picked: Enter saves")
    });
    foot.push(super::hint_line(&Overlay::Conflict(id.clone()).keys().bar));

    // As tall as the list needs, at most the whole screen.
    let width = area.width.saturating_sub(4).max(1) as usize;
    let rows = |lines: &[Line]| -> usize { lines.iter().map(|l| l.width().div_ceil(width).max(1)).sum() };
    let wanted = rows(&head) + rows(&foot) + 2 * c.merge.clashes.len() + 2;
    let height = (wanted as u16).min(area.height.saturating_sub(1));
    let rect = centered(area, area.width.saturating_sub(2), height);
    let inner = super::open_popup("Conflict: pick theirs or mine per field", frame, rect);
    let room = (inner.height as usize).saturating_sub(rows(&head) + rows(&foot));
    let per_clash = 2;
    let shown = (room / per_clash).max(1);
    let first = c.selected.saturating_sub(shown.saturating_sub(1));
    let mut body = Vec::new();
    for (i, clash) in c.merge.clashes.iter().enumerate().skip(first).take(shown) {
        let selected = i == c.selected;
        let pick = match c.picks[i] {
            Some(Side::Theirs) => "theirs",
            Some(Side::Mine) => "mine",
            None => "?",
        };
        let marker = if selected { "▶ " } else { "  " };
        let style = if selected {
            theme::selected(true)
        } else {
            theme::header()
        };
        let mut first_line = vec![Span::styled(format!("{marker}{}", clash.label), style)];
        if clash.clinical {
            first_line.push(Span::styled(" (clinical)", theme::warning()));
        }
        first_line.push(Span::raw(format!("  → {pick}")));
        body.push(Line::from(first_line));
        let chosen = |side| {
            if c.picks[i] == Some(side) {
                theme::focus()
            } else {
                theme::dim()
            }
        };
        body.push(Line::from(vec![
            Span::raw(format!("    was: {}  ", clash.base)),
            Span::styled(format!("{}: {}", c.who, clash.theirs), chosen(Side::Theirs)),
            Span::raw("  "),
            Span::styled(format!("mine: {}", clash.mine), chosen(Side::Mine)),
        ]));
    }
    if first + shown < c.merge.clashes.len() {
        body.push(Line::styled(
            format!("  … {} more below (j)", c.merge.clashes.len() - first - shown),
            theme::dim(),
        ));
    }
    let mut lines = head;
    lines.extend(body);
    lines.extend(foot);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// Which patient a free slot is booked for: the slot, what is typed, and the patients
/// that match it (the selected one in reverse video, with a marker for colourless
/// terminals).
pub fn picker(model: &Model, p: &crate::app::picker::Picker, frame: &mut Frame, area: Rect) {
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(76),
        area.height.saturating_sub(2).min(18),
    );
    let inner = super::open_popup(&Overlay::PickPatient(Box::new(p.clone())).title(), frame, rect);
    let w = usize::from(inner.width.max(10));
    let s = &p.slot;
    let end = s.start() + chrono::TimeDelta::minutes(i64::from(s.minutes));
    let mut lines = vec![
        Line::raw(super::fit(
            &format!(
                "{} {}-{} · {} · {}",
                s.date.format("%a %Y-%m-%d"),
                s.time.format("%H:%M"),
                end.format("%H:%M"),
                model.clinic.clinician_name(&s.clinician),
                model.clinic.room_name(&s.room)
            ),
            w,
        )),
        Line::from(vec![
            Span::styled("Patient: ", theme::header()),
            Span::raw(super::fit(&format!("{}▏", p.filter), w.saturating_sub(9))),
        ]),
    ];
    let matches = p.matches(model);
    // Rows left for the list: the two lines above, one blank and the hint line below.
    let room = usize::from(inner.height).saturating_sub(4).max(1);
    let first = p.selected.saturating_sub(room - 1);
    if matches.is_empty() {
        lines.push(Line::styled("no patient matches what is typed", theme::dim()));
    }
    for (i, patient) in matches.iter().enumerate().skip(first).take(room) {
        let born = patient
            .date_of_birth
            .map(|d| format!("  born {d}"))
            .unwrap_or_default();
        let text = format!("{}{born}  {}", patient.full_name, patient.phone);
        let line = if i == p.selected {
            Line::styled(super::fit(&format!("> {text}"), w), theme::selected(true))
        } else {
            Line::raw(super::fit(&format!("  {text}"), w))
        };
        lines.push(line);
    }
    while lines.len() < usize::from(inner.height).saturating_sub(1) {
        lines.push(Line::raw(""));
    }
    lines.push(super::hint_line(
        &Overlay::PickPatient(Box::new(p.clone())).keys().bar,
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// "Replace the file in exports?"
pub fn confirm_replace(e: &crate::app::exports::Export, frame: &mut Frame, area: Rect) {
    let lines = vec![
        Line::raw(format!(
            "{}/{} is there already. Replace it with the new {}?",
            crate::app::exports::EXPORTS_DIR,
            e.file_name,
            e.what
        )),
        Line::raw(""),
        super::hint_line(&Overlay::ConfirmReplaceExport(Box::new(e.clone())).keys().bar),
    ];
    let rect = centered(area, 72, 7);
    let inner = super::open_popup("Replace a file", frame, rect);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
