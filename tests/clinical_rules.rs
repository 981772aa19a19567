//! The clinical rules of issue 4, through the public API and the built-in templates:
//! every screening rule, every washout date (leap years and month ends), the antiviral
//! prompt, the re-screen after 30 days, overrides, depth limits, chart signing and
//! amendments, the ready-for-session list, the scar trend, the PIH caution and the
//! handout's dates.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};
use needleplan::domain::chart::{
    Adjunct, Amendment, ChartRecord, Depth, SIGNED_READ_ONLY, SessionChart, default_depths, parse_depth,
};
use needleplan::domain::handout::{HandoutFormat, HandoutInput, render_handout};
use needleplan::domain::readiness::{Missing, PhotoView, SessionPrep, missing_before_done};
use needleplan::domain::screening::{
    Screening, ScreeningTemplate, add_period, booking_allowed, earliest_eligible, evaluate,
};
use needleplan::domain::skin::{
    Area, Fitzpatrick, Iga, ScarFinding, ScarType, SkinAssessment, pih_caution, trend,
};
use needleplan::store::templates::Templates;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn screening_template() -> ScreeningTemplate {
    Templates::builtin().screening
}

/// Every question answered "no", no exposures, reviewed on `reviewed`.
fn clear_screening(reviewed: &str) -> Screening {
    let t = screening_template();
    let mut s = Screening::default();
    for id in t.absolute.iter().chain(&t.relative).map(|r| &r.id) {
        s.answers.insert(id.clone(), false);
    }
    for p in &t.prompts {
        s.answers.insert(p.id.clone(), false);
    }
    for w in &t.washouts {
        s.exposures.insert(w.id.clone(), None);
    }
    s.review("Dr Okafor", d(reviewed)).unwrap();
    s
}

// ---------------------------------------------------------------------------------------
// Screening rules
// ---------------------------------------------------------------------------------------

#[test]
fn a_clear_reviewed_screening_allows_booking_with_nothing_to_do() {
    let t = screening_template();
    let r = evaluate(&clear_screening("2026-11-20"), &t, d("2026-12-01"));
    assert!(r.blocks.is_empty() && r.warnings.is_empty() && r.prompts.is_empty());
    assert!(r.unanswered.is_empty(), "{:?}", r.unanswered);
    assert!(!r.rescreen_needed);
    assert_eq!(booking_allowed(&r), Ok(()));
    assert_eq!(r.earliest_eligible, None);
}

#[test]
fn every_absolute_contraindication_blocks_booking_until_overridden() {
    let t = screening_template();
    let ids: Vec<&str> = t.absolute.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "active_infection",
            "active_acne",
            "keloid_tendency",
            "pregnancy",
            "bleeding_disorder",
            "skin_cancer",
            "chemo_radiotherapy",
            "immunosuppression",
        ]
    );
    for rule in &t.absolute {
        let mut s = clear_screening("2026-11-20");
        s.answers.insert(rule.id.clone(), true);
        let r = evaluate(&s, &t, d("2026-12-01"));
        assert_eq!(r.blocks.len(), 1, "{}", rule.id);
        assert_eq!(booking_allowed(&r), Err(vec![rule.label.clone()]), "{}", rule.id);
        s.add_override(
            &t,
            &rule.id,
            "Dr Okafor",
            "discussed with medical director",
            at("2026-11-21 09:00"),
        )
        .unwrap();
        let r = evaluate(&s, &t, d("2026-12-01"));
        assert_eq!(booking_allowed(&r), Ok(()), "{}", rule.id);
        let o = r.blocks[0].overridden_by.as_ref().unwrap();
        assert_eq!(o.by, "Dr Okafor");
        assert_eq!(o.reason, "discussed with medical director");
        assert_eq!(o.at, at("2026-11-21 09:00"));
    }
}

#[test]
fn every_relative_contraindication_warns_until_acknowledged_and_never_blocks() {
    let t = screening_template();
    let ids: Vec<&str> = t.relative.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "anticoagulants",
            "photosensitising_drugs",
            "eczema_psoriasis",
            "autoimmune",
            "uncontrolled_diabetes",
            "recent_scars",
            "metal_allergy",
        ]
    );
    for rule in &t.relative {
        let mut s = clear_screening("2026-11-20");
        s.answers.insert(rule.id.clone(), true);
        let r = evaluate(&s, &t, d("2026-12-01"));
        assert_eq!(booking_allowed(&r), Ok(()), "{}", rule.id);
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.warnings[0].message, rule.label);
        assert_eq!(r.unacknowledged().count(), 1);
        assert!(s.acknowledge(&t, &rule.id, " ", at("2026-11-21 09:00")).is_err());
        s.acknowledge(&t, &rule.id, "Dr Okafor", at("2026-11-21 09:00"))
            .unwrap();
        let r = evaluate(&s, &t, d("2026-12-01"));
        assert_eq!(r.unacknowledged().count(), 0, "{}", rule.id);
        assert_eq!(r.warnings[0].acknowledged_by.as_ref().unwrap().by, "Dr Okafor");
    }
    let mut s = clear_screening("2026-11-20");
    assert!(
        s.acknowledge(&t, "pregnancy", "Dr Okafor", at("2026-11-21 09:00"))
            .is_err()
    );
}

#[test]
fn an_override_needs_a_name_and_a_reason() {
    let t = screening_template();
    let mut s = clear_screening("2026-11-20");
    s.answers.insert("pregnancy".into(), true);
    let when = at("2026-11-21 09:00");
    let err = s
        .add_override(&t, "pregnancy", "", "reason", when)
        .unwrap_err()
        .to_string();
    assert!(err.contains("name"), "{err}");
    let err = s
        .add_override(&t, "pregnancy", "Dr Okafor", "   ", when)
        .unwrap_err()
        .to_string();
    assert!(err.contains("reason"), "{err}");
    assert!(s.overrides.is_empty());
    assert!(booking_allowed(&evaluate(&s, &t, d("2026-12-01"))).is_err());
    // Relative rules and unknown ids are not things an override lifts.
    assert!(
        s.add_override(&t, "anticoagulants", "Dr Okafor", "x", when)
            .is_err()
    );
    assert!(
        s.add_override(&t, "washout:unknown", "Dr Okafor", "x", when)
            .is_err()
    );
}

// ---------------------------------------------------------------------------------------
// Washouts
// ---------------------------------------------------------------------------------------

fn eligible(washout: &str, last: &str) -> NaiveDate {
    let t = screening_template();
    let mut s = clear_screening("2026-01-01");
    s.exposures.insert(washout.into(), Some(d(last)));
    let e = earliest_eligible(&s, &t).unwrap();
    assert_eq!(e.washout_id, washout);
    assert_eq!(e.last_exposure, d(last));
    e.date
}

#[test]
fn isotretinoin_is_six_calendar_months_clamped_to_the_month_end() {
    assert_eq!(eligible("isotretinoin", "2026-08-31"), d("2027-02-28"));
    assert_eq!(eligible("isotretinoin", "2027-08-31"), d("2028-02-29"));
    assert_eq!(eligible("isotretinoin", "2027-08-29"), d("2028-02-29"));
    assert_eq!(eligible("isotretinoin", "2026-03-15"), d("2026-09-15"));
    assert_eq!(eligible("isotretinoin", "2026-12-31"), d("2027-06-30"));
}

#[test]
fn radiotherapy_and_toxin_are_three_months() {
    assert_eq!(eligible("radiotherapy", "2026-11-30"), d("2027-02-28"));
    assert_eq!(eligible("radiotherapy", "2027-11-30"), d("2028-02-29"));
    assert_eq!(eligible("toxin", "2026-05-31"), d("2026-08-31"));
    assert_eq!(eligible("toxin", "2026-10-31"), d("2027-01-31"));
}

#[test]
fn filler_is_twelve_months_and_a_leap_day_lands_on_the_28th() {
    assert_eq!(eligible("filler", "2028-02-29"), d("2029-02-28"));
    assert_eq!(eligible("filler", "2026-06-15"), d("2027-06-15"));
}

#[test]
fn tan_is_two_weeks_across_month_and_year_ends() {
    assert_eq!(eligible("tan", "2026-12-25"), d("2027-01-08"));
    assert_eq!(eligible("tan", "2028-02-20"), d("2028-03-05"));
    assert_eq!(eligible("tan", "2027-02-20"), d("2027-03-06"));
}

#[test]
fn the_earliest_eligible_date_is_the_latest_of_all_washouts() {
    let t = screening_template();
    let mut s = clear_screening("2026-11-20");
    s.exposures.insert("isotretinoin".into(), Some(d("2026-08-31")));
    s.exposures.insert("tan".into(), Some(d("2026-11-10")));
    s.exposures.insert("filler".into(), Some(d("2025-01-10")));
    let e = earliest_eligible(&s, &t).unwrap();
    assert_eq!((e.date, e.washout_id.as_str()), (d("2027-02-28"), "isotretinoin"));
}

#[test]
fn booking_before_the_eligible_date_is_refused_unless_overridden() {
    let t = screening_template();
    let mut s = clear_screening("2027-02-01");
    s.exposures.insert("isotretinoin".into(), Some(d("2026-08-31")));
    let r = evaluate(&s, &t, d("2027-02-27"));
    let why = booking_allowed(&r).unwrap_err();
    assert_eq!(why.len(), 1);
    assert!(
        why[0].contains("isotretinoin") && why[0].contains("2027-02-28"),
        "{why:?}"
    );
    assert_eq!(r.blocks[0].rule_id, "washout:isotretinoin");
    // On the eligible date itself the washout has run out.
    assert_eq!(booking_allowed(&evaluate(&s, &t, d("2027-02-28"))), Ok(()));
    s.add_override(
        &t,
        "washout:isotretinoin",
        "Dr Okafor",
        "low dose, dermatologist agrees",
        at("2027-02-01 10:00"),
    )
    .unwrap();
    assert_eq!(booking_allowed(&evaluate(&s, &t, d("2027-02-27"))), Ok(()));
}

#[test]
fn every_washout_blocks_the_day_before_and_allows_the_day_it_ends() {
    let t = screening_template();
    for w in &t.washouts {
        let mut s = clear_screening("2026-01-01");
        s.exposures.insert(w.id.clone(), Some(d("2026-01-31")));
        let end = w.eligible_from(d("2026-01-31"));
        let before = end.pred_opt().unwrap();
        assert!(booking_allowed(&evaluate(&s, &t, before)).is_err(), "{}", w.id);
        assert!(booking_allowed(&evaluate(&s, &t, end)).is_ok(), "{}", w.id);
    }
}

proptest! {
    #[test]
    fn calendar_months_never_overshoot(days in 0i64..40_000, months in 0u32..24) {
        let start = d("2000-01-01") + chrono::Duration::days(days);
        let end = add_period(start, months, 0, 0);
        prop_assert!(end >= start);
        let span = (end - start).num_days();
        prop_assert!(span >= months as i64 * 28 - 3 && span <= months as i64 * 31);
        // Same day of month, or the month's last day when that day does not exist.
        prop_assert!(end.format("%d").to_string() == start.format("%d").to_string()
            || end.succ_opt().unwrap().format("%d").to_string() == "01");
    }
}

// ---------------------------------------------------------------------------------------
// Prompts and re-screen
// ---------------------------------------------------------------------------------------

#[test]
fn a_history_of_cold_sores_prompts_for_antivirals_before_every_session() {
    let t = screening_template();
    let mut s = clear_screening("2026-11-20");
    s.answers.insert("hsv_history".into(), true);
    for day in ["2026-11-21", "2026-12-01", "2026-12-20"] {
        let r = evaluate(&s, &t, d(day));
        assert_eq!(r.prompts.len(), 1, "{day}");
        assert!(r.prompts[0].text.contains("Antiviral"), "{:?}", r.prompts);
        assert_eq!(booking_allowed(&r), Ok(()), "a prompt never blocks booking");
    }
    s.answers.insert("hsv_history".into(), false);
    assert!(evaluate(&s, &t, d("2026-12-01")).prompts.is_empty());
}

#[test]
fn a_session_more_than_30_days_after_the_review_asks_for_a_rescreen() {
    let t = screening_template();
    let s = clear_screening("2026-11-01");
    assert!(!evaluate(&s, &t, d("2026-11-01")).rescreen_needed);
    let day30 = evaluate(&s, &t, d("2026-12-01"));
    assert!(!day30.rescreen_needed);
    assert_eq!(day30.review_valid_until, Some(d("2026-12-01")));
    assert!(evaluate(&s, &t, d("2026-12-02")).rescreen_needed, "day 31");
    assert!(
        evaluate(&Screening::default(), &t, d("2026-11-01")).rescreen_needed,
        "never reviewed"
    );
}

#[test]
fn a_rescreen_retires_earlier_overrides() {
    let t = screening_template();
    let mut s = clear_screening("2026-11-01");
    s.answers.insert("keloid_tendency".into(), true);
    s.add_override(
        &t,
        "keloid_tendency",
        "Dr Okafor",
        "old scar only",
        at("2026-11-01 10:00"),
    )
    .unwrap();
    assert!(booking_allowed(&evaluate(&s, &t, d("2026-11-20"))).is_ok());
    s.review("Dr Okafor", d("2026-12-05")).unwrap();
    assert!(booking_allowed(&evaluate(&s, &t, d("2026-12-10"))).is_err());
    assert!(s.review(" ", d("2026-12-06")).is_err());
}

// ---------------------------------------------------------------------------------------
// Depths and charts
// ---------------------------------------------------------------------------------------

#[test]
fn depth_limits_come_from_the_device() {
    let t = Templates::builtin();
    let pen = t.device("pen-2.5").unwrap();
    assert_eq!(parse_depth("0.1", pen), Ok(Depth::from_hundredths(10)));
    assert_eq!(parse_depth("2.5", pen), Ok(Depth::from_hundredths(250)));
    assert_eq!(parse_depth("1,5", pen), Ok(Depth::from_hundredths(150)));
    assert_eq!(parse_depth("0.25 mm", pen), Ok(Depth::from_hundredths(25)));
    for (text, says) in [
        ("2.51", "2.5"),
        ("0", "0.1"),
        ("0.09", "0.1"),
        ("3", "2.5"),
        ("-1", "negative"),
        ("-0.5", "negative"),
        ("abc", "not a depth"),
        ("NaN", "not a depth"),
        ("", "enter a depth"),
        ("1.234", "2 decimals"),
    ] {
        let err = parse_depth(text, pen).unwrap_err().to_string();
        assert!(err.contains(says), "'{text}': {err}");
    }
    let small = t.device("pen-2.0").unwrap();
    assert!(parse_depth("2.5", small).unwrap_err().to_string().contains("2.0"));
}

#[test]
fn default_depths_follow_the_clinical_reference() {
    let t = Templates::builtin();
    let protocol = &t.protocols[0];
    let all: BTreeSet<Area> = Area::ALL.into_iter().collect();
    let depths = default_depths(protocol, &all);
    let shown: Vec<(Area, String)> = depths.iter().map(|(a, d)| (*a, d.to_string())).collect();
    assert_eq!(
        shown,
        [
            (Area::Forehead, "0.5".to_string()),
            (Area::Temples, "0.5".into()),
            (Area::Nose, "0.5".into()),
            (Area::Perioral, "0.5".into()),
            (Area::Cheeks, "1.5".into()),
            (Area::ChinJawline, "1.0".into()),
            (Area::UnderEye, "0.25".into()),
        ]
    );
    let only = default_depths(protocol, &[Area::Cheeks].into());
    assert_eq!(only.len(), 1);
    for p in &t.protocols {
        assert_eq!(p.depths.len(), 7, "{}", p.id);
    }
}

fn chart_for_signing() -> SessionChart {
    let t = Templates::builtin();
    let mut chart =
        SessionChart::with_defaults("pen-2.5", &t.protocols[0], &[Area::Cheeks, Area::Forehead].into());
    let r = chart.edit().unwrap();
    r.cartridge_lot = "LOT-2291".into();
    r.passes = 3;
    r.end_point = "pinpoint bleeding".into();
    r.adjuncts.insert(Adjunct::Prp);
    r.reaction = "erythema".into();
    chart
}

#[test]
fn signing_needs_a_name_a_known_device_and_a_depth_within_its_range() {
    let Templates {
        devices,
        depth_ranges: ranges,
        ..
    } = Templates::builtin();
    let when = at("2026-12-01 10:30");
    let mut empty = SessionChart::new(ChartRecord::default());
    let err = empty
        .sign("Dr Okafor", when, &devices, &ranges)
        .unwrap_err()
        .to_string();
    assert!(err.contains("device") && err.contains("depth"), "{err}");
    let mut unknown = chart_for_signing();
    unknown.edit().unwrap().device_id = "laser".into();
    assert!(
        unknown
            .sign("Dr Okafor", when, &devices, &ranges)
            .unwrap_err()
            .to_string()
            .contains("'laser'")
    );
    let mut too_deep = chart_for_signing();
    too_deep.edit().unwrap().device_id = "pen-2.0".into();
    too_deep
        .edit()
        .unwrap()
        .depths
        .insert(Area::Cheeks, Depth::from_hundredths(225));
    let err = too_deep
        .sign("Dr Okafor", when, &devices, &ranges)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cheeks") && err.contains("2.0"), "{err}");
    let mut chart = chart_for_signing();
    assert!(chart.sign("  ", when, &devices, &ranges).is_err());
    assert!(!chart.is_signed());
    chart.sign("Dr Okafor", when, &devices, &ranges).unwrap();
    let sig = chart.signature().unwrap();
    assert_eq!((sig.by.as_str(), sig.at), ("Dr Okafor", when));
    assert!(
        chart.sign("Dr Okafor", when, &devices, &ranges).is_err(),
        "signed twice"
    );
}

#[test]
fn a_signed_chart_is_read_only_and_changes_are_dated_amendments() {
    let Templates {
        devices,
        depth_ranges: ranges,
        ..
    } = Templates::builtin();
    let mut chart = chart_for_signing();
    assert!(
        chart
            .amend(
                Amendment {
                    at: at("2026-12-01 10:00"),
                    by: "Dr Okafor".into(),
                    text: "x".into(),
                    depths: Default::default(),
                },
                &devices
            )
            .unwrap_err()
            .to_string()
            .contains("signed")
    );
    chart
        .sign("Dr Okafor", at("2026-12-01 10:30"), &devices, &ranges)
        .unwrap();
    assert_eq!(chart.edit().unwrap_err().to_string(), SIGNED_READ_ONLY);
    let signed = chart.record().clone();
    let correction = Amendment {
        at: at("2026-12-02 08:15"),
        by: "Nurse Patel".into(),
        text: "cheeks were treated at 1.25 mm, not 1.5".into(),
        depths: [(Area::Cheeks, Depth::from_hundredths(125))].into(),
    };
    chart.amend(correction.clone(), &devices).unwrap();
    let no_name = Amendment {
        by: "".into(),
        ..correction.clone()
    };
    assert!(chart.amend(no_name, &devices).is_err());
    let no_text = Amendment {
        text: " ".into(),
        ..correction.clone()
    };
    assert!(chart.amend(no_text, &devices).is_err());
    let backdated = Amendment {
        at: at("2026-12-01 09:00"),
        ..correction.clone()
    };
    assert!(chart.amend(backdated, &devices).is_err());
    let out_of_range = Amendment {
        depths: [(Area::Cheeks, Depth::from_hundredths(251))].into(),
        ..correction.clone()
    };
    assert!(
        chart
            .amend(out_of_range, &devices)
            .unwrap_err()
            .to_string()
            .contains("2.5")
    );
    assert_eq!(chart.record(), &signed, "the signed record never changes");
    assert_eq!(chart.amendments(), [correction]);
    assert_eq!(chart.current_depths()[&Area::Cheeks].to_string(), "1.25");
    assert_eq!(chart.current_depths()[&Area::Forehead].to_string(), "0.5");
    // A signed chart survives a round trip through JSON still signed.
    let back: SessionChart = serde_json::from_str(&serde_json::to_string(&chart).unwrap()).unwrap();
    assert_eq!(back, chart);
    assert!(back.clone().edit().is_err());
}

// ---------------------------------------------------------------------------------------
// Ready for the session
// ---------------------------------------------------------------------------------------

#[test]
fn the_plan_lists_everything_missing_before_a_session_is_done() {
    let t = screening_template();
    let mut s = clear_screening("2026-10-01");
    s.answers.insert("hsv_history".into(), true);
    s.answers.insert("anticoagulants".into(), true);
    s.answers.insert("active_acne".into(), true);
    s.answers.remove("metal_allergy");
    let r = evaluate(&s, &t, d("2026-12-01"));
    let prep = SessionPrep {
        consent_signed: Some(d("2026-10-01")),
        photo_consent: None,
        photos: [PhotoView::Front].into(),
        confirmed_prompts: BTreeSet::new(),
    };
    let interval = vec!["9 days from session 1 (2026-11-22); minimum interval is 14 days".to_string()];
    let missing: Vec<String> = missing_before_done(&prep, &r, &interval, &t.before_session)
        .iter()
        .map(Missing::text)
        .collect();
    assert_eq!(
        missing,
        [
            "photo consent not signed",
            "before-photo missing: left",
            "before-photo missing: right",
            "re-screen needed (last review 2026-10-01)",
            "screening not answered: Metal allergy",
            "contraindication open: Active inflammatory acne in the treatment area",
            "warning not acknowledged: Anticoagulants",
            "not confirmed: Antiviral prophylaxis before this session (history of cold sores)",
            "interval: 9 days from session 1 (2026-11-22); minimum interval is 14 days",
        ]
    );
}

#[test]
fn a_fully_prepared_session_has_nothing_missing() {
    let t = screening_template();
    let mut s = clear_screening("2026-11-25");
    s.answers.insert("hsv_history".into(), true);
    let r = evaluate(&s, &t, d("2026-12-01"));
    let prep = SessionPrep {
        consent_signed: Some(d("2026-11-25")),
        photo_consent: Some(d("2026-11-25")),
        photos: PhotoView::ALL.into_iter().collect(),
        confirmed_prompts: ["hsv_history".to_string()].into(),
    };
    assert_eq!(missing_before_done(&prep, &r, &[], &t.before_session), []);
    let never = evaluate(&Screening::default(), &t, d("2026-12-01"));
    let missing = missing_before_done(&prep, &never, &[], &t.before_session);
    assert_eq!(missing[0], Missing::ScreeningNotReviewed);
}

// ---------------------------------------------------------------------------------------
// Skin profile
// ---------------------------------------------------------------------------------------

fn assessment(date: &str, fitzpatrick: Fitzpatrick, grade: u8) -> SkinAssessment {
    SkinAssessment {
        date: d(date),
        by: "Dr Okafor".into(),
        fitzpatrick,
        iga: Iga::Mild,
        scars: vec![
            ScarFinding {
                kind: ScarType::Rolling,
                grade,
            },
            ScarFinding {
                kind: ScarType::Boxcar,
                grade: 1,
            },
        ],
        quantitative_score: Some(24),
        areas: [Area::Cheeks, Area::Temples].into(),
        notes: String::new(),
    }
}

#[test]
fn the_trend_reads_grade_then_grade_since_the_first_month() {
    let history = vec![
        assessment("2026-03-09", Fitzpatrick::IV, 3),
        assessment("2026-05-11", Fitzpatrick::IV, 3),
        assessment("2026-07-13", Fitzpatrick::IV, 2),
    ];
    assert!(history.iter().all(|a| a.validate().is_ok()));
    assert_eq!(trend(&history).unwrap().text(), "grade 3 -> 2 since 2026-03");
}

#[test]
fn only_fitzpatrick_iv_to_vi_carry_the_pih_caution() {
    let t = screening_template();
    let cautioned: Vec<Fitzpatrick> = Fitzpatrick::ALL
        .into_iter()
        .filter(|f| pih_caution(*f, &t))
        .collect();
    assert_eq!(cautioned, [Fitzpatrick::IV, Fitzpatrick::V, Fitzpatrick::VI]);
    assert!(t.pih.text.contains("PIH"));
}

// ---------------------------------------------------------------------------------------
// Handout
// ---------------------------------------------------------------------------------------

fn handout_input(date: &str, last: bool) -> HandoutInput {
    HandoutInput {
        clinic_name: "Harbour Skin Clinic".into(),
        clinic_phone: "020 7946 0000".into(),
        clinic_address: String::new(),
        patient_name: "Aisha".into(),
        session_date: d(date),
        last_in_series: last,
    }
}

#[test]
fn the_handout_has_real_dates_across_a_month_end() {
    let t = Templates::builtin().handout;
    let md = render_handout(&t, &handout_input("2026-11-30", false), HandoutFormat::Markdown);
    assert!(
        md.starts_with("# Aftercare after your microneedling session\n"),
        "{md}"
    );
    assert!(md.contains("**Treatment day:** Mon 2026-11-30"), "{md}");
    assert!(
        md.contains("- **Mon 2026-11-30 to Tue 2026-12-01:** For the first 24 hours"),
        "{md}"
    );
    assert!(
        md.contains("- **Sat 2026-12-05 to Mon 2026-12-07:** You may restart"),
        "{md}"
    );
    assert!(
        md.contains("- **Mon 2026-11-30 to Thu 2026-12-10:** SPF 50+"),
        "{md}"
    );
    assert!(md.contains("020 7946 0000"), "{md}");
    assert!(!md.contains("Review visits"), "{md}");
}

#[test]
fn the_handout_handles_a_leap_day_and_lists_reviews_after_the_last_session() {
    let t = Templates::builtin().handout;
    let text = render_handout(&t, &handout_input("2028-02-28", true), HandoutFormat::Text);
    assert!(text.contains("Treatment day: Mon 2028-02-28"), "{text}");
    assert!(
        text.contains("Tue 2028-02-29 to Thu 2028-03-02\n  Use a gentle cleanser"),
        "{text}"
    );
    assert!(text.contains("Review visits"), "{text}");
    for review in ["Tue 2028-03-28", "Sun 2028-05-28", "Mon 2028-08-28"] {
        assert!(text.contains(review), "{review} missing in {text}");
    }
    assert!(text.lines().all(|l| l.chars().count() <= 78), "{text}");
    let month_end = render_handout(&t, &handout_input("2027-08-31", true), HandoutFormat::Text);
    assert!(
        month_end.contains("Tue 2028-02-29\n  Review visit"),
        "{month_end}"
    );
}

#[test]
fn the_handout_carries_no_clinic_internal_wording() {
    let templates = Templates::builtin();
    for format in [HandoutFormat::Markdown, HandoutFormat::Text] {
        let out = render_handout(&templates.handout, &handout_input("2026-12-01", true), format);
        for item in &templates.aftercare {
            assert!(!out.contains(&item.text), "staff item '{}' in handout", item.text);
        }
        for internal in [
            "Clinic follow-up call",
            "Aftercare sheet given",
            "grading",
            "depth",
        ] {
            assert!(!out.contains(internal), "'{internal}' in handout:\n{out}");
        }
    }
}
