//! A form popup: one line per field, the message for a bad field right under it, and
//! warnings at the bottom with what Enter will do about them.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use crate::app::form::{FieldKind, Form};

use super::{centered, theme};

const LABEL_W: usize = 16;

pub fn draw(form: &Form, frame: &mut Frame, area: Rect) {
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor: Option<(u16, u16)> = None;
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let marker = if focused { "▶ " } else { "  " };
        let label = format!("{marker}{:<w$}", field.label, w = LABEL_W);
        let value = match &field.kind {
            FieldKind::Text => field.value.clone(),
            FieldKind::Choice(_) => format!("◀ {} ▶", field.value),
        };
        if focused && field.kind == FieldKind::Text {
            let col = (LABEL_W + 2 + field.value.chars().take(field.cursor).count()) as u16;
            cursor = Some((col, lines.len() as u16));
        }
        let value_style = if focused {
            theme::focus()
        } else {
            ratatui::style::Style::default()
        };
        let mut spans = vec![Span::raw(label), Span::styled(value, value_style)];
        if focused && !field.hint.is_empty() {
            spans.push(Span::styled(format!("   {}", field.hint), theme::dim()));
        }
        lines.push(Line::from(spans));
        if let Some((bad, message)) = &form.error
            && *bad == i
        {
            lines.push(Line::styled(
                format!("{:w$}✗ {message}", "", w = LABEL_W + 2),
                theme::error(),
            ));
        }
    }
    if !form.warnings.is_empty() {
        lines.push(Line::raw(""));
        for w in &form.warnings {
            lines.push(Line::styled(format!("⚠ Warning: {w}"), theme::warning()));
        }
        let what = if form.warnings_acknowledged {
            "Press Enter again to save anyway, or Esc to go back."
        } else {
            "Enter will ask once more before saving."
        };
        lines.push(Line::styled(what, theme::warning()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Enter save · Esc cancel · Tab next field",
        theme::dim(),
    ));

    let width = area.width.saturating_sub(4).min(84);
    let inner_w = width.saturating_sub(2).max(1) as usize;
    let wrapped: u16 = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_w).max(1) as u16)
        .sum();
    let rect = centered(area, width, wrapped + 2);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme::focus())
        .title(format!(" {} ", form.title));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: false }),
        rect,
    );
    if let Some((x, y)) = cursor
        && x < inner.width
        && y < inner.height
    {
        frame.set_cursor_position(Position::new(inner.x + x, inner.y + y));
    }
}
