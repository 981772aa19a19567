//! Fitting short texts into columns: names may hold accents and wide characters, so
//! everything here counts display columns, not bytes or chars.

use ratatui::text::Span;

fn char_width(c: char) -> usize {
    let mut buf = [0u8; 4];
    Span::raw(&*c.encode_utf8(&mut buf)).width()
}

/// `text` cut to `width` columns, with "…" when it was cut (nothing at width 0).
pub(crate) fn fit(text: &str, width: usize) -> String {
    if Span::raw(text).width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    format!("{}…", out.trim_end())
}

/// `text` cut or padded to exactly `width` columns.
pub(crate) fn fit_pad(text: &str, width: usize) -> String {
    let cut = fit(text, width);
    let used = Span::raw(cut.as_str()).width();
    format!("{cut}{}", " ".repeat(width.saturating_sub(used)))
}

/// Greedy word wrap to `width` columns (the texts are short; a word longer than the
/// width gets a line of its own).
pub(crate) fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_counts_display_columns() {
        assert_eq!(fit("Zoë Ångström", 20), "Zoë Ångström");
        assert_eq!(fit("Zoë Ångström", 6), "Zoë Å…");
        assert_eq!(fit("a b", 0), "");
        assert_eq!(fit_pad("Ana", 5), "Ana  ");
        assert_eq!(fit_pad("李小龍先生", 5), "李小…");
    }
}
