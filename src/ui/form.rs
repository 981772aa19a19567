//! A form popup: one line per field, the message for a bad field right under it, and at
//! the bottom what the rules refuse (✗), warn about (⚠) and what can be done (→).

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::app::form::{FieldKind, Form};

use super::{centered, theme};

const LABEL_W: usize = 16;

pub fn draw(form: &Form, frame: &mut Frame, area: Rect) {
    let width = area.width.saturating_sub(4).min(84);
    let inner_w = width.saturating_sub(2).max(1) as usize;
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor: Option<(u16, u16)> = None;
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let marker = if focused { "▶ " } else { "  " };
        let label = format!("{marker}{:<w$}", field.label, w = LABEL_W);
        let value = match &field.kind {
            FieldKind::Text(t) => t.value().to_string(),
            FieldKind::Choice(c) => format!("◀ {} ▶", c.label()),
        };
        if focused && let FieldKind::Text(t) = &field.kind {
            let col = (LABEL_W + 2 + t.visual_cursor()) as u16;
            cursor = Some((col, lines.len() as u16));
        }
        // A selected field (just entered) shows reversed: typing replaces it.
        let value_style = match &field.kind {
            FieldKind::Text(t) if focused && t.is_selected() => {
                theme::focus().add_modifier(Modifier::REVERSED)
            }
            _ if focused => theme::focus(),
            _ => ratatui::style::Style::default(),
        };
        let mut spans = vec![Span::raw(label), Span::styled(value, value_style)];
        if focused && !field.hint.is_empty() {
            spans.push(Span::styled(format!("   {}", field.hint), theme::dim()));
        }
        lines.push(Line::from(spans));
        if let Some(message) = form.error_of(&field.name) {
            let indent = LABEL_W + 2;
            for (n, part) in hanging(message, inner_w.saturating_sub(indent + 2))
                .into_iter()
                .enumerate()
            {
                let mark = if n == 0 { "✗ " } else { "  " };
                lines.push(Line::styled(
                    format!("{:indent$}{mark}{part}", ""),
                    theme::error(),
                ));
            }
        }
    }
    // A message already shown next to its field (after Enter) is not repeated here.
    let inline: Vec<&str> = form.errors.iter().map(|(_, m)| m.as_str()).collect();
    let refusals = form
        .refusals
        .iter()
        .map(|r| ("✗", format!("refused: {r}"), theme::error()));
    let warnings = form.warnings.iter().map(|w| ("⚠", w.clone(), theme::warning()));
    let notes = form.notes.iter().map(|n| ("→", n.clone(), theme::focus()));
    let checks: Vec<Line> = refusals
        .chain(warnings)
        .chain(notes)
        .filter(|(_, text, _)| !inline.contains(&text.as_str()))
        .map(|(mark, text, style)| Line::styled(format!("{mark} {text}"), style))
        .collect();
    if !checks.is_empty() {
        lines.push(Line::raw(""));
        lines.extend(checks);
    }
    lines.push(Line::raw(""));
    lines.push(if form.refusals.is_empty() {
        Line::styled(
            format!("Enter {} · Esc cancel · Tab next field", form.enter_label),
            theme::dim(),
        )
    } else {
        Line::styled(
            "Enter cannot save while a rule refuses it · Esc cancel · Tab next field",
            theme::error(),
        )
    });

    let wrapped: u16 = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_w).max(1) as u16)
        .sum();
    let rect = centered(area, width, wrapped + 2);
    let block = super::popup_frame(&form.title);
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

/// `text` cut at spaces into lines of at most `width` chars (a longer word stays whole;
/// the paragraph wraps it), so a long message under a field keeps the field's indent.
fn hanging(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push(line);
    out
}

#[cfg(test)]
mod tests {
    use super::hanging;

    #[test]
    fn a_long_message_is_cut_at_spaces_and_a_short_one_is_left_alone() {
        assert_eq!(hanging("refused: too close", 40), ["refused: too close"]);
        assert_eq!(
            hanging(
                "washout: Oral isotretinoin, last dose: earliest eligible 2027-02-28",
                30
            ),
            [
                "washout: Oral isotretinoin,",
                "last dose: earliest eligible",
                "2027-02-28"
            ]
        );
    }
}
