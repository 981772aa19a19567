//! What the screen lists: its sections and rows, and the row under the cursor.

use crate::domain::clinic::{ClinicSettings, Resource};

use super::super::model::Model;

/// Weekday names, Monday first (the index into `ClinicSettings::hours`).
pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The screen's sections, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    General,
    Hours,
    ClosedDates,
    Clinicians,
    Rooms,
    Protocols,
    Staff,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::General,
        Section::Hours,
        Section::ClosedDates,
        Section::Clinicians,
        Section::Rooms,
        Section::Protocols,
        Section::Staff,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::General => "General",
            Section::Hours => "Opening hours",
            Section::ClosedDates => "Closed dates",
            Section::Clinicians => "Clinicians",
            Section::Rooms => "Rooms",
            Section::Protocols => "Protocols in use",
            Section::Staff => "Staff",
        }
    }
}

/// Clinicians or rooms: the two lists that work alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Clinician,
    Room,
}

impl ResourceKind {
    pub fn noun(self) -> &'static str {
        match self {
            ResourceKind::Clinician => "clinician",
            ResourceKind::Room => "room",
        }
    }

    /// The list's name in `clinic.json` (and in `SettingsError::field`).
    pub(super) fn list_name(self) -> &'static str {
        match self {
            ResourceKind::Clinician => "clinicians",
            ResourceKind::Room => "rooms",
        }
    }

    pub fn list(self, clinic: &ClinicSettings) -> &[Resource] {
        match self {
            ResourceKind::Clinician => &clinic.clinicians,
            ResourceKind::Room => &clinic.rooms,
        }
    }

    pub(super) fn list_mut(self, clinic: &mut ClinicSettings) -> &mut Vec<Resource> {
        match self {
            ResourceKind::Clinician => &mut clinic.clinicians,
            ResourceKind::Room => &mut clinic.rooms,
        }
    }
}

/// One selectable row of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Name,
    /// The clinic's phone, for handouts and `.ics` files.
    Phone,
    /// The clinic's address line, for handouts and `.ics` files.
    Address,
    DefaultMinutes,
    IdleLock,
    /// A weekday, Monday = 0.
    Day(usize),
    /// An index into `closed_dates`.
    Closed(usize),
    /// The "none yet" row of an empty closed dates list, so that `a` can be used there.
    NoClosedDates,
    Resource(ResourceKind, usize),
    /// An index into `model.templates.protocols`.
    Protocol(usize),
    /// An index into `clinic.staff`.
    Staff(usize),
    /// The "none yet" row of an empty staff list, so that `a` can be used there.
    NoStaff,
}

impl Row {
    pub fn section(self) -> Section {
        match self {
            Row::Name | Row::Phone | Row::Address | Row::DefaultMinutes | Row::IdleLock => {
                Section::General
            }
            Row::Day(_) => Section::Hours,
            Row::Closed(_) | Row::NoClosedDates => Section::ClosedDates,
            Row::Resource(ResourceKind::Clinician, _) => Section::Clinicians,
            Row::Resource(ResourceKind::Room, _) => Section::Rooms,
            Row::Protocol(_) => Section::Protocols,
            Row::Staff(_) | Row::NoStaff => Section::Staff,
        }
    }
}

/// Every row, in screen order. Closed dates are listed in the order of the file, which
/// this screen keeps sorted by date.
pub fn rows(model: &Model) -> Vec<Row> {
    let c = &model.clinic;
    let mut out = vec![
        Row::Name,
        Row::Phone,
        Row::Address,
        Row::DefaultMinutes,
        Row::IdleLock,
    ];
    out.extend((0..7).map(Row::Day));
    if c.closed_dates.is_empty() {
        out.push(Row::NoClosedDates);
    } else {
        out.extend((0..c.closed_dates.len()).map(Row::Closed));
    }
    for kind in [ResourceKind::Clinician, ResourceKind::Room] {
        out.extend((0..kind.list(c).len()).map(|i| Row::Resource(kind, i)));
    }
    out.extend((0..model.templates.protocols.len()).map(Row::Protocol));
    if c.staff.is_empty() {
        out.push(Row::NoStaff);
    } else {
        out.extend((0..c.staff.len()).map(Row::Staff));
    }
    out
}

/// The row under the cursor (the cursor clamped to the rows there are).
pub fn selected_row(model: &Model) -> Option<Row> {
    let rows = rows(model);
    rows.get(model.screens.settings.cursor.min(rows.len().saturating_sub(1)))
        .copied()
}
