//! The session chart: device, cartridge lot, needle depth per treated area, passes, end
//! point, adjuncts, reaction and notes. A chart is signed by the clinician; a signed
//! chart is read-only and later changes are appended as dated amendments saying who made
//! them. Depth limits come from the device template (`assets/devices.json`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::protocol::ProtocolTemplate;
use super::skin::Area;

// ---------------------------------------------------------------------------------------
// Depth
// ---------------------------------------------------------------------------------------

/// A needle depth, held exactly in hundredths of a millimetre (so 2.5 is never 2.4999,
/// and records stay `Eq`). Serialised as a JSON number of millimetres (`1.5`, `0.25`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Depth(u16);

impl Depth {
    pub const fn from_hundredths(h: u16) -> Self {
        Depth(h)
    }

    pub fn hundredths(self) -> u16 {
        self.0
    }

    pub fn mm(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// A depth from a number of millimetres with at most two decimals.
    pub fn from_mm(mm: f64) -> Result<Self, String> {
        if !mm.is_finite() {
            return Err("a depth must be a number of millimetres".into());
        }
        if mm < 0.0 {
            return Err(format!("depth {mm} mm is negative"));
        }
        let h = mm * 100.0;
        let rounded = h.round();
        if (h - rounded).abs() > 1e-6 {
            return Err(format!("depth {mm} mm has more than 2 decimals"));
        }
        if rounded > u16::MAX as f64 {
            return Err(format!("depth {mm} mm is too large"));
        }
        Ok(Depth(rounded as u16))
    }

    /// Parses what is typed: `1.5`, `1,5`, `0.25`, `.5`, `1.5 mm`. Any range check is
    /// separate (`parse_depth`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let t = t
            .strip_suffix("mm")
            .or_else(|| t.strip_suffix("MM"))
            .unwrap_or(t)
            .trim_end();
        if t.is_empty() {
            return Err("enter a depth in mm, e.g. 1.5".into());
        }
        if t.starts_with('-') {
            return Err(format!(
                "depth '{}' is negative; enter a depth in mm, e.g. 1.5",
                text.trim()
            ));
        }
        let not_a_number = || format!("'{}' is not a depth; enter mm, e.g. 1.5", text.trim());
        let t = t.replace(',', ".");
        let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
            return Err(not_a_number());
        }
        if frac.len() > 2 {
            return Err(format!("'{}': use at most 2 decimals, e.g. 0.25", text.trim()));
        }
        let whole: u32 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| not_a_number())?
        };
        let frac: u32 = format!("{frac:0<2}").parse().map_err(|_| not_a_number())?;
        let h = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac))
            .filter(|&h| h <= u16::MAX as u32)
            .ok_or_else(|| format!("depth '{}' is far too large", text.trim()))?;
        Ok(Depth(h as u16))
    }
}

/// `1.5`, `0.25`, `2.0`: at least one decimal, trailing zeros dropped.
impl std::fmt::Display for Depth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        if frac % 10 == 0 {
            write!(f, "{whole}.{}", frac / 10)
        } else {
            write!(f, "{whole}.{frac:02}")
        }
    }
}

impl Serialize for Depth {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.mm())
    }
}

impl<'de> Deserialize<'de> for Depth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mm = f64::deserialize(d)?;
        Depth::from_mm(mm).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------
// Devices
// ---------------------------------------------------------------------------------------

/// A microneedling device from `assets/devices.json`, with the depth range its labelling
/// allows. A depth outside the range is an input error, not a warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceTemplate {
    pub id: String,
    pub name: String,
    pub min_depth_mm: Depth,
    pub max_depth_mm: Depth,
}

impl DeviceTemplate {
    pub fn validate(&self) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("device: id must not be empty".into());
        }
        let field = |name: &str, why: &str| Err(format!("device '{}': {name} {why}", self.id));
        if self.name.trim().is_empty() {
            return field("name", "must not be empty");
        }
        if self.min_depth_mm == Depth(0) {
            return field("min_depth_mm", "must be above 0");
        }
        if self.max_depth_mm < self.min_depth_mm {
            return field("max_depth_mm", "must not be below min_depth_mm");
        }
        Ok(())
    }

    pub fn allows(&self, depth: Depth) -> bool {
        (self.min_depth_mm..=self.max_depth_mm).contains(&depth)
    }

    fn range_error(&self, what: &str) -> String {
        format!(
            "{what}must be between {} and {} mm (the range of {})",
            self.min_depth_mm, self.max_depth_mm, self.name
        )
    }
}

/// Parses a typed depth and checks it against the device's range. Refused: empty text,
/// non-numbers, NaN, negatives, more than two decimals, below the device minimum (0.1 mm
/// by default) and above its maximum (2.5 mm by default). A decimal comma is accepted.
pub fn parse_depth(text: &str, device: &DeviceTemplate) -> Result<Depth, String> {
    let depth = Depth::parse(text)?;
    if device.allows(depth) {
        Ok(depth)
    } else {
        Err(device.range_error(&format!("depth {depth} mm: depth ")))
    }
}

/// The protocol's default depth for each of `areas`; areas the protocol has no default
/// for are left out (the clinician enters them).
pub fn default_depths(protocol: &ProtocolTemplate, areas: &BTreeSet<Area>) -> BTreeMap<Area, Depth> {
    areas
        .iter()
        .filter_map(|a| protocol.depths.get(a).map(|d| (*a, *d)))
        .collect()
}

// ---------------------------------------------------------------------------------------
// The chart
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Adjunct {
    Prp,
    HyaluronicAcid,
    TcaCross,
    Subcision,
}

impl Adjunct {
    pub const ALL: [Adjunct; 4] = [
        Adjunct::Prp,
        Adjunct::HyaluronicAcid,
        Adjunct::TcaCross,
        Adjunct::Subcision,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Adjunct::Prp => "PRP",
            Adjunct::HyaluronicAcid => "hyaluronic acid",
            Adjunct::TcaCross => "TCA CROSS",
            Adjunct::Subcision => "subcision",
        }
    }
}

impl std::fmt::Display for Adjunct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// What was done in a session: the editable part of a chart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartRecord {
    #[serde(default)]
    pub device_id: String,
    #[serde(default)]
    pub cartridge_lot: String,
    #[serde(default)]
    pub depths: BTreeMap<Area, Depth>,
    /// 0 = not recorded.
    #[serde(default)]
    pub passes: u8,
    #[serde(default)]
    pub end_point: String,
    #[serde(default)]
    pub adjuncts: BTreeSet<Adjunct>,
    /// Immediate reaction.
    #[serde(default)]
    pub reaction: String,
    #[serde(default)]
    pub notes: String,
}

impl ChartRecord {
    /// Everything that stops this record from being signed, in plain words.
    pub fn problems(&self, devices: &[DeviceTemplate]) -> Vec<String> {
        let mut out = Vec::new();
        let device = devices.iter().find(|d| d.id == self.device_id);
        if self.device_id.trim().is_empty() {
            out.push("device: choose the device used".to_string());
        } else if device.is_none() {
            out.push(format!("device: '{}' is not in devices.json", self.device_id));
        }
        if self.depths.is_empty() {
            out.push("depths: enter the depth of at least one treated area".to_string());
        }
        if let Some(device) = device {
            for (area, depth) in &self.depths {
                if !device.allows(*depth) {
                    out.push(device.range_error(&format!("depth {area} {depth} mm: ")));
                }
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub by: String,
    pub at: NaiveDateTime,
}

/// A dated change to a signed chart. `depths` corrects the depth of some areas (shown in
/// place of the signed value); `text` says what changed and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    pub at: NaiveDateTime,
    pub by: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub depths: BTreeMap<Area, Depth>,
}

/// A session's chart. Fields are private so a signed chart cannot be changed other
/// than by `amend`: read with the getters, change with `edit` while unsigned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionChart {
    #[serde(default)]
    record: ChartRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signed: Option<Signature>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    amendments: Vec<Amendment>,
}

pub const SIGNED_READ_ONLY: &str = "the chart is signed and read-only; add an amendment instead";

impl SessionChart {
    pub fn new(record: ChartRecord) -> Self {
        Self {
            record,
            signed: None,
            amendments: Vec::new(),
        }
    }

    /// A new chart with the protocol's default depths for the treated areas.
    pub fn with_defaults(device_id: &str, protocol: &ProtocolTemplate, areas: &BTreeSet<Area>) -> Self {
        Self::new(ChartRecord {
            device_id: device_id.to_string(),
            depths: default_depths(protocol, areas),
            ..ChartRecord::default()
        })
    }

    /// The record as signed (without amendments).
    pub fn record(&self) -> &ChartRecord {
        &self.record
    }

    pub fn signature(&self) -> Option<&Signature> {
        self.signed.as_ref()
    }

    pub fn is_signed(&self) -> bool {
        self.signed.is_some()
    }

    pub fn amendments(&self) -> &[Amendment] {
        &self.amendments
    }

    /// The record to change; refused once the chart is signed.
    pub fn edit(&mut self) -> Result<&mut ChartRecord, String> {
        if self.signed.is_some() {
            Err(SIGNED_READ_ONLY.to_string())
        } else {
            Ok(&mut self.record)
        }
    }

    /// Signs the chart. Needs the clinician's name, a device from the template and at
    /// least one depth, each within the device's range.
    pub fn sign(&mut self, by: &str, at: NaiveDateTime, devices: &[DeviceTemplate]) -> Result<(), String> {
        if self.signed.is_some() {
            return Err("the chart is already signed".into());
        }
        let by = by.trim();
        if by.is_empty() {
            return Err("signed by: enter the clinician's name".into());
        }
        let problems = self.record.problems(devices);
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        self.signed = Some(Signature {
            by: by.to_string(),
            at,
        });
        Ok(())
    }

    /// Appends an amendment to a signed chart. Needs a name and a text, may not predate
    /// the signature or the previous amendment, and corrected depths must be within the
    /// chart's device range.
    pub fn amend(&mut self, amendment: Amendment, devices: &[DeviceTemplate]) -> Result<(), String> {
        let Some(signed) = &self.signed else {
            return Err("only a signed chart takes amendments; edit the chart instead".into());
        };
        let by = amendment.by.trim();
        if by.is_empty() {
            return Err("amendment: enter the clinician's name".into());
        }
        let text = amendment.text.trim();
        if text.is_empty() {
            return Err("amendment: say what changed and why".into());
        }
        let last = self.amendments.last().map_or(signed.at, |a| a.at);
        if amendment.at < last {
            return Err(format!(
                "amendment: {} is before the last entry ({last})",
                amendment.at
            ));
        }
        if !amendment.depths.is_empty() {
            let device = devices
                .iter()
                .find(|d| d.id == self.record.device_id)
                .ok_or_else(|| {
                    format!(
                        "amendment: device '{}' is not in devices.json",
                        self.record.device_id
                    )
                })?;
            for (area, depth) in &amendment.depths {
                if !device.allows(*depth) {
                    return Err(device.range_error(&format!("amendment: depth {area} {depth} mm: ")));
                }
            }
        }
        self.amendments.push(Amendment {
            at: amendment.at,
            by: by.to_string(),
            text: text.to_string(),
            depths: amendment.depths,
        });
        Ok(())
    }

    /// Moves the signature and every amendment by `delta` (the demo clinic is brought to
    /// today this way). Their order is kept, so a moved chart still accepts amendments
    /// after its last one and never before its signature.
    pub fn shift_times(&mut self, delta: chrono::TimeDelta) {
        if let Some(signed) = &mut self.signed {
            signed.at += delta;
        }
        for a in &mut self.amendments {
            a.at += delta;
        }
    }

    /// The depths as they stand: the signed record with every amendment's corrections
    /// applied in order. This is what a consult screen shows.
    pub fn current_depths(&self) -> BTreeMap<Area, Depth> {
        let mut depths = self.record.depths.clone();
        for a in &self.amendments {
            depths.extend(a.depths.iter().map(|(k, v)| (*k, *v)));
        }
        depths
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device() -> DeviceTemplate {
        DeviceTemplate {
            id: "pen".into(),
            name: "Pen".into(),
            min_depth_mm: Depth(10),
            max_depth_mm: Depth(250),
        }
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn depth_parsing_is_exact() {
        assert_eq!(Depth::parse("1.5"), Ok(Depth(150)));
        assert_eq!(Depth::parse("1,5"), Ok(Depth(150)));
        assert_eq!(Depth::parse(" 0.25 mm"), Ok(Depth(25)));
        assert_eq!(Depth::parse(".5"), Ok(Depth(50)));
        assert_eq!(Depth::parse("2"), Ok(Depth(200)));
        assert_eq!(Depth::parse("2."), Ok(Depth(200)));
        for bad in [
            "", "mm", "abc", "NaN", "inf", "1.2.3", "1e1", "+1", "1 5", ".", "1,5,0",
        ] {
            assert!(Depth::parse(bad).is_err(), "{bad} accepted");
        }
        assert!(Depth::parse("-0.5").unwrap_err().contains("negative"));
        assert!(Depth::parse("0.255").unwrap_err().contains("2 decimals"));
        assert!(Depth::parse("99999999").unwrap_err().contains("too large"));
    }

    #[test]
    fn depth_displays_and_serialises_as_millimetres() {
        assert_eq!(Depth(150).to_string(), "1.5");
        assert_eq!(Depth(25).to_string(), "0.25");
        assert_eq!(Depth(200).to_string(), "2.0");
        assert_eq!(Depth(5).to_string(), "0.05");
        assert_eq!(serde_json::to_string(&Depth(10)).unwrap(), "0.1");
        assert_eq!(serde_json::to_string(&Depth(115)).unwrap(), "1.15");
        assert_eq!(serde_json::from_str::<Depth>("1.15").unwrap(), Depth(115));
        assert_eq!(serde_json::from_str::<Depth>("2").unwrap(), Depth(200));
        assert!(serde_json::from_str::<Depth>("-1").is_err());
        assert!(serde_json::from_str::<Depth>("1.255").is_err());
        assert!(serde_json::from_str::<Depth>("\"1.5\"").is_err());
        for h in 0..=500 {
            let json = serde_json::to_string(&Depth(h)).unwrap();
            assert_eq!(serde_json::from_str::<Depth>(&json).unwrap(), Depth(h), "{json}");
        }
    }

    #[test]
    fn range_errors_name_the_limits() {
        let err = parse_depth("2.51", &device()).unwrap_err();
        assert!(
            err.contains("0.1") && err.contains("2.5") && err.contains("Pen"),
            "{err}"
        );
        assert!(parse_depth("0", &device()).is_err());
        assert_eq!(parse_depth("0.1", &device()), Ok(Depth(10)));
        assert_eq!(parse_depth("2.5", &device()), Ok(Depth(250)));
    }

    #[test]
    fn device_validation_names_the_field() {
        assert_eq!(device().validate(), Ok(()));
        let mut d = device();
        d.max_depth_mm = Depth(5);
        assert!(d.validate().unwrap_err().contains("device 'pen': max_depth_mm"));
        let mut d = device();
        d.min_depth_mm = Depth(0);
        assert!(d.validate().unwrap_err().contains("min_depth_mm"));
    }

    #[test]
    fn a_signed_chart_is_read_only_and_amendments_correct_depths() {
        let mut chart = SessionChart::default();
        let r = chart.edit().unwrap();
        r.device_id = "pen".into();
        r.depths.insert(Area::Cheeks, Depth(150));
        chart.sign("Dr A", at("2026-12-01 10:00"), &[device()]).unwrap();
        assert_eq!(chart.edit().unwrap_err(), SIGNED_READ_ONLY);
        let amendment = |at_: &str, depths: &[(Area, u16)]| Amendment {
            at: at(at_),
            by: "Dr B".into(),
            text: "cheeks were 1.25".into(),
            depths: depths.iter().map(|&(a, h)| (a, Depth(h))).collect(),
        };
        chart
            .amend(amendment("2026-12-01 11:00", &[(Area::Cheeks, 125)]), &[device()])
            .unwrap();
        assert_eq!(chart.current_depths()[&Area::Cheeks], Depth(125));
        assert_eq!(chart.record().depths[&Area::Cheeks], Depth(150));
        assert!(
            chart
                .amend(amendment("2026-12-01 10:30", &[]), &[device()])
                .unwrap_err()
                .contains("before")
        );
        assert!(
            chart
                .amend(amendment("2026-12-02 09:00", &[(Area::Nose, 300)]), &[device()])
                .unwrap_err()
                .contains("2.5")
        );
        assert_eq!(chart.amendments().len(), 1);
    }

    #[test]
    fn chart_serialises_compactly_and_round_trips() {
        let mut chart = SessionChart::with_defaults(
            "pen",
            &ProtocolTemplate {
                id: "p".into(),
                name: "P".into(),
                sessions: 3,
                interval_days: 28,
                min_interval_days: 14,
                max_interval_days: 42,
                session_minutes: 60,
                depths: [(Area::Cheeks, Depth(150)), (Area::Forehead, Depth(50))].into(),
            },
            &[Area::Cheeks, Area::UnderEye].into(),
        );
        assert_eq!(chart.record().depths, [(Area::Cheeks, Depth(150))].into());
        chart.edit().unwrap().adjuncts.insert(Adjunct::TcaCross);
        let json = serde_json::to_string(&chart).unwrap();
        assert!(json.contains(r#""depths":{"cheeks":1.5}"#), "{json}");
        assert!(json.contains(r#""tca_cross""#), "{json}");
        assert!(!json.contains("signed") && !json.contains("amendments"), "{json}");
        assert_eq!(serde_json::from_str::<SessionChart>(&json).unwrap(), chart);
        assert_eq!(
            serde_json::from_str::<SessionChart>("{}").unwrap(),
            SessionChart::default()
        );
    }
}
