//! A session's chart on the consult screen: charting it (`c`, a form prefilled from the
//! protocol's default depths), signing it (`S`, then read-only) and appending dated
//! amendments to a signed chart (`m` in the chart view).

use std::collections::{BTreeMap, BTreeSet};

use crate::app::form::{Field, Form};
use crate::app::model::{FormPurpose, Model, Overlay, StatusKind};
use crate::domain::chart::{Adjunct, Amendment, ChartError, SessionChart, default_depths, parse_depth};
use crate::domain::patient::Patient;
use crate::domain::skin::{self, Area};

use super::area_text::parse_depth_fixes;
use super::{ConsultForm, Popup, target};

const CHART_DEVICE: usize = 0;
const CHART_LOT: usize = 1;
const CHART_DEPTHS: usize = 2;

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
        model.consult.popup = Popup::ChartView;
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
    let device_idx = devices.iter().position(|d| d.id == r.device_id).unwrap_or(0);
    let mut fields = vec![
        Field::choice(
            "Device",
            devices.iter().map(|d| d.name.clone()).collect(),
            device_idx,
        ),
        Field::text("Cartridge lot", "", r.cartridge_lot.clone()),
    ];
    for a in &areas {
        let depth = r.depths.get(a).map(|d| d.to_string()).unwrap_or_default();
        fields.push(Field::text(a.label(), "mm; empty = not treated", depth));
    }
    let passes = if r.passes == 0 {
        String::new()
    } else {
        r.passes.to_string()
    };
    fields.push(Field::text("Passes", "1-20", passes));
    fields.push(Field::text(
        "End point",
        "e.g. pinpoint bleeding",
        r.end_point.clone(),
    ));
    for adj in Adjunct::ALL {
        let on = usize::from(r.adjuncts.contains(&adj));
        fields.push(Field::choice(adj.label(), vec!["no".into(), "yes".into()], on));
    }
    fields.push(Field::text("Reaction", "immediate reaction", r.reaction.clone()));
    fields.push(Field::text("Notes", "", r.notes.clone()));
    let mut form = Form::new(
        format!(
            "Chart · session {} · {}",
            ci + 1,
            patient.series[si].sessions[ci].date
        ),
        fields,
    );
    form.focus = CHART_LOT;
    let id = patient.id.clone();
    model.overlay = Overlay::Form(FormPurpose::Consult(ConsultForm::Chart(id, si, ci)), form);
    // Replaces whatever the last key said (e.g. that another session's chart is signed).
    model.set_status(
        StatusKind::Info,
        format!(
            "charting session {}: Enter saves it unsigned; S signs it afterwards",
            ci + 1
        ),
    );
}

fn parse_chart(
    model: &Model,
    patient: &Patient,
    si: usize,
    ci: usize,
    form: &mut Form,
) -> Option<SessionChart> {
    let areas = chart_areas(model, patient, si, ci);
    let device = model.templates.devices.get(form.choice(CHART_DEVICE))?;
    let mut depths = BTreeMap::new();
    for (i, area) in areas.iter().enumerate() {
        let text = form.value(CHART_DEPTHS + i).trim().to_string();
        if text.is_empty() {
            continue;
        }
        match parse_depth(&text, device) {
            Ok(d) => {
                depths.insert(*area, d);
            }
            Err(e) => {
                form.fail(CHART_DEPTHS + i, e.to_string());
                return None;
            }
        }
    }
    let at = CHART_DEPTHS + areas.len();
    let passes_text = form.value(at).trim();
    let passes = if passes_text.is_empty() {
        0
    } else {
        match passes_text.parse::<u8>() {
            Ok(n) if (1..=20).contains(&n) => n,
            _ => {
                form.fail(
                    at,
                    format!("passes: '{passes_text}' is not a number from 1 to 20"),
                );
                return None;
            }
        }
    };
    let adjuncts = Adjunct::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| form.choice(at + 2 + i) == 1)
        .map(|(_, a)| *a)
        .collect();
    let after = at + 2 + Adjunct::ALL.len();
    let mut chart = patient.series[si].sessions[ci].chart.clone().unwrap_or_default();
    let record = match chart.edit() {
        Ok(r) => r,
        Err(e) => {
            form.fail(0, e.to_string());
            return None;
        }
    };
    record.device_id = device.id.clone();
    record.cartridge_lot = form.value(CHART_LOT).trim().to_string();
    record.depths = depths;
    record.passes = passes;
    record.end_point = form.value(at + 1).trim().to_string();
    record.adjuncts = adjuncts;
    record.reaction = form.value(after).trim().to_string();
    record.notes = form.value(after + 1).trim().to_string();
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
            model.consult.popup = Popup::ChartView;
            model.set_status(
                StatusKind::Info,
                "already signed and read-only: m appends an amendment",
            );
        }
        Some(c) => {
            let mut form = Form::new(
                format!("Sign the chart of session {}", ci + 1),
                vec![Field::text("Signed by", "clinician's name", "")],
            );
            let problems = c.record().problems(&model.templates.devices);
            form.warnings = problems.iter().map(ToString::to_string).collect();
            form.notes
                .push("once signed the chart is read-only; changes become dated amendments".into());
            form.enter_label = "sign";
            let id = patient.id.clone();
            model.overlay = Overlay::Form(FormPurpose::Consult(ConsultForm::Sign(id, si, ci)), form);
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
            Field::text("By", "clinician's name", ""),
            Field::text("What changed", "and why", ""),
            Field::text("Depth fixes", "optional, e.g. cheeks=1.25", ""),
        ],
    );
    form.enter_label = "append";
    form.notes.push(format!(
        "dated {} and appended; the signed chart stays as it was",
        model.now.format("%Y-%m-%d %H:%M")
    ));
    let id = patient.id.clone();
    model.overlay = Overlay::Form(FormPurpose::Consult(ConsultForm::Amend(id, si, ci)), form);
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
    if let Err(e) = chart.sign(form.value(0), model.now, &model.templates.devices) {
        form.fail(0, e.to_string());
        return None;
    }
    Some(format!(
        "chart of session {} signed by {}; it is now read-only",
        ci + 1,
        form.value(0).trim()
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
    let depths = match parse_depth_fixes(form.value(2)) {
        Ok(d) => d,
        Err(e) => {
            form.fail(2, e);
            return None;
        }
    };
    let session = patient.series.get_mut(si)?.sessions.get_mut(ci)?;
    let chart = session.chart.as_mut()?;
    let amendment = Amendment {
        at: model.now,
        by: form.value(0).to_string(),
        text: form.value(1).to_string(),
        depths,
    };
    if let Err(e) = chart.amend(amendment, &model.templates.devices) {
        form.fail(amend_field(&e), e.to_string());
        return None;
    }
    Some(format!(
        "amendment by {} added to the chart of session {}",
        form.value(0).trim(),
        ci + 1
    ))
}

/// The amendment form's field an error is about: the name (0), the depth fixes (2), else
/// the text (1).
fn amend_field(e: &ChartError) -> usize {
    match e {
        ChartError::AmendmentBy => 0,
        ChartError::AmendmentDepth { .. } => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::chart::{Depth, DepthRange};

    #[test]
    fn each_amendment_error_lands_on_its_field() {
        assert_eq!(amend_field(&ChartError::AmendmentBy), 0);
        assert_eq!(amend_field(&ChartError::AmendmentText), 1);
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        assert_eq!(amend_field(&ChartError::AmendmentBefore { at, last: at }), 1);
        assert_eq!(amend_field(&ChartError::NotSigned), 1);
        assert_eq!(amend_field(&ChartError::AmendmentDevice("pen".into())), 1);
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
        assert_eq!(amend_field(&depth), 2);
    }
}
