//! The printable aftercare sheet a patient takes home: the handout template's lines
//! (`assets/handout.json`, in words meant for the patient) with the real calendar dates
//! worked out from the session day. A pure function of its inputs: no clinic-internal
//! details (ids, clinician names, depths, staff checklist items) are ever given to it.
//!
//! The staff checklist in `aftercare.json` is worded for staff ("Clinic follow-up call",
//! "Aftercare sheet given"), so the handout has its own template with the same timing.

use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::screening::add_period;

/// One line of advice, for the days `from_day..=to_day` after the session (0 = the
/// session day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoutLine {
    pub from_day: u32,
    pub to_day: u32,
    pub text: String,
}

/// A review visit after the last session of a series, `months` calendar months later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewVisit {
    pub months: u32,
    pub text: String,
}

/// `assets/handout.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoutTemplate {
    pub title: String,
    #[serde(default)]
    pub intro: String,
    pub lines: Vec<HandoutLine>,
    /// When to call the clinic at once.
    pub warning: String,
    /// Listed only on the sheet for the last session of a series.
    #[serde(default)]
    pub reviews: Vec<ReviewVisit>,
}

/// Why `handout.json` is refused: the field, with the index of the line or review visit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandoutError {
    #[error("title must not be empty")]
    EmptyTitle,
    #[error("lines: at least one line is needed")]
    NoLines,
    #[error("lines[{0}].text must not be empty")]
    EmptyLineText(usize),
    #[error("lines[{0}].to_day must not be before from_day")]
    LineEndsBeforeStart(usize),
    #[error("lines[{0}].to_day must be at most 365")]
    LineTooLate(usize),
    #[error("warning must not be empty")]
    EmptyWarning,
    #[error("reviews[{0}].months must be between 1 and 36")]
    ReviewMonths(usize),
    #[error("reviews[{0}].text must not be empty")]
    EmptyReviewText(usize),
}

impl HandoutTemplate {
    pub fn validate(&self) -> Result<(), HandoutError> {
        if self.title.trim().is_empty() {
            return Err(HandoutError::EmptyTitle);
        }
        if self.lines.is_empty() {
            return Err(HandoutError::NoLines);
        }
        for (i, l) in self.lines.iter().enumerate() {
            if l.text.trim().is_empty() {
                return Err(HandoutError::EmptyLineText(i));
            }
            if l.to_day < l.from_day {
                return Err(HandoutError::LineEndsBeforeStart(i));
            }
            if l.to_day > 365 {
                return Err(HandoutError::LineTooLate(i));
            }
        }
        if self.warning.trim().is_empty() {
            return Err(HandoutError::EmptyWarning);
        }
        for (i, r) in self.reviews.iter().enumerate() {
            if !(1..=36).contains(&r.months) {
                return Err(HandoutError::ReviewMonths(i));
            }
            if r.text.trim().is_empty() {
                return Err(HandoutError::EmptyReviewText(i));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoutFormat {
    Markdown,
    Text,
}

/// Who and when the sheet is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoutInput {
    pub clinic_name: String,
    /// The clinic's phone number for patients; empty to leave it out.
    pub clinic_phone: String,
    /// The clinic's address line; empty to leave it out.
    pub clinic_address: String,
    /// As the patient should see it (first name or full name).
    pub patient_name: String,
    pub session_date: NaiveDate,
    /// The last session of the series: the review visits are listed too.
    pub last_in_series: bool,
}

/// "Tue 2026-12-01".
pub fn day_text(date: NaiveDate) -> String {
    date.format("%a %Y-%m-%d").to_string()
}

fn days_text(session: NaiveDate, from: u32, to: u32) -> String {
    let start = add_period(session, 0, 0, from);
    if from == to {
        day_text(start)
    } else {
        format!(
            "{} to {}",
            day_text(start),
            day_text(add_period(session, 0, 0, to))
        )
    }
}

const WIDTH: usize = 78;

/// Renders the sheet. Lines are in day order (stable for equal days); every date is
/// worked out from the session day.
pub fn render_handout(template: &HandoutTemplate, input: &HandoutInput, format: HandoutFormat) -> String {
    let mut lines: Vec<&HandoutLine> = template.lines.iter().collect();
    lines.sort_by_key(|l| (l.from_day, l.to_day));
    let schedule: Vec<(String, &str)> = lines
        .iter()
        .map(|l| (days_text(input.session_date, l.from_day, l.to_day), l.text.trim()))
        .collect();
    let reviews: Vec<(String, &str)> = if input.last_in_series {
        template
            .reviews
            .iter()
            .map(|r| {
                (
                    day_text(add_period(input.session_date, r.months, 0, 0)),
                    r.text.trim(),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut warning = template.warning.trim().to_string();
    if !input.clinic_phone.trim().is_empty() {
        warning = format!("{warning} Call the clinic on {}.", input.clinic_phone.trim());
    }
    match format {
        HandoutFormat::Markdown => markdown(template, input, &schedule, &warning, &reviews),
        HandoutFormat::Text => text(template, input, &schedule, &warning, &reviews),
    }
}

fn markdown(
    t: &HandoutTemplate,
    input: &HandoutInput,
    schedule: &[(String, &str)],
    warning: &str,
    reviews: &[(String, &str)],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", md(t.title.trim()));
    if !input.clinic_name.trim().is_empty() {
        let _ = writeln!(out, "**Clinic:** {}  ", md(input.clinic_name.trim()));
    }
    if !input.clinic_address.trim().is_empty() {
        let _ = writeln!(out, "**Address:** {}  ", md(input.clinic_address.trim()));
    }
    if !input.patient_name.trim().is_empty() {
        let _ = writeln!(out, "**For:** {}  ", md(input.patient_name.trim()));
    }
    let _ = writeln!(out, "**Treatment day:** {}\n", day_text(input.session_date));
    if !t.intro.trim().is_empty() {
        let _ = writeln!(out, "{}\n", md(t.intro.trim()));
    }
    let _ = writeln!(out, "## Day by day\n");
    for (when, text) in schedule {
        let _ = writeln!(out, "- **{when}:** {}", md(text));
    }
    let _ = writeln!(out, "\n## When to call us\n\n{}", md(warning));
    if !reviews.is_empty() {
        let _ = writeln!(out, "\n## Review visits\n");
        for (when, text) in reviews {
            let _ = writeln!(out, "- **{when}:** {}", md(text));
        }
    }
    out
}

fn text(
    t: &HandoutTemplate,
    input: &HandoutInput,
    schedule: &[(String, &str)],
    warning: &str,
    reviews: &[(String, &str)],
) -> String {
    let mut out = String::new();
    let title = t.title.trim();
    let _ = writeln!(out, "{title}\n{}\n", "=".repeat(title.chars().count()));
    if !input.clinic_name.trim().is_empty() {
        let _ = writeln!(out, "Clinic: {}", input.clinic_name.trim());
    }
    if !input.clinic_address.trim().is_empty() {
        let _ = writeln!(out, "Address: {}", input.clinic_address.trim());
    }
    if !input.patient_name.trim().is_empty() {
        let _ = writeln!(out, "For: {}", input.patient_name.trim());
    }
    let _ = writeln!(out, "Treatment day: {}\n", day_text(input.session_date));
    if !t.intro.trim().is_empty() {
        out.push_str(&wrap(t.intro.trim(), "", ""));
        out.push('\n');
    }
    section(&mut out, "Day by day", schedule);
    let _ = writeln!(out, "When to call us\n---------------");
    out.push_str(&wrap(warning, "", ""));
    if !reviews.is_empty() {
        out.push('\n');
        section(&mut out, "Review visits", reviews);
        out.pop();
    }
    out
}

fn section(out: &mut String, heading: &str, rows: &[(String, &str)]) {
    let _ = writeln!(out, "{heading}\n{}", "-".repeat(heading.len()));
    for (when, text) in rows {
        let _ = writeln!(out, "{when}");
        out.push_str(&wrap(text, "  ", "  "));
    }
    out.push('\n');
}

/// Word-wraps to `WIDTH` columns; every line ends with a newline.
fn wrap(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// Escapes characters Markdown would read as formatting in text that came from a form.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn template() -> HandoutTemplate {
        HandoutTemplate {
            title: "Aftercare".into(),
            intro: "Keep this sheet.".into(),
            lines: vec![
                HandoutLine {
                    from_day: 2,
                    to_day: 4,
                    text: "Flaking is expected.".into(),
                },
                HandoutLine {
                    from_day: 0,
                    to_day: 0,
                    text: "Redness is expected.".into(),
                },
            ],
            warning: "Call us for fever.".into(),
            reviews: vec![ReviewVisit {
                months: 1,
                text: "Review visit".into(),
            }],
        }
    }

    fn input(date: &str) -> HandoutInput {
        HandoutInput {
            clinic_name: "Harbour Skin".into(),
            clinic_phone: "020 7946 0000".into(),
            clinic_address: "3 Quay Street".into(),
            patient_name: "Aisha".into(),
            session_date: d(date),
            last_in_series: false,
        }
    }

    #[test]
    fn dates_run_across_a_month_end_in_day_order() {
        let md = render_handout(&template(), &input("2026-01-31"), HandoutFormat::Markdown);
        let red = md.find("- **Sat 2026-01-31:** Redness").expect(&md);
        let flaking = md
            .find("- **Mon 2026-02-02 to Wed 2026-02-04:** Flaking")
            .expect(&md);
        assert!(red < flaking, "{md}");
        assert!(
            md.contains("Call us for fever. Call the clinic on 020 7946 0000."),
            "{md}"
        );
        assert!(md.contains("**Address:** 3 Quay Street"), "{md}");
        assert!(!md.contains("Review visits"), "{md}");
    }

    #[test]
    fn review_visits_follow_the_last_session_by_calendar_months() {
        let mut i = input("2028-01-31");
        i.last_in_series = true;
        let text = render_handout(&template(), &i, HandoutFormat::Text);
        assert!(
            text.contains("Review visits\n-------------\nTue 2028-02-29\n  Review visit\n"),
            "{text}"
        );
        assert!(text.ends_with("  Review visit\n"), "{text:?}");
    }

    #[test]
    fn text_wraps_at_78_columns_and_markdown_escapes_names() {
        let mut t = template();
        t.lines[0].text = "word ".repeat(60);
        let mut i = input("2026-03-01");
        i.patient_name = "*Zoë_O'Neil*".into();
        let text = render_handout(&t, &i, HandoutFormat::Text);
        assert!(text.lines().all(|l| l.chars().count() <= WIDTH), "{text}");
        assert!(text.contains("For: *Zoë_O'Neil*"), "{text}");
        let md = render_handout(&t, &i, HandoutFormat::Markdown);
        assert!(md.contains(r"**For:** \*Zoë\_O'Neil\*"), "{md}");
    }

    #[test]
    fn validation_names_the_field() {
        assert_eq!(template().validate(), Ok(()));
        let mut t = template();
        t.lines[1].to_day = 5;
        t.lines[1].from_day = 6;
        assert_eq!(
            t.validate().unwrap_err().to_string(),
            "lines[1].to_day must not be before from_day"
        );
        let mut t = template();
        t.reviews[0].months = 0;
        assert_eq!(
            t.validate().unwrap_err().to_string(),
            "reviews[0].months must be between 1 and 36"
        );
        let mut t = template();
        t.warning.clear();
        assert_eq!(t.validate().unwrap_err().to_string(), "warning must not be empty");
    }
}
