//! Drawing only: every function here reads the model and paints a frame. No file IO,
//! no state changes (beyond remembering the list's scroll offset), and only visible
//! rows are built, so a frame costs the same with 10 or 10,000 patients.

mod bars;
mod checklist;
mod confirm;
mod form;
mod patient_list;
mod plan;
mod popups;
mod preview;
mod screens;
mod text;

pub(crate) use text::{fit, fit_pad, wrap_words};

// The screens' views (agenda, queues, consult, settings), from the registry in
// `app::screen`.
macro_rules! declare_screen_views {
    ($($(#[$doc:meta])* $variant:ident $module:ident $key:literal $title:literal,)*) => {
        $(mod $module;)*
    };
}
crate::app::screen::screens!(declare_screen_views);
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};

use crate::app::model::{Model, Overlay, Pane};
use crate::app::screen::ScreenId;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub fn view(model: &Model, frame: &mut Frame) {
    let area = frame.area();
    if model.idle.locked {
        locked(frame, area);
        return;
    }
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return;
    }
    let [title, main, status, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(10),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    if model.screen != ScreenId::Main {
        bars::title(model, frame, title);
        screens::draw(model, frame, main);
        bars::status(model, frame, status);
        bars::keys(model, frame, keys);
        overlays(model, frame, main);
        return;
    }
    let left_pct = if area.width >= 140 { 42 } else { 50 };
    let [left, right] = Layout::horizontal([
        Constraint::Percentage(left_pct),
        Constraint::Percentage(100 - left_pct),
    ])
    .areas(main);
    // The plan takes what its sessions need; the checklist gets the rest.
    let plan_h = plan::height_needed(model, right.width).clamp(10, right.height.saturating_sub(10).max(10));
    let [plan_area, checklist_area] =
        Layout::vertical([Constraint::Length(plan_h), Constraint::Min(0)]).areas(right);

    bars::title(model, frame, title);
    patient_list::draw(model, frame, left);
    plan::draw(model, frame, plan_area);
    checklist::draw(model, frame, checklist_area);
    bars::status(model, frame, status);
    bars::keys(model, frame, keys);
    overlays(model, frame, main);
}

/// The overlay stack, bottom first, so the one that takes the keys is drawn last.
fn overlays(model: &Model, frame: &mut Frame, main: Rect) {
    for overlay in model.overlay_stack() {
        match overlay {
            Overlay::None => {}
            Overlay::Form(_, f) => form::draw(f, frame, main),
            Overlay::ConfirmArchive(id) => popups::confirm_archive(model, id, frame, main),
            Overlay::ConfirmRemoveClosedDate(i) => settings::confirm_remove(model, *i, frame, main),
            Overlay::ConfirmRemoveStaff(i) => settings::confirm_remove_staff(model, *i, frame, main),
            Overlay::Help { scroll } => popups::help(*scroll, frame, main),
            Overlay::Problems => popups::problems(model, frame, main),
            Overlay::PickPatient(p) => popups::picker(model, p, frame, main),
            Overlay::ConfirmReplaceExport(e) => popups::confirm_replace(e, frame, main),
            Overlay::Conflict(id) => popups::conflict(model, id, frame, main),
            Overlay::SeriesPreview(p) => preview::draw(model, p, frame, main),
            Overlay::Reschedule(r) => confirm::reschedule(r, frame, main),
            Overlay::Rebook(r) => confirm::rebook(model, r, frame, main),
            Overlay::Screening { .. } | Overlay::Prep { .. } | Overlay::ChartView => {
                consult::draw_list(model, overlay, frame, main)
            }
        }
    }
}

/// The help overlay's text: every key in effect (for tests and for whoever prints it).
pub fn help_text() -> String {
    popups::help_lines()
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// An overlay's keys as a line inside it (" y  yes   n/N/Esc  no "), from its table.
pub(crate) fn hint_line(hints: &[(String, String)]) -> ratatui::text::Line<'static> {
    use ratatui::text::{Line, Span};
    let mut spans = Vec::new();
    for (key, label) in hints {
        spans.push(Span::styled(format!(" {key} "), theme::key()));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    Line::from(spans)
}

/// An overlay's keys as plain text ("j/k scroll · Esc/?/q/Enter close").
pub(crate) fn hint_text(overlay: &Overlay) -> String {
    overlay
        .keys()
        .bar
        .iter()
        .map(|(k, l)| format!("{} {l}", bars::short_keys(k)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A pane's frame: the focused one has a thick border and a marker in its title, so
/// focus reads without colour too.
pub(crate) fn pane_block(model: &Model, pane: Pane, title: String) -> Block<'static> {
    let focused = model.focus == pane && model.overlay == Overlay::None;
    let marker = if focused { "▶ " } else { "" };
    framed(focused, format!(" {marker}{title} "))
}

/// The frame of a popup: a double border in the focus colour, over whatever it covers.
pub(crate) fn popup_frame(title: &str) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme::focus())
        .title(format!(" {title} "))
}

/// Clears `rect`, draws a popup frame titled `title` there and returns its inside.
pub(crate) fn open_popup(title: &str, frame: &mut Frame, rect: Rect) -> Rect {
    let block = popup_frame(title);
    let inner = block.inner(rect);
    frame.render_widget(ratatui::widgets::Clear, rect);
    frame.render_widget(block, rect);
    inner
}

/// The border of a pane or screen: thick and in the focus colour where the keys go,
/// so that it reads without colour too.
pub(crate) fn framed(focused: bool, title: String) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(if focused { theme::focus() } else { theme::dim() })
        .title(title)
}

/// The idle lock: nothing about any patient is drawn.
fn locked(frame: &mut Frame, area: Rect) {
    let y = area.height / 2;
    let rect = Rect::new(
        area.x,
        area.y + y.saturating_sub(1),
        area.width,
        area.height - y.saturating_sub(1),
    );
    frame.render_widget(
        Paragraph::new("needleplan is locked after a while without use\n\npress any key to continue")
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        rect,
    );
}

fn too_small(frame: &mut Frame, area: Rect) {
    let text = format!(
        "terminal too small (needs {MIN_WIDTH}x{MIN_HEIGHT}, this one is {}x{})\n\nmake the window bigger, or press q to quit",
        area.width, area.height
    );
    let y = area.height / 2;
    let rect = Rect::new(
        area.x,
        area.y + y.saturating_sub(1),
        area.width,
        area.height - y.saturating_sub(1),
    );
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        rect,
    );
}

/// A rectangle of at most `w` x `h`, centred in `area`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
