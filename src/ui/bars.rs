//! The title line, the status line and the key bar.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::action::Action;
use crate::app::keymap::{FILTER_KEYS, MAIN_KEYS, Scope};
use crate::app::model::{Model, Overlay, StatusKind};
use crate::app::screen::{self, ScreenId};

use super::theme;

pub fn title(model: &Model, frame: &mut Frame, area: Rect) {
    let warn = if model.problems.is_empty() {
        String::new()
    } else {
        format!(" {} file problem(s): press ! ", model.problems.len())
    };
    // Other users' saves since the user's last key: here, so that the status line keeps
    // the result of the user's own last action. A narrow title keeps its screen keys:
    // the counter goes to the status line's right end instead (see `status`).
    let others = match model.others_updated {
        n if n > 0 && area.width >= WIDE_TITLE => others_text(n),
        _ => String::new(),
    };
    let [left_area, others_area, right_area] = Layout::horizontal([
        Constraint::Min(1),
        Constraint::Length(others.chars().count() as u16),
        Constraint::Length(warn.chars().count() as u16),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(Line::styled(others, theme::warning())),
        others_area,
    );
    let mut spans = vec![
        Span::styled(" needleplan ", theme::key()),
        // Narrow terminals keep every screen key in the title and shorten the date.
        Span::raw(format!(
            " {} ",
            model.today.format(if left_area.width >= 100 {
                "%a %Y-%m-%d"
            } else {
                "%d %b"
            })
        )),
    ];
    // The screens and their keys, the current one marked, from the screens' registry.
    let screens: Vec<(String, ScreenId)> = ScreenId::ALL
        .iter()
        .map(|id| (id.key().to_string(), *id))
        .collect();
    if screens.is_empty() {
        if left_area.width >= 70 {
            spans.push(Span::raw(" microneedling series & aftercare"));
        }
    } else {
        spans.push(Span::raw(" "));
        for (key, id) in screens {
            let text = format!(" {key} {} ", id.title());
            if id == model.screen {
                spans.push(Span::styled(format!("[{}]", text.trim()), theme::focus()));
            } else {
                spans.push(Span::styled(text, theme::dim()));
            }
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), left_area);
    frame.render_widget(Paragraph::new(Line::styled(warn, theme::error())), right_area);
}

/// From this width on the title bar has room for the "updated by others" counter.
const WIDE_TITLE: u16 = 100;

fn others_text(n: usize) -> String {
    format!(" {n} updated by others ")
}

pub fn status(model: &Model, frame: &mut Frame, area: Rect) {
    let text_w = model.status.text.chars().count() + 12;
    let narrow_others = model.others_updated > 0 && area.width < WIDE_TITLE;
    let right = if narrow_others {
        format!(" {} by others ", model.others_updated)
    } else {
        format!(" {} ", model.data_dir_label)
    };
    // The data dir (or the counter) gives way to the message when both do not fit: the
    // user's own last result comes first.
    let unsaved_w = if model.unsaved.is_empty() { 0 } else { 14 };
    let needed = if narrow_others {
        model.status.text.chars().count() + 2 + unsaved_w
    } else {
        text_w
    };
    let right_w = if needed + right.chars().count() <= area.width as usize {
        right.chars().count() as u16
    } else {
        0
    };
    let [left_area, right_area] =
        Layout::horizontal([Constraint::Min(10), Constraint::Length(right_w)]).areas(area);
    let style = match model.status.kind {
        StatusKind::Info => ratatui::style::Style::default(),
        StatusKind::Saved => theme::done(),
        StatusKind::Error => theme::error(),
    };
    let unsaved = if model.unsaved.is_empty() {
        String::new()
    } else {
        format!("[{} unsaved] ", model.unsaved.len())
    };
    let text = format!(" {unsaved}{}", model.status.text);
    frame.render_widget(Paragraph::new(Line::styled(text, style)), left_area);
    let right_style = if narrow_others {
        theme::warning()
    } else {
        theme::dim()
    };
    frame.render_widget(
        Paragraph::new(Line::styled(right, right_style)).alignment(Alignment::Right),
        right_area,
    );
}

/// A key and what it does, as the bar shows it.
type KeyHint = (String, String);

/// The keys that matter right now, from the same tables that drive the keys. The
/// focused pane's own keys come first; help and quit always stay at the right.
pub fn keys(model: &Model, frame: &mut Frame, area: Rect) {
    let always = |p: &&crate::app::keymap::Binding| matches!(p.action, Action::Help | Action::Quit);
    let (pairs, fixed): (Vec<KeyHint>, Vec<KeyHint>) = match &model.overlay {
        // The consult screen's lists leave out, on a read-only record, what would change it.
        Overlay::Screening { .. } | Overlay::Prep { .. } | Overlay::ChartView => {
            (crate::app::consult::bar_hints(model), vec![])
        }
        // An overlay takes every key: its own table is the whole bar (no help or quit).
        overlay if overlay.is_open() => (shortened(overlay.keys().bar), vec![]),
        _ if model.filter_typing => (owned(FILTER_KEYS), vec![]),
        _ if model.screen != ScreenId::Main => {
            let mut pairs = screen::bar_hints(model);
            if !pairs.iter().any(|(key, _)| key == "Esc") {
                pairs.push(("Esc".into(), "back to patients".into()));
            }
            let fixed = MAIN_KEYS
                .iter()
                .filter(|b| b.bar.is_some() && always(b))
                .map(bar_pair)
                .collect();
            (pairs, fixed)
        }
        _ => {
            // A read-only record: the keys that would change it are left out (they only
            // explain the refusal), and the bar says why they are missing.
            let read_only = model
                .selected_id()
                .is_some_and(|id| model.read_only.contains_key(&id));
            let in_bar = || {
                MAIN_KEYS.iter().filter(|b| {
                    b.applies_in(model.focus)
                        && b.bar.is_some()
                        && !(read_only && changes_the_selected(b.action, model.focus))
                })
            };
            let pane_first = in_bar()
                .filter(|b| !always(b) && b.scope != Scope::Everywhere)
                .chain(in_bar().filter(|b| !always(b) && b.scope == Scope::Everywhere));
            let mut pairs: Vec<KeyHint> = Vec::new();
            if read_only {
                pairs.push(("read-only".into(), "no changes here".into()));
            }
            pairs.extend(pane_first.map(bar_pair));
            (pairs, in_bar().filter(always).map(bar_pair).collect())
        }
    };
    let fixed_spans = spans(&fixed);
    let fixed_w: usize = fixed_spans.iter().map(|s| s.width()).sum();
    let room = (area.width as usize).saturating_sub(fixed_w);
    let mut line = Vec::new();
    let mut used = 0;
    for pair in pairs {
        let pair_spans = spans(std::slice::from_ref(&pair));
        let w: usize = pair_spans.iter().map(|s| s.width()).sum();
        if used + w > room {
            break;
        }
        used += w;
        line.extend(pair_spans);
    }
    line.push(Span::raw(" ".repeat(room - used)));
    line.extend(fixed_spans);
    frame.render_widget(Paragraph::new(Line::from(line)), area);
}

/// Whether `action` changes the selected patient (so is refused on a read-only one).
fn changes_the_selected(action: Action, focus: crate::app::model::Pane) -> bool {
    match action {
        Action::Edit | Action::Archive | Action::NewSeries | Action::Toggle => true,
        // In the patient list `a` adds a new patient, which stays possible.
        Action::Add => focus != crate::app::model::Pane::Patients,
        _ => false,
    }
}

fn bar_pair(b: &crate::app::keymap::Binding) -> (String, String) {
    (short_keys(&b.keys_label()), b.bar.unwrap_or_default().to_string())
}

fn spans(pairs: &[(String, String)]) -> Vec<Span<'static>> {
    pairs
        .iter()
        .flat_map(|(key, label)| {
            [
                Span::styled(format!(" {key} "), theme::key()),
                Span::raw(format!(" {label} ")),
            ]
        })
        .collect()
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, l)| (k.to_string(), l.to_string()))
        .collect()
}

fn shortened(pairs: Vec<KeyHint>) -> Vec<KeyHint> {
    pairs.into_iter().map(|(k, l)| (short_keys(&k), l)).collect()
}

/// "Down/j" reads as "j" in the narrow bar; the help shows every key.
pub(super) fn short_keys(label: &str) -> String {
    match label {
        "Down/j" => "j/k".into(),
        "e/Enter" => "e".into(),
        other => other.into(),
    }
}
