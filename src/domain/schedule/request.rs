//! What a check is asked about: the series a session belongs to and the place in the
//! calendar wanted for it.

use chrono::{NaiveDate, NaiveTime};

use crate::domain::calendar::BookingRef;
use crate::domain::series::Series;

/// A series as it sits in the clinic: whose it is and where, so its own bookings can be
/// told apart from everybody else's.
#[derive(Debug, Clone, Copy)]
pub struct SeriesAt<'a> {
    pub patient_id: &'a str,
    pub series_index: usize,
    pub series: &'a Series,
}

impl SeriesAt<'_> {
    pub fn session_ref(&self, index: usize) -> BookingRef {
        BookingRef::session(self.patient_id, self.series_index, index)
    }
}

/// A place in the calendar asked for. Without a time only the day is checked (open day,
/// interval); the hours and the clinician's and room's calendars need a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingRequest<'a> {
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
    pub minutes: u32,
    pub clinician: Option<&'a str>,
    pub room: Option<&'a str>,
}
