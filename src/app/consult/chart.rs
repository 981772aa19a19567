//! A session's chart on the consult screen: charting it (`c`, a form prefilled from the
//! protocol's default depths), signing it (`S`, then read-only) and appending dated
//! amendments to a signed chart (`m` in the chart view).
//!
//! A depth beyond the device's range is refused on its field. A depth outside its area's
//! usual range (`depth_ranges.json`) is saved only with the clinician's confirmation: a
//! reason typed into *Depth reason*, stored with the chart. The form lists the usual
//! ranges of its areas, and says as it is typed which depth needs the reason.

use std::collections::{BTreeMap, BTreeSet};

use crate::app::form::{ChoiceOption, Field, Form};
use crate::app::model::{FormPurpose, Model, Overlay, StatusKind};
use crate::domain::chart::{
    Adjunct, Amendment, ChartError, Depth, SessionChart, default_depths, parse_depth,
};
use crate::domain::depth_ranges::{MIN_DEPTH_REASON_CHARS, OutsideRange, is_reason};
use crate::domain::patient::{Patient, PatientId};
use crate::domain::skin::{self, Area};

use super::area_text::parse_depth_fixes;
use super::{ConsultForm, target};

const CHART_DEVICE: &str = "device";
const CHART_LOT: &str = "cartridge_lot";
const CHART_PASSES: &str = "passes";
const CHART_END_POINT: &str = "end_point";
const CHART_REACTION: &str = "reaction";
const CHART_NOTES: &str = "notes";
pub const DEPTH_REASON: &str = "depth_reason";
const AMEND_TEXT: &str = "what_changed";
const AMEND_DEPTHS: &str = "depth_fixes";

/// The depth field of an area ("depth.cheeks").
fn depth_field(area: Area) -> String {
    format!("depth.{}", area.key())
}

/// The yes/no field of an adjunct ("adjunct.<label>").
fn adjunct_field(adj: Adjunct) -> String {
    format!("adjunct.{}", adj.label().replace(' ', "_"))
}

/// The areas a chart of this session lists: those already charted, else the latest
/// assessment's treated areas, else the protocol's areas with a default depth, else all.
pub fn chart_areas(model: &Model, patient: &Patient, si: usize, ci: usize) -> Vec<Area> {
    let session = &patient.series[si].sessions[ci];
    if let Some(c) = &session.chart
        && !c.record().depths.is_empty()
    {
        return c.record().depths.keys().copied().collect();
    }
    if let Some(a) = skin::latest(&patient.skin)
        && !a.areas.is_empty()
    {
        return a.areas.iter().copied().collect();
    }
    let protocol = model
        .templates
        .protocols
        .iter()
        .find(|p| p.id == patient.series[si].protocol_id);
    match protocol {
        Some(p) if !p.depths.is_empty() => p.depths.keys().copied().collect(),
        _ => Area::ALL.to_vec(),
    }
}

pub(super) fn open_chart(model: &mut Model) {
    let Some((patient, si, ci)) = target(model) else {
        model.set_status(StatusKind::Info, "no session to chart: plan a series first");
        return;
    };
    let session = &patient.series[si].sessions[ci];
    if session.chart.as_ref().is_some_and(SessionChart::is_signed) {
        model.push_overlay(Overlay::ChartView);
        model.set_status(
            StatusKind::Info,
            "the chart is signed and read-only: m appends an amendment",
        );
        return;
    }
    if model.read_only.contains_key(&patient.id) {
        let id = patient.id.clone();
        model.refuse_read_only(&id);
        return;
    }
    if !model.acting().may(crate::domain::staff::Permission::Charts) {
        model.refuse_unless(crate::domain::staff::Permission::Charts);
        return;
    }
    let areas = chart_areas(model, patient, si, ci);
    let protocol = model
        .templates
        .protocols
        .iter()
        .find(|p| p.id == patient.series[si].protocol_id);
    let devices = &model.templates.devices;
    let chart = match (&session.chart, protocol) {
        (Some(c), _) => c.clone(),
        (None, Some(p)) => {
            let set: BTreeSet<Area> = areas.iter().copied().collect();
            let device = devices.first().map_or("", |d| d.id.as_str());
            SessionChart::new(crate::domain::chart::ChartRecord {
                device_id: device.to_string(),
                depths: default_depths(p, &set),
                ..Default::default()
            })
        }
        (None, None) => SessionChart::default(),
    };
    let r = chart.record();
    let mut fields = vec![
        Field::choice(
            CHART_DEVICE,
            "Device",
            devices
                .iter()
                .map(|d| ChoiceOption::new(Some(d.id.clone()), d.name.clone()))
                .collect(),
            Some(r.device_id.clone())
                .filter(|id| devices.iter().any(|d| &d.id == id))
                .or_else(|| devices.first().map(|d| d.id.clone())),
        ),
        Field::text(CHART_LOT, "Cartridge lot", "", r.cartridge_lot.clone()),
    ];
    for a in &areas {
        let depth = r.depths.get(a).map(|d| d.to_string()).unwrap_or_default();
        fields.push(Field::text(
            depth_field(*a),
            a.label(),
            "mm; empty = not treated",
            depth,
        ));
    }
    fields.push(Field::text(
        DEPTH_REASON,
        "Depth reason",
        "needed for a depth outside the usual range",
        r.depth_reason.clone(),
    ));
    let passes = if r.passes == 0 {
        String::new()
    } else {
        r.passes.to_string()
    };
    fields.push(Field::text(CHART_PASSES, "Passes", "1-20", passes));
    fields.push(Field::text(
        CHART_END_POINT,
        "End point",
        "e.g. pinpoint bleeding",
        r.end_point.clone(),
    ));
    for adj in Adjunct::ALL {
        fields.push(Field::yes_no(
            adjunct_field(adj),
            adj.label(),
            r.adjuncts.contains(&adj),
        ));
    }
    fields.push(Field::text(
        CHART_REACTION,
        "Reaction",
        "immediate reaction",
        r.reaction.clone(),
    ));
    fields.push(Field::text(CHART_NOTES, "Notes", "", r.notes.clone()));
    let mut form = Form::new(
        format!(
            "Chart · session {} · {}",
            ci + 1,
            patient.series[si].sessions[ci].date
        ),
        fields,
    );
    form.focus_on(CHART_LOT);
    refresh(model, &areas, &mut form);
    let id = patient.id.clone();
    model.push_overlay(Overlay::Form(
        FormPurpose::Consult(ConsultForm::Chart(id, si, ci)),
        form,
    ));
    // Replaces whatever the last key said (e.g. that another session's chart is signed).
    model.set_status(
        StatusKind::Info,
        format!(
            "charting session {}: Enter saves it unsigned; S signs it afterwards",
            ci + 1
        ),
    );
}

/// The usual range of each area of the form, and which typed depth is outside it: the
/// form's notes and warnings, recomputed as it is typed.
fn refresh(model: &Model, areas: &[Area], form: &mut Form) {
    let ranges = &model.templates.depth_ranges;
    let usual: Vec<String> = areas
        .iter()
        .filter_map(|a| ranges.get(*a).map(|r| format!("{a} {}-{}", r.min_mm, r.max_mm)))
        .collect();
    form.notes.clear();
    form.warnings.clear();
    if !usual.is_empty() {
        form.notes.push(format!(
            "usual depths (mm): {}; outside them the clinician confirms in Depth reason",
            usual.join(", ")
        ));
    }
    let typed: BTreeMap<Area, Depth> = areas
        .iter()
        .filter_map(|a| Some((*a, Depth::parse(form.text(&depth_field(*a))).ok()?)))
        .collect();
    let confirmed = is_reason(form.text(DEPTH_REASON));
    for o in ranges.outside(&typed) {
        form.warnings.push(if confirmed {
            format!("{o}: confirmed by the Depth reason")
        } else {
            format!("{o}: Depth reason required")
        });
    }
}

/// The chart form changed: which depths need a reason, again.
pub(super) fn changed(model: &Model, patient: &PatientId, si: usize, ci: usize, form: &mut Form) {
    let Some(p) = model.patient(patient) else {
        return;
    };
    if p.series.get(si).is_some_and(|s| s.sessions.get(ci).is_some()) {
        let areas = chart_areas(model, p, si, ci);
        refresh(model, &areas, form);
    }
}

/// The message on Depth reason when a depth outside its range has no reason yet.
fn reason_needed(outside: &[OutsideRange], typed: &str) -> String {
    let what: Vec<String> = outside.iter().map(ToString::to_string).collect();
    let ask = if typed.is_empty() {
        "type the clinician's reason (their confirmation)".to_string()
    } else {
        format!("a reason of at least {MIN_DEPTH_REASON_CHARS} characters is needed")
    };
    format!("{}: {ask}", what.join("; "))
}

fn parse_chart(
    model: &Model,
    patient: &Patient,
    si: usize,
    ci: usize,
    form: &mut Form,
) -> Option<SessionChart> {
    let areas = chart_areas(model, patient, si, ci);
    let mut r = form.reader();
    let device_id = r.choice(CHART_DEVICE).flatten();
    let device = device_id.and_then(|id| model.templates.devices.iter().find(|d| d.id == id));
    if device.is_none() {
        r.fail(CHART_DEVICE, "choose the device used");
    }
    let mut depths = BTreeMap::new();
    for area in &areas {
        let name = depth_field(*area);
        let text = r.text(&name);
        let Some(device) = device else { continue };
        if text.is_empty() {
            continue;
        }
        match parse_depth(text, device) {
            Ok(d) => {
                depths.insert(*area, d);
            }
            Err(e) => r.fail(&name, e),
        }
    }
    let depth_reason = r.text(DEPTH_REASON);
    let outside = model.templates.depth_ranges.outside(&depths);
    if !outside.is_empty() && !is_reason(depth_reason) {
        r.fail(DEPTH_REASON, reason_needed(&outside, depth_reason));
    }
    let passes = r.parse(CHART_PASSES, |t| {
        let t = t.trim();
        if t.is_empty() {
            return Ok(0);
        }
        match t.parse::<u8>() {
            Ok(n) if (1..=20).contains(&n) => Ok(n),
            _ => Err(format!("passes: '{t}' is not a number from 1 to 20")),
        }
    });
    let adjuncts = Adjunct::ALL
        .iter()
        .filter(|a| r.yes(&adjunct_field(**a)))
        .copied()
        .collect();
    let mut chart = patient.series[si].sessions[ci].chart.clone().unwrap_or_default();
    let record = match chart.edit() {
        Ok(rec) => Some(rec),
        Err(e) => {
            r.fail(CHART_DEVICE, e);
            None
        }
    };
    let (Some(device), Some(passes), Some(record)) = (device, passes, record) else {
        let errors = r.finish().err().unwrap_or_default();
        form.set_errors(errors);
        return None;
    };
    if let Err(errors) = r.finish() {
        form.set_errors(errors);
        return None;
    }
    let depth_reason = form.text(DEPTH_REASON).trim();
    record.device_id = device.id.clone();
    record.cartridge_lot = form.text(CHART_LOT).trim().to_string();
    record.depths = depths;
    record.passes = passes;
    record.end_point = form.text(CHART_END_POINT).trim().to_string();
    record.adjuncts = adjuncts;
    record.reaction = form.text(CHART_REACTION).trim().to_string();
    record.notes = form.text(CHART_NOTES).trim().to_string();
    // Kept as typed even when no depth needs it now: nothing typed is lost.
    record.depth_reason = depth_reason.to_string();
    Some(chart)
}

pub(super) fn open_sign(model: &mut Model) {
    let Some((patient, si, ci)) = target(model) else {
        model.set_status(StatusKind::Info, "no session selected");
        return;
    };
    match &patient.series[si].sessions[ci].chart {
        None => model.set_status(StatusKind::Info, "no chart to sign yet: c charts the session"),
        Some(c) if c.is_signed() => {
            model.push_overlay(Overlay::ChartView);
            model.set_status(
                StatusKind::Info,
                "already signed and read-only: m appends an amendment",
            );
        }
        Some(c) => {
            // Signed by the acting staff member: no name is typed.
            let mut form = Form::new(format!("Sign the chart of session {}", ci + 1), Vec::new());
            form.notes.push(format!(
                "signed by {} (login {}), now",
                model.acting_name(),
                model.acting_login()
            ));
            let problems = c.record()
                .problems(&model.templates.devices, &model.templates.depth_ranges);
            form.warnings = problems.iter().map(ToString::to_string).collect();
            form.notes
                .push("once signed the chart is read-only; changes become dated amendments".into());
            form.enter_label = "sign";
            let id = patient.id.clone();
            model.push_overlay(Overlay::Form(
                FormPurpose::Consult(ConsultForm::Sign(id, si, ci)),
                form,
            ));
        }
    }
}

pub(super) fn open_amend(model: &mut Model) {
    let Some((patient, si, ci)) = target(model) else {
        return;
    };
    let mut form = Form::new(
        format!("Amend the chart of session {}", ci + 1),
        vec![
            Field::text(AMEND_TEXT, "What changed", "and why", ""),
            Field::text(AMEND_DEPTHS, "Depth fixes", "optional, e.g. cheeks=1.25", ""),
        ],
    );
    form.enter_label = "append";
    form.notes.push(format!(
        "by {} (login {}), dated {} and appended; the signed chart stays as it was",
        model.acting_name(),
        model.acting_login(),
        model.now.format("%Y-%m-%d %H:%M")
    ));
    let id = patient.id.clone();
    model.push_overlay(Overlay::Form(
        FormPurpose::Consult(ConsultForm::Amend(id, si, ci)),
        form,
    ));
}

pub(super) fn save_chart(
    model: &Model,
    patient: &mut Patient,
    si: usize,
    ci: usize,
    form: &mut Form,
) -> Option<String> {
    let chart = parse_chart(model, patient, si, ci, form)?;
    patient.series.get_mut(si)?.sessions.get_mut(ci)?.chart = Some(chart);
    Some(format!(
        "chart of session {} saved (not signed yet: S signs it)",
        ci + 1
    ))
}

pub(super) fn save_sign(
    model: &Model,
    patient: &mut Patient,
    si: usize,
    ci: usize,
    form: &mut Form,
) -> Option<String> {
    let session = patient.series.get_mut(si)?.sessions.get_mut(ci)?;
    let chart = session.chart.as_mut()?;
    let by = model.acting_name();
    if let Err(e) = chart.sign(
        &by,
        model.now,
        &model.templates.devices,
        &model.templates.depth_ranges,
    ) {
        form.refusals = vec![e.to_string()];
        return None;
    }
    Some(format!(
        "chart of session {} signed by {by}; it is now read-only",
        ci + 1
    ))
}

/// Appends an amendment to a signed chart; the error is shown on the field it is about.
pub(super) fn save_amend(
    model: &Model,
    patient: &mut Patient,
    si: usize,
    ci: usize,
    form: &mut Form,
) -> Option<String> {
    let depths = match parse_depth_fixes(form.text(AMEND_DEPTHS)) {
        Ok(d) => d,
        Err(e) => {
            form.fail(AMEND_DEPTHS, e);
            return None;
        }
    };
    let session = patient.series.get_mut(si)?.sessions.get_mut(ci)?;
    let chart = session.chart.as_mut()?;
    let amendment = Amendment {
        at: model.now,
        by: model.acting_name(),
        text: form.text(AMEND_TEXT).to_string(),
        depths,
    };
    if let Err(e) = chart.amend(amendment, &model.templates.devices) {
        form.fail(amend_field(&e), e);
        return None;
    }
    Some(format!(
        "amendment by {} added to the chart of session {}",
        model.acting_name(),
        ci + 1
    ))
}

/// The amendment form's field an error is about: the name (0), the depth fixes (2), else
/// the text (1).
fn amend_field(e: &ChartError) -> &'static str {
    match e {
        // The acting person's name is never empty; were it, the text is what is refused.
        ChartError::AmendmentBy => AMEND_TEXT,
        ChartError::AmendmentDepth { .. } => AMEND_DEPTHS,
        _ => AMEND_TEXT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::chart::{Depth, DepthRange};

    #[test]
    fn each_amendment_error_lands_on_its_field() {
        assert_eq!(amend_field(&ChartError::AmendmentBy), AMEND_TEXT);
        assert_eq!(amend_field(&ChartError::AmendmentText), AMEND_TEXT);
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        assert_eq!(
            amend_field(&ChartError::AmendmentBefore { at, last: at }),
            AMEND_TEXT
        );
        assert_eq!(amend_field(&ChartError::NotSigned), AMEND_TEXT);
        assert_eq!(
            amend_field(&ChartError::AmendmentDevice("pen".into())),
            AMEND_TEXT
        );
        // A device named "Rename" held the word "name": routed by text, this went to the
        // name field.
        let depth = ChartError::AmendmentDepth {
            area: Area::Cheeks,
            depth: Depth::from_hundredths(300),
            range: DepthRange {
                min: Depth::from_hundredths(10),
                max: Depth::from_hundredths(250),
                device: "Rename".into(),
            },
        };
        assert!(depth.to_string().contains("name"), "{depth}");
        assert_eq!(amend_field(&depth), AMEND_DEPTHS);
    }
}
