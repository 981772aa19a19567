//! The consult screen: the selected patient's skin trend, screening, depths per area
//! side by side, next session and open aftercare; and its popups (screening list, session
//! prep, signed chart). State and keys are in `app::consult`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::app::clinical_rules;
use crate::app::consult::{self, PrepRow, ScreeningRow};
use crate::app::model::{Model, Overlay, ReadOnly};
use crate::domain::aftercare::ItemState;
use crate::domain::chart::SessionChart;
use crate::domain::patient::Patient;
use crate::domain::readiness::Missing;
use crate::domain::screening::{ScreeningResult, WASHOUT_PREFIX};
use crate::domain::series::{Series, SessionStatus};
use crate::domain::skin::{self, Area, ScarType};

use super::{centered, theme};

/// From this width on, the summary and the depth table sit side by side.
const WIDE: u16 = 120;

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let focused = model.overlay == Overlay::None;
    let patient = model.selected_patient();
    let name = patient.map_or(String::new(), |p| {
        // The title says it on every part of the screen, popups included.
        let read_only = match model.read_only_of(&p.id) {
            Some(ReadOnly::NewerVersion(v)) => format!(" · READ-ONLY (newer needleplan, schema {v})"),
            None => String::new(),
        };
        format!(" · {}{read_only}", p.full_name)
    });
    let block = super::framed(focused, format!(" ▶ Consult{name} "));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(patient) = patient else {
        frame.render_widget(
            Paragraph::new("No patient selected: Esc goes back to the patient list.").style(theme::dim()),
            inner,
        );
        return;
    };
    let series = patient.current_series();
    let wide = inner.width >= WIDE;
    let summary = summary_lines(model, patient, inner.width / if wide { 2 } else { 1 }, wide);
    let follow = follow_lines(model, patient, wide);
    if wide {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner);
        let mut lines = summary;
        lines.push(Line::raw(""));
        lines.extend(follow);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), left);
        let right = Rect {
            x: right.x + 1,
            width: right.width.saturating_sub(1),
            ..right
        };
        depths(model, patient, series, frame, right);
    } else {
        let table_h = depth_table_height(patient, series);
        let summary_h = (summary.len() as u16).min(inner.height.saturating_sub(table_h + 2));
        let [top, mid, bottom] = Layout::vertical([
            Constraint::Length(summary_h),
            Constraint::Length(table_h),
            Constraint::Min(0),
        ])
        .areas(inner);
        frame.render_widget(Paragraph::new(summary), top);
        depths(model, patient, series, frame, mid);
        frame.render_widget(Paragraph::new(follow), bottom);
    }
}

/// The consult screen's lists, drawn by the overlay stack (`ui::overlays`) over the screen.
pub(super) fn draw_list(model: &Model, overlay: &Overlay, frame: &mut Frame, area: Rect) {
    let Some(patient) = model.selected_patient() else {
        return;
    };
    match overlay {
        Overlay::Screening { row } => screening_popup(model, patient, *row, frame, area),
        Overlay::Prep { row } => prep_popup(model, patient, *row, frame, area),
        Overlay::ChartView => chart_popup(model, patient, frame, area),
        _ => {}
    }
}

fn label(text: &str) -> Span<'static> {
    Span::styled(format!("{text:<11}"), theme::header())
}

/// The date the screening is judged for: the next session's, else today.
fn screening_date(model: &Model, patient: &Patient) -> chrono::NaiveDate {
    patient
        .current_series()
        .and_then(Series::next_session)
        .map_or(model.today, |s| s.date)
}

/// Profile with trend and PIH caution, then the screening's state.
fn summary_lines(model: &Model, patient: &Patient, width: u16, wrap_caution: bool) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    match skin::latest(&patient.skin) {
        None => lines.push(Line::from(vec![
            label("Skin"),
            Span::styled("no assessment yet: p adds one", theme::dim()),
        ])),
        Some(a) => {
            let mut text = format!(
                "{} by {} · Fitzpatrick {} · {}",
                a.date, a.by, a.fitzpatrick, a.iga
            );
            if let Some(q) = a.quantitative_score {
                text.push_str(&format!(" · score {q}"));
            }
            lines.push(Line::from(vec![label("Skin"), Span::raw(text)]));
            let mut scars = Vec::new();
            for kind in ScarType::ALL {
                let ever = patient.skin.iter().any(|x| x.grade_of(kind).is_some());
                if !ever {
                    continue;
                }
                let now = a.grade_of(kind).map_or("none".to_string(), |g| g.to_string());
                let trend = skin::trend_for(&patient.skin, kind)
                    .map(|t| format!(" ({})", t.text()))
                    .unwrap_or_default();
                scars.push(format!("{kind} {now}{trend}"));
            }
            if scars.is_empty() {
                scars.push("none recorded".into());
            }
            for (i, s) in scars.into_iter().enumerate() {
                lines.push(Line::from(vec![
                    label(if i == 0 { "Scars" } else { "" }),
                    Span::raw(s),
                ]));
            }
            if !a.areas.is_empty() {
                let areas: Vec<&str> = a.areas.iter().map(|x| x.label()).collect();
                lines.push(Line::from(vec![label("Areas"), Span::raw(areas.join(", "))]));
            }
            if let Some(pih) = clinical_rules::pih_text(&model.templates, patient) {
                // Wrapped where the half-screen column has rows to spare; cut to one line
                // at 80x24, where every row counts (its first words say what it is).
                let w = usize::from(width.max(20)).saturating_sub(2);
                let parts = super::wrap_words(&pih, w);
                if wrap_caution || parts.len() == 1 {
                    for (i, part) in parts.into_iter().enumerate() {
                        let mark = if i == 0 { "⚠ " } else { "  " };
                        lines.push(Line::styled(format!("{mark}{part}"), theme::warning()));
                    }
                } else {
                    lines.push(Line::styled(
                        format!("⚠ {}", super::fit(&pih, w)),
                        theme::warning(),
                    ));
                }
            }
        }
    }
    let date = screening_date(model, patient);
    let r = clinical_rules::screening_for(&model.templates, patient, date);
    lines.extend(screening_lines(&r, &patient.screening, date, width));
    lines
}

fn screening_lines(
    r: &ScreeningResult,
    screening: &crate::domain::screening::Screening,
    date: chrono::NaiveDate,
    width: u16,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let lapsed = |b: &crate::domain::screening::Block| screening.lapsed_override(&b.rule_id);
    let reviewed = match (r.reviewed_on, r.review_valid_until) {
        (Some(on), Some(until)) if r.rescreen_needed => format!("reviewed {on}, covers to {until}"),
        (Some(on), Some(until)) => format!("reviewed {on}, covers sessions to {until}"),
        _ => "NOT REVIEWED: s opens the screening".to_string(),
    };
    let style = if r.rescreen_needed {
        theme::warning()
    } else {
        Style::default()
    };
    lines.push(Line::from(vec![
        label("Screening"),
        Span::styled(reviewed, style),
    ]));
    // A line of its own, so that the date stays in view at 80 columns.
    if r.rescreen_needed {
        lines.push(Line::from(vec![
            label(""),
            Span::styled(format!("RE-SCREEN needed before the session of {date}"), style),
        ]));
    }
    let mut status = Vec::new();
    let open = r.open_blocks().count();
    status.push(if open == 0 {
        "booking allowed".to_string()
    } else {
        format!("{open} block(s): booking refused")
    });
    if !r.unanswered.is_empty() {
        status.push(format!("{} unanswered", r.unanswered.len()));
    }
    lines.push(Line::from(vec![
        label(""),
        Span::styled(
            status.join(" · "),
            if open > 0 {
                theme::error()
            } else {
                Style::default()
            },
        ),
    ]));
    if let Some(e) = &r.earliest_eligible {
        lines.push(Line::from(vec![
            label("Eligible"),
            Span::raw(format!("from {} ({}, last {})", e.date, e.label, e.last_exposure)),
        ]));
    }
    let max = usize::from(width.max(20)) - 2;
    let cut = |s: String| super::fit(&s, max);
    for b in &r.blocks {
        match &b.overridden_by {
            None => {
                lines.push(Line::styled(cut(format!("✗ {}", b.message)), theme::error()));
                if let Some((judged, now)) = lapsed(b) {
                    let now = now.map_or("none".to_string(), |d| d.to_string());
                    lines.push(Line::styled(
                        cut(format!("  override lapsed: exposure date changed from {judged} to {now}")),
                        theme::error(),
                    ));
                }
            }
            Some(o) => lines.push(Line::styled(
                cut(format!("✓ overridden by {}: {} ({})", o.by, b.message, o.reason)),
                theme::dim(),
            )),
        }
    }
    for w in &r.warnings {
        let text = match &w.acknowledged_by {
            None => format!("⚠ {} (to acknowledge)", w.message),
            Some(a) => format!("⚠ {} (acknowledged by {})", w.message, a.by),
        };
        lines.push(Line::styled(cut(text), theme::warning()));
    }
    for p in &r.prompts {
        lines.push(Line::styled(
            cut(format!("→ every session: {}", p.text)),
            theme::warning(),
        ));
    }
    lines
}

/// The next session with what it still misses, then the open aftercare items.
fn follow_lines(model: &Model, patient: &Patient, wide: bool) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let Some(series) = patient.current_series() else {
        lines.push(Line::from(vec![
            label("Next"),
            Span::styled("no series yet", theme::dim()),
        ]));
        lines.extend(history_lines(patient, if wide { 8 } else { 3 }));
        return lines;
    };
    let si = patient.series.len() - 1;
    let next = series
        .sessions
        .iter()
        .enumerate()
        .filter(|(_, s)| s.status.is_upcoming())
        .min_by_key(|(_, s)| s.starts_at());
    match next {
        None => lines.push(Line::from(vec![
            label("Next"),
            Span::styled("none planned", theme::dim()),
        ])),
        Some((i, s)) => {
            let time = s.time.map(|t| t.format(" %H:%M").to_string()).unwrap_or_default();
            lines.push(Line::from(vec![
                label("Next"),
                Span::raw(format!(
                    "session {} {}{time} {}",
                    i + 1,
                    s.date.format("%a %Y-%m-%d"),
                    s.status.label()
                )),
            ]));
            let missing = clinical_rules::missing(&model.templates, patient, si, i);
            if !missing.is_empty() && !wide {
                lines.push(Line::from(vec![
                    label(""),
                    Span::styled(
                        format!("{} missing before it can be marked done", missing.len()),
                        theme::warning(),
                    ),
                ]));
            } else if !missing.is_empty() {
                let items: Vec<String> = missing.iter().map(clinical_rules::short_text).collect();
                lines.push(Line::from(vec![
                    label(""),
                    Span::styled(format!("missing: {}", items.join(", ")), theme::warning()),
                ]));
            }
        }
    }
    lines.extend(history_lines(patient, if wide { 8 } else { 3 }));
    let mut open = Vec::new();
    for (i, s) in series.sessions.iter().enumerate() {
        if s.status != SessionStatus::Done {
            continue;
        }
        for e in &s.checklist {
            let (mark, when, style) = match e.state(s.date, model.today) {
                ItemState::Done(_) => continue,
                ItemState::Overdue(d) => ("[!]", format!("{} OVERDUE", d.format("%m-%d")), theme::overdue()),
                ItemState::DueToday => ("[ ]", "today".to_string(), theme::due_today()),
                ItemState::Upcoming(d) => ("[ ]", d.format("%m-%d").to_string(), Style::default()),
            };
            open.push(Line::styled(
                format!("{mark} #{} {when:<13} {}", i + 1, e.text),
                style,
            ));
        }
    }
    if open.is_empty() {
        lines.push(Line::from(vec![
            label("Aftercare"),
            Span::styled("nothing open", theme::dim()),
        ]));
    } else {
        lines.push(Line::from(vec![
            label("Aftercare"),
            Span::raw(format!("{} open", open.len())),
        ]));
        lines.extend(open);
    }
    lines
}

/// The clinical history, latest first, at most `max` changes (none: no lines).
fn history_lines(patient: &Patient, max: usize) -> Vec<Line<'static>> {
    let n = patient.history.len();
    if n == 0 {
        return Vec::new();
    }
    let mut lines = vec![Line::from(vec![
        label("History"),
        Span::raw(if n > max {
            format!("{n} changes, latest {max}:")
        } else {
            format!("{n} change(s), latest first:")
        }),
    ])];
    for c in patient.history.iter().rev().take(max) {
        let reason = c.reason.as_ref().map_or(String::new(), |r| format!(" · why: {r}"));
        lines.push(Line::styled(
            format!(
                "{} {} {}: {} -> {}{reason}",
                c.at.format("%Y-%m-%d %H:%M"),
                c.by,
                c.what,
                c.old,
                c.new
            ),
            theme::dim(),
        ));
    }
    lines
}

/// Sessions shown as columns: every one that was not cancelled or missed.
fn columns(series: &Series) -> Vec<usize> {
    (0..series.sessions.len())
        .filter(|&i| series.sessions[i].status.counts_for_interval())
        .collect()
}

/// Areas shown as rows: every area charted in any session, in the usual order.
fn rows(series: &Series) -> Vec<Area> {
    let mut areas: Vec<Area> = series
        .sessions
        .iter()
        .filter_map(|s| s.chart.as_ref())
        .flat_map(|c| c.current_depths().into_keys())
        .collect();
    areas.sort();
    areas.dedup();
    areas
}

fn depth_table_height(_patient: &Patient, series: Option<&Series>) -> u16 {
    match series {
        None => 1,
        Some(s) => 1 + 1 + rows(s).len().max(1) as u16 + 2,
    }
}

/// Areas as rows, sessions as columns: the depth used (amendments applied), then whether
/// the chart is signed and whether the session is ready.
fn depths(model: &Model, patient: &Patient, series: Option<&Series>, frame: &mut Frame, area: Rect) {
    let Some(series) = series else {
        frame.render_widget(
            Paragraph::new("No series yet: plan one on the patients screen (n)."),
            area,
        );
        return;
    };
    let si = patient.series.len() - 1;
    let cols = columns(series);
    let areas = rows(series);
    let selected = model.screens.consult.session.min(series.sessions.len().saturating_sub(1));
    let title = Line::from(vec![
        Span::styled("Depths (mm) by area and session", theme::header()),
        Span::styled("  ▶ selected (j/k)", theme::dim()),
    ]);
    let [title_area, table_area] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(title), title_area);
    let header: Vec<Cell> = std::iter::once(Cell::from("Area"))
        .chain(cols.iter().map(|&i| {
            let marker = if i == selected { "▶" } else { " " };
            Cell::from(format!(
                "{marker}#{} {}",
                i + 1,
                series.sessions[i].date.format("%m-%d")
            ))
        }))
        .collect();
    let mut body: Vec<Row> = Vec::new();
    let current: Vec<Option<std::collections::BTreeMap<Area, crate::domain::chart::Depth>>> = cols
        .iter()
        .map(|&i| {
            series.sessions[i]
                .chart
                .as_ref()
                .map(SessionChart::current_depths)
        })
        .collect();
    let [table_area, note_area] = if areas.is_empty() {
        Layout::vertical([Constraint::Length(3), Constraint::Min(0)]).areas(table_area)
    } else {
        [table_area, Rect::default()]
    };
    frame.render_widget(
        Paragraph::new(Line::styled(
            "no charts yet: c charts the selected session",
            theme::dim(),
        )),
        note_area,
    );
    // "!" marks a depth outside the area's usual range (the chart holds the reason).
    let ranges = &model.templates.depth_ranges;
    for a in &areas {
        let cells = std::iter::once(Cell::from(a.label())).chain(current.iter().map(|d| {
            match d.as_ref().and_then(|d| d.get(a)) {
                None => Cell::from("-"),
                Some(d) if ranges.check(*a, *d).is_some() => {
                    Cell::from(Span::styled(format!(" {d}!"), theme::warning()))
                }
                Some(d) => Cell::from(format!(" {d}")),
            }
        }));
        body.push(Row::new(cells.collect::<Vec<_>>()));
    }
    let chart_row =
        std::iter::once(Cell::from(Span::styled("chart", theme::header()))).chain(cols.iter().map(|&i| {
            let s = &series.sessions[i];
            Cell::from(match &s.chart {
                None => " -".to_string(),
                Some(c) if c.is_signed() && c.amendments().is_empty() => " signed".into(),
                Some(c) if c.is_signed() => format!(" signed+{}", c.amendments().len()),
                Some(_) => " draft".into(),
            })
        }));
    body.push(Row::new(chart_row.collect::<Vec<_>>()));
    let ready_row =
        std::iter::once(Cell::from(Span::styled("ready", theme::header()))).chain(cols.iter().map(|&i| {
            let s = &series.sessions[i];
            if s.status == SessionStatus::Done {
                return Cell::from(Span::styled(" done", theme::done()));
            }
            let n = clinical_rules::missing(&model.templates, patient, si, i).len();
            if n == 0 {
                Cell::from(" yes")
            } else {
                Cell::from(Span::styled(format!(" {n} miss"), theme::warning()))
            }
        }));
    body.push(Row::new(ready_row.collect::<Vec<_>>()));
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(12))
        .chain(cols.iter().map(|_| Constraint::Length(10)))
        .collect();
    let table = Table::new(body, widths)
        .header(Row::new(header).style(theme::header()))
        .column_spacing(1);
    frame.render_stateful_widget(table, table_area, &mut TableState::default());
}

fn screening_popup(model: &Model, patient: &Patient, row: usize, frame: &mut Frame, area: Rect) {
    let rows = consult::screening_rows(model);
    let height = (rows.len() as u16 + 4).min(area.height);
    let rect = centered(area, area.width.saturating_sub(4).min(110), height);
    let inner = super::open_popup(&format!("Screening · {}", patient.full_name), frame, rect);
    let date = screening_date(model, patient);
    let r = clinical_rules::screening_for(&model.templates, patient, date);
    let s = &patient.screening;
    let head = match s.reviewed_on {
        Some(on) => format!("Reviewed {on} by {} · judged for {date}", s.reviewed_by),
        None => format!("Not reviewed yet (r) · judged for {date}"),
    };
    let eligible = r
        .earliest_eligible
        .as_ref()
        .map(|e| format!(" · earliest eligible {}", e.date))
        .unwrap_or_default();
    let [head_area, table_area] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(Line::styled(format!("{head}{eligible}"), theme::header())),
        head_area,
    );
    let wide = inner.width >= 100;
    let table_rows = rows.iter().map(|row| {
        let (kind, id) = match row {
            ScreeningRow::Absolute { id, .. } => ("absolute", id.as_str()),
            ScreeningRow::Relative { id, .. } => ("relative", id.as_str()),
            ScreeningRow::Prompt { id, .. } => ("history", id.as_str()),
            ScreeningRow::Washout { id, .. } => ("washout", id.as_str()),
        };
        let answer = match row {
            ScreeningRow::Washout { id, .. } => match s.exposures.get(id) {
                None => "?".to_string(),
                Some(None) => "none".to_string(),
                Some(Some(d)) => d.to_string(),
            },
            _ => {
                // The skin assessment counts the rule even when not answered yes.
                let by_skin = r
                    .blocks
                    .iter()
                    .filter_map(|b| (b.rule_id == id).then_some(&b.from_skin))
                    .chain(r.warnings.iter().filter_map(|w| (w.rule_id == id).then_some(&w.from_skin)))
                    .any(Option::is_some);
                match s.answers.get(id) {
                    Some(true) => "YES".to_string(),
                    _ if by_skin => "YES (skin)".to_string(),
                    None => "?".to_string(),
                    Some(false) => "no".to_string(),
                }
            }
        };
        let state = match row {
            ScreeningRow::Absolute { id, .. } => r.blocks.iter().find(|b| &b.rule_id == id).map(|b| {
                match &b.overridden_by {
                    None => match &b.from_skin {
                        Some(f) => (format!("✗ skin: {} (o overrides)", f.what), theme::error()),
                        None => ("✗ blocks booking (o overrides)".to_string(), theme::error()),
                    },
                    Some(o) => (format!("overridden by {}: {}", o.by, o.reason), theme::dim()),
                }
            }),
            ScreeningRow::Relative { id, .. } => {
                r.warnings
                    .iter()
                    .find(|w| &w.rule_id == id)
                    .map(|w| match &w.acknowledged_by {
                        None => {
                            let text = match &w.from_skin {
                                Some(f) => format!("⚠ skin: {} (a acknowledges)", f.what),
                                None => "⚠ to acknowledge (a)".to_string(),
                            };
                            (text, theme::warning())
                        }
                        Some(a) => (format!("acknowledged by {}", a.by), theme::dim()),
                    })
            }
            ScreeningRow::Prompt { id, .. } => r
                .prompts
                .iter()
                .find(|p| &p.rule_id == id)
                .map(|p| (format!("→ {}", p.text), theme::warning())),
            ScreeningRow::Washout { id, period, .. } => {
                let target = format!("{WASHOUT_PREFIX}{id}");
                match r.blocks.iter().find(|b| b.rule_id == target) {
                    Some(b) => match &b.overridden_by {
                        None if s.lapsed_override(&target).is_some() => {
                            let (judged, now) = s.lapsed_override(&target).unwrap_or_default();
                            let now = now.map_or("none".to_string(), |d| d.to_string());
                            (
                                format!("✗ override lapsed: exposure date changed from {judged} to {now}"),
                                theme::error(),
                            )
                        }
                        None => (
                            format!(
                                "✗ {period} washout: eligible from {}",
                                b.eligible_from.map(|d| d.to_string()).unwrap_or_default()
                            ),
                            theme::error(),
                        ),
                        Some(o) => (format!("overridden by {}: {}", o.by, o.reason), theme::dim()),
                    },
                    None => (format!("{period} washout"), theme::dim()),
                }
                .into()
            }
        };
        let (state, style) = state.unwrap_or_default();
        let label = consult::row_label(row).to_string();
        let mut cells = vec![Cell::from(kind), Cell::from(label), Cell::from(answer)];
        cells.push(Cell::from(Span::styled(state, style)));
        Row::new(cells)
    });
    // The question takes what the other columns leave (the state wants ~22 columns).
    let label_w = if wide {
        48
    } else {
        inner.width.saturating_sub(8 + 10 + 22 + 4).clamp(24, 48)
    };
    let widths = [
        Constraint::Length(8),
        Constraint::Length(label_w),
        Constraint::Length(10),
        Constraint::Min(10),
    ];
    let table = Table::new(table_rows, widths)
        .header(Row::new(["Kind", "Question", "Answer", "State"]).style(theme::header()))
        .row_highlight_style(Style::default().add_modifier(Modifier::REVERSED))
        .highlight_symbol("▶")
        .column_spacing(1);
    let mut state = TableState::default().with_selected(Some(row.min(rows.len().saturating_sub(1))));
    frame.render_stateful_widget(table, table_area, &mut state);
}

fn prep_popup(model: &Model, patient: &Patient, row: usize, frame: &mut Frame, area: Rect) {
    let Some(series) = patient.current_series() else {
        return;
    };
    let si = patient.series.len() - 1;
    let ci = model.screens.consult.session.min(series.sessions.len().saturating_sub(1));
    let Some(session) = series.sessions.get(ci) else {
        return;
    };
    let rows = consult::prep_rows(model, patient);
    let missing = clinical_rules::missing(&model.templates, patient, si, ci);
    let mut lines = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let prep = &session.prep;
        let (on, when) = match r {
            PrepRow::Consent => (prep.consent_signed.is_some(), prep.consent_signed),
            PrepRow::PhotoConsent => (prep.photo_consent.is_some(), prep.photo_consent),
            PrepRow::Photo(v) => (prep.photos.contains(v), None),
            PrepRow::Prompt(id, _) => (prep.confirmed_prompts.contains(id), None),
        };
        let marker = if i == row.min(rows.len() - 1) { "▶" } else { " " };
        let when = when.map(|d| format!("  {d}")).unwrap_or_default();
        let text = format!("{marker}[{}] {}{when}", if on { "x" } else { " " }, r.label());
        let style = if i == row {
            theme::selected(true)
        } else {
            Style::default()
        };
        lines.push(Line::styled(text, style));
    }
    lines.push(Line::raw(""));
    if missing.is_empty() {
        lines.push(Line::styled(
            "Ready: the session can be marked done.",
            theme::done(),
        ));
    } else {
        lines.push(Line::styled(
            "Missing before it can be marked done:",
            theme::header(),
        ));
        for m in &missing {
            let text = match m {
                Missing::Unanswered(labels) => {
                    format!(
                        "screening: {} questions not answered (s answers them)",
                        labels.len()
                    )
                }
                other => other.text(),
            };
            lines.push(Line::styled(format!("• {text}"), theme::warning()));
        }
    }
    let width = area.width.saturating_sub(4).min(90);
    let rect = centered(area, width, (lines.len() as u16 + 2).min(area.height));
    let title = format!(
        "Prep · session {} · {}",
        ci + 1,
        session.date.format("%a %Y-%m-%d")
    );
    let inner = super::open_popup(&title, frame, rect);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn chart_popup(model: &Model, patient: &Patient, frame: &mut Frame, area: Rect) {
    let Some(series) = patient.current_series() else {
        return;
    };
    let ci = model.screens.consult.session.min(series.sessions.len().saturating_sub(1));
    let Some(session) = series.sessions.get(ci) else {
        return;
    };
    let Some(chart) = &session.chart else {
        return;
    };
    let r = chart.record();
    let device = model
        .templates
        .device(&r.device_id)
        .map_or(r.device_id.clone(), |d| d.name.clone());
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<14}"), theme::header()),
            Span::raw(value),
        ])
    };
    let mut lines = vec![
        field("Device", device),
        field("Cartridge lot", r.cartridge_lot.clone()),
    ];
    let current = chart.current_depths();
    let ranges = &model.templates.depth_ranges;
    let depths: Vec<String> = current
        .iter()
        .map(|(a, d)| {
            let amended = r.depths.get(a) != Some(d);
            let outside = ranges.check(*a, *d).is_some();
            format!(
                "{} {d}{}{}",
                a.label(),
                if amended { "*" } else { "" },
                if outside { "!" } else { "" }
            )
        })
        .collect();
    lines.push(field("Depths (mm)", depths.join(", ")));
    let outside = ranges.outside(&current);
    if !outside.is_empty() || !r.depth_reason.is_empty() {
        let what: Vec<String> = outside.iter().map(ToString::to_string).collect();
        if !what.is_empty() {
            lines.push(Line::styled(
                format!("! outside the usual range: {}", what.join("; ")),
                theme::warning(),
            ));
        }
        let reason = if r.depth_reason.is_empty() {
            "none recorded".to_string()
        } else {
            r.depth_reason.clone()
        };
        lines.push(field("Depth reason", reason));
    }
    let passes = if r.passes == 0 {
        "-".to_string()
    } else {
        r.passes.to_string()
    };
    lines.push(field("Passes", passes));
    lines.push(field("End point", r.end_point.clone()));
    let adjuncts: Vec<&str> = r.adjuncts.iter().map(|a| a.label()).collect();
    lines.push(field(
        "Adjuncts",
        if adjuncts.is_empty() {
            "none".into()
        } else {
            adjuncts.join(", ")
        },
    ));
    lines.push(field("Reaction", r.reaction.clone()));
    lines.push(field("Notes", r.notes.clone()));
    if let Some(sig) = chart.signature() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!(
                "Signed by {} on {} · read-only",
                sig.by,
                sig.at.format("%Y-%m-%d %H:%M")
            ),
            theme::done(),
        ));
    }
    if !chart.amendments().is_empty() {
        lines.push(Line::styled("Amendments (* = depth amended):", theme::header()));
        for a in chart.amendments() {
            let fixes: Vec<String> = a
                .depths
                .iter()
                .map(|(area, d)| format!("{} {d}", area.label()))
                .collect();
            let fixes = if fixes.is_empty() {
                String::new()
            } else {
                format!(" [{}]", fixes.join(", "))
            };
            lines.push(Line::raw(format!(
                "{} {}: {}{fixes}",
                a.at.format("%Y-%m-%d %H:%M"),
                a.by,
                a.text
            )));
        }
    }
    lines.push(Line::raw(""));
    let legend = if outside.is_empty() {
        "m amend · Esc close"
    } else {
        "! outside the usual range · m amend · Esc close"
    };
    lines.push(Line::styled(legend, theme::dim()));
    let width = area.width.saturating_sub(4).min(90);
    let inner_w = width.saturating_sub(2).max(1) as usize;
    let h: u16 = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_w).max(1) as u16)
        .sum();
    let rect = centered(area, width, (h + 2).min(area.height));
    let title = format!(
        "Chart · session {} · {}",
        ci + 1,
        session.date.format("%a %Y-%m-%d")
    );
    let inner = super::open_popup(&title, frame, rect);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
