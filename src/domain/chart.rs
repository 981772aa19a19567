//! The session chart: device, cartridge lot, needle depth per treated area, passes, end
//! point, adjuncts, reaction and notes. A chart is signed by the clinician; a signed
//! chart is read-only and later changes are appended as dated amendments saying who made
//! them. Depth limits come from the device template (`assets/devices.json`): beyond them
//! a depth is an input error. Each area's usual range (`assets/depth_ranges.json`) asks
//! for more only: a depth outside it needs the clinician's reason, stored with the chart.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::depth_ranges::{DepthRanges, OutsideRange, is_reason};
use super::protocol::ProtocolTemplate;
use super::skin::Area;

// ---------------------------------------------------------------------------------------
// Depth
// ---------------------------------------------------------------------------------------

/// Why a depth is refused: a number of millimetres from a file (`from_mm`), text as typed
/// (`parse`, which quotes it), or a depth outside the device's range (`parse_depth`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DepthError {
    #[error("a depth must be a number of millimetres")]
    NotFinite,
    #[error("depth {0} mm is negative")]
    NegativeMm(f64),
    #[error("depth {0} mm has more than 2 decimals")]
    TooManyDecimalsMm(f64),
    #[error("depth {0} mm is too large")]
    TooLargeMm(f64),
    #[error("enter a depth in mm, e.g. 1.5")]
    Empty,
    /// The text as typed (trimmed), here and below.
    #[error("depth '{0}' is negative; enter a depth in mm, e.g. 1.5")]
    Negative(String),
    #[error("'{0}' is not a depth; enter mm, e.g. 1.5")]
    NotANumber(String),
    #[error("'{0}': use at most 2 decimals, e.g. 0.25")]
    TooManyDecimals(String),
    #[error("depth '{0}' is far too large")]
    FarTooLarge(String),
    #[error("depth {depth} mm: depth {range}")]
    OutOfRange { depth: Depth, range: DepthRange },
}

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
    pub fn from_mm(mm: f64) -> Result<Self, DepthError> {
        if !mm.is_finite() {
            return Err(DepthError::NotFinite);
        }
        if mm < 0.0 {
            return Err(DepthError::NegativeMm(mm));
        }
        let h = mm * 100.0;
        let rounded = h.round();
        if (h - rounded).abs() > 1e-6 {
            return Err(DepthError::TooManyDecimalsMm(mm));
        }
        if rounded > u16::MAX as f64 {
            return Err(DepthError::TooLargeMm(mm));
        }
        Ok(Depth(rounded as u16))
    }

    /// Parses what is typed: `1.5`, `1,5`, `0.25`, `.5`, `1.5 mm`. Any range check is
    /// separate (`parse_depth`).
    pub fn parse(text: &str) -> Result<Self, DepthError> {
        let t = text.trim();
        let t = t
            .strip_suffix("mm")
            .or_else(|| t.strip_suffix("MM"))
            .unwrap_or(t)
            .trim_end();
        if t.is_empty() {
            return Err(DepthError::Empty);
        }
        let typed = || text.trim().to_string();
        if t.starts_with('-') {
            return Err(DepthError::Negative(typed()));
        }
        let not_a_number = || DepthError::NotANumber(typed());
        let t = t.replace(',', ".");
        let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
            return Err(not_a_number());
        }
        if frac.len() > 2 {
            return Err(DepthError::TooManyDecimals(typed()));
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
            .ok_or_else(|| DepthError::FarTooLarge(typed()))?;
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

/// Why a device in `devices.json` is refused: the field, and the device's id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    #[error("device: id must not be empty")]
    MissingId,
    /// `field` is the JSON name (`max_depth_mm`); `why` finishes the sentence.
    #[error("device '{id}': {field} {why}")]
    Field {
        id: String,
        field: &'static str,
        why: &'static str,
    },
}

/// A device's depth range, for messages: "must be between 0.1 and 2.5 mm (the range of
/// Pen)".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepthRange {
    pub min: Depth,
    pub max: Depth,
    pub device: String,
}

impl std::fmt::Display for DepthRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "must be between {} and {} mm (the range of {})",
            self.min, self.max, self.device
        )
    }
}

impl DeviceTemplate {
    pub fn validate(&self) -> Result<(), DeviceError> {
        if self.id.trim().is_empty() {
            return Err(DeviceError::MissingId);
        }
        let field = |field, why| {
            Err(DeviceError::Field {
                id: self.id.clone(),
                field,
                why,
            })
        };
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

    pub fn range(&self) -> DepthRange {
        DepthRange {
            min: self.min_depth_mm,
            max: self.max_depth_mm,
            device: self.name.clone(),
        }
    }
}

/// Parses a typed depth and checks it against the device's range. Refused: empty text,
/// non-numbers, NaN, negatives, more than two decimals, below the device minimum (0.1 mm
/// by default) and above its maximum (2.5 mm by default). A decimal comma is accepted.
pub fn parse_depth(text: &str, device: &DeviceTemplate) -> Result<Depth, DepthError> {
    let depth = Depth::parse(text)?;
    if device.allows(depth) {
        Ok(depth)
    } else {
        Err(DepthError::OutOfRange {
            depth,
            range: device.range(),
        })
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
    /// Why a depth outside its area's usual range was used: the clinician's confirmation.
    /// Required while any depth is outside (see [`ChartRecord::problems`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub depth_reason: String,
}

/// Something that stops a chart record from being signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChartProblem {
    #[error("device: choose the device used")]
    NoDevice,
    #[error("device: '{0}' is not in devices.json")]
    UnknownDevice(String),
    #[error("depths: enter the depth of at least one treated area")]
    NoDepths,
    #[error("depth {area} {depth} mm: {range}")]
    DepthOutOfRange {
        area: Area,
        depth: Depth,
        range: DepthRange,
    },
    /// Outside the area's usual range, and no reason recorded.
    #[error("depth {0}: the clinician's reason is needed (c, Depth reason)")]
    DepthNeedsReason(OutsideRange),
}

impl ChartRecord {
    /// The depths outside their area's usual range (amendments not applied).
    pub fn outside_usual(&self, ranges: &DepthRanges) -> Vec<OutsideRange> {
        ranges.outside(&self.depths)
    }

    /// Whether the record holds a reason for its depths outside the usual ranges.
    pub fn has_depth_reason(&self) -> bool {
        is_reason(&self.depth_reason)
    }

    /// Everything that stops this record from being signed: no device or depth, a depth
    /// beyond the device, a depth outside its area's usual range without a reason.
    pub fn problems(&self, devices: &[DeviceTemplate], ranges: &DepthRanges) -> Vec<ChartProblem> {
        let mut out = Vec::new();
        let device = devices.iter().find(|d| d.id == self.device_id);
        if self.device_id.trim().is_empty() {
            out.push(ChartProblem::NoDevice);
        } else if device.is_none() {
            out.push(ChartProblem::UnknownDevice(self.device_id.clone()));
        }
        if self.depths.is_empty() {
            out.push(ChartProblem::NoDepths);
        }
        if let Some(device) = device {
            for (area, depth) in &self.depths {
                if !device.allows(*depth) {
                    out.push(ChartProblem::DepthOutOfRange {
                        area: *area,
                        depth: *depth,
                        range: device.range(),
                    });
                }
            }
        }
        if !self.has_depth_reason() {
            // A depth beyond the device is wrong whatever the reason: it is named once.
            let beyond: Vec<Area> = out
                .iter()
                .filter_map(|p| match p {
                    ChartProblem::DepthOutOfRange { area, .. } => Some(*area),
                    _ => None,
                })
                .collect();
            let needs = self
                .outside_usual(ranges)
                .into_iter()
                .filter(|o| !beyond.contains(&o.area));
            out.extend(needs.map(ChartProblem::DepthNeedsReason));
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

/// Why a chart was not changed, signed or amended. An amendment's variants say which of
/// its parts is wrong (the name, the text, a corrected depth), so the amendment form can
/// put the message on that field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChartError {
    #[error("{SIGNED_READ_ONLY}")]
    SignedReadOnly,
    #[error("the chart is already signed")]
    AlreadySigned,
    #[error("signed by: enter the clinician's name")]
    SignedBy,
    /// The record is not complete; at least one problem.
    #[error("{}", join_problems(.0))]
    NotSignable(Vec<ChartProblem>),
    #[error("only a signed chart takes amendments; edit the chart instead")]
    NotSigned,
    #[error("amendment: enter the clinician's name")]
    AmendmentBy,
    #[error("amendment: say what changed and why")]
    AmendmentText,
    /// An amendment may not predate the signature or the amendment before it.
    #[error("amendment: {at} is before the last entry ({last})")]
    AmendmentBefore { at: NaiveDateTime, last: NaiveDateTime },
    /// Depths were corrected, but the chart's device is not in the template any more.
    #[error("amendment: device '{0}' is not in devices.json")]
    AmendmentDevice(String),
    #[error("amendment: depth {area} {depth} mm: {range}")]
    AmendmentDepth {
        area: Area,
        depth: Depth,
        range: DepthRange,
    },
}

fn join_problems(problems: &[ChartProblem]) -> String {
    let texts: Vec<String> = problems.iter().map(ToString::to_string).collect();
    texts.join("; ")
}

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
    pub fn edit(&mut self) -> Result<&mut ChartRecord, ChartError> {
        if self.signed.is_some() {
            Err(ChartError::SignedReadOnly)
        } else {
            Ok(&mut self.record)
        }
    }

    /// Signs the chart. Needs the clinician's name, a device from the template and at
    /// least one depth, each within the device's range, and a reason for any depth
    /// outside its area's usual range.
    pub fn sign(
        &mut self,
        by: &str,
        at: NaiveDateTime,
        devices: &[DeviceTemplate],
        ranges: &DepthRanges,
    ) -> Result<(), ChartError> {
        if self.signed.is_some() {
            return Err(ChartError::AlreadySigned);
        }
        let by = by.trim();
        if by.is_empty() {
            return Err(ChartError::SignedBy);
        }
        let problems = self.record.problems(devices, ranges);
        if !problems.is_empty() {
            return Err(ChartError::NotSignable(problems));
        }
        self.signed = Some(Signature {
            by: by.to_string(),
            at,
        });
        Ok(())
    }

    /// Appends an amendment to a signed chart. Needs a name and a text, may not predate
    /// the signature or the previous amendment, and corrected depths must be within the
    /// chart's device range. A corrected depth outside its area's usual range needs no
    /// further reason: the amendment's own text (required, with the clinician's name)
    /// says why.
    pub fn amend(&mut self, amendment: Amendment, devices: &[DeviceTemplate]) -> Result<(), ChartError> {
        let Some(signed) = &self.signed else {
            return Err(ChartError::NotSigned);
        };
        let by = amendment.by.trim();
        if by.is_empty() {
            return Err(ChartError::AmendmentBy);
        }
        let text = amendment.text.trim();
        if text.is_empty() {
            return Err(ChartError::AmendmentText);
        }
        let last = self.amendments.last().map_or(signed.at, |a| a.at);
        if amendment.at < last {
            return Err(ChartError::AmendmentBefore {
                at: amendment.at,
                last,
            });
        }
        if !amendment.depths.is_empty() {
            let device = devices
                .iter()
                .find(|d| d.id == self.record.device_id)
                .ok_or_else(|| ChartError::AmendmentDevice(self.record.device_id.clone()))?;
            for (area, depth) in &amendment.depths {
                if !device.allows(*depth) {
                    return Err(ChartError::AmendmentDepth {
                        area: *area,
                        depth: *depth,
                        range: device.range(),
                    });
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

    fn no_ranges() -> DepthRanges {
        DepthRanges::default()
    }

    /// Under-eye 0.2-0.3 mm, as in the clinical reference.
    fn under_eye_range() -> DepthRanges {
        use super::super::depth_ranges::AreaRange;
        DepthRanges::new(
            [(
                Area::UnderEye,
                AreaRange {
                    min_mm: Depth(20),
                    max_mm: Depth(30),
                },
            )]
            .into(),
        )
    }

    #[test]
    fn a_depth_outside_its_areas_usual_range_is_signed_only_with_a_reason() {
        let mut chart = SessionChart::default();
        let r = chart.edit().unwrap();
        r.device_id = "pen".into();
        r.depths.insert(Area::UnderEye, Depth(40));
        r.depths.insert(Area::Nose, Depth(300));
        let err = chart
            .sign("Dr A", at("2026-12-01 10:00"), &[device()], &under_eye_range())
            .unwrap_err();
        // Beyond the device stays an input error; outside the usual range asks a reason.
        assert_eq!(
            err.to_string(),
            "depth nose 3.0 mm: must be between 0.1 and 2.5 mm (the range of Pen); \
             depth under-eye 0.4 mm is outside the usual 0.2-0.3 mm: the clinician's reason is needed (c, Depth reason)"
        );
        chart.edit().unwrap().depths.insert(Area::Nose, Depth(50));
        chart.edit().unwrap().depth_reason = " ok ".into();
        assert!(
            matches!(
                chart.sign("Dr A", at("2026-12-01 10:00"), &[device()], &under_eye_range()),
                Err(ChartError::NotSignable(p)) if matches!(p[..], [ChartProblem::DepthNeedsReason(_)])
            ),
            "two letters are no reason"
        );
        chart.edit().unwrap().depth_reason = "deep tear-trough scars, tolerated at 0.3 before".into();
        chart
            .sign("Dr A", at("2026-12-01 10:00"), &[device()], &under_eye_range())
            .unwrap();
        assert_eq!(chart.record().outside_usual(&under_eye_range()).len(), 1);
    }

    #[test]
    fn a_chart_from_before_depth_reasons_loads_and_an_empty_reason_is_not_written() {
        let old = r#"{"record":{"device_id":"pen","depths":{"cheeks":1.5}}}"#;
        let chart: SessionChart = serde_json::from_str(old).unwrap();
        assert_eq!(chart.record().depth_reason, "");
        assert!(!serde_json::to_string(&chart).unwrap().contains("depth_reason"));
        let mut with = chart.clone();
        with.edit().unwrap().depth_reason = "why".into();
        let json = serde_json::to_string(&with).unwrap();
        assert!(json.contains(r#""depth_reason":"why""#), "{json}");
        assert_eq!(serde_json::from_str::<SessionChart>(&json).unwrap(), with);
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
        assert_eq!(
            Depth::parse("-0.5").unwrap_err().to_string(),
            "depth '-0.5' is negative; enter a depth in mm, e.g. 1.5"
        );
        assert_eq!(
            Depth::parse(" 0.255 ").unwrap_err().to_string(),
            "'0.255': use at most 2 decimals, e.g. 0.25"
        );
        assert_eq!(
            Depth::parse("99999999").unwrap_err().to_string(),
            "depth '99999999' is far too large"
        );
        assert_eq!(
            Depth::parse("").unwrap_err().to_string(),
            "enter a depth in mm, e.g. 1.5"
        );
        assert_eq!(
            Depth::parse("abc").unwrap_err().to_string(),
            "'abc' is not a depth; enter mm, e.g. 1.5"
        );
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
        assert_eq!(
            err.to_string(),
            "depth 2.51 mm: depth must be between 0.1 and 2.5 mm (the range of Pen)"
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
        assert_eq!(
            d.validate().unwrap_err().to_string(),
            "device 'pen': max_depth_mm must not be below min_depth_mm"
        );
        let mut d = device();
        d.min_depth_mm = Depth(0);
        assert!(d.validate().unwrap_err().to_string().contains("min_depth_mm"));
    }

    #[test]
    fn a_signed_chart_is_read_only_and_amendments_correct_depths() {
        let mut chart = SessionChart::default();
        let r = chart.edit().unwrap();
        r.device_id = "pen".into();
        r.depths.insert(Area::Cheeks, Depth(150));
        chart
            .sign("Dr A", at("2026-12-01 10:00"), &[device()], &no_ranges())
            .unwrap();
        assert_eq!(chart.edit().unwrap_err(), ChartError::SignedReadOnly);
        assert_eq!(chart.edit().unwrap_err().to_string(), SIGNED_READ_ONLY);
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
        assert_eq!(
            chart
                .amend(amendment("2026-12-01 10:30", &[]), &[device()])
                .unwrap_err()
                .to_string(),
            "amendment: 2026-12-01 10:30:00 is before the last entry (2026-12-01 11:00:00)"
        );
        assert_eq!(
            chart
                .amend(amendment("2026-12-02 09:00", &[(Area::Nose, 300)]), &[device()])
                .unwrap_err()
                .to_string(),
            "amendment: depth nose 3.0 mm: must be between 0.1 and 2.5 mm (the range of Pen)"
        );
        assert_eq!(chart.amendments().len(), 1);
    }

    #[test]
    fn signing_refuses_with_every_problem_as_data() {
        let mut chart = SessionChart::default();
        chart.edit().unwrap().device_id = "laser".into();
        let err = chart
            .sign("Dr A", at("2026-12-01 10:00"), &[device()], &no_ranges())
            .unwrap_err();
        assert_eq!(
            err,
            ChartError::NotSignable(vec![
                ChartProblem::UnknownDevice("laser".into()),
                ChartProblem::NoDepths
            ])
        );
        assert_eq!(
            err.to_string(),
            "device: 'laser' is not in devices.json; depths: enter the depth of at least one treated area"
        );
        assert_eq!(
            chart.sign(" ", at("2026-12-01 10:00"), &[device()], &no_ranges()),
            Err(ChartError::SignedBy)
        );
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
