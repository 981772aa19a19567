//! Plain Rust types and rules of the clinic. No terminal, no files: everything here is
//! unit-testable on its own and is shared by the store, the app model and the views.

pub mod aftercare;
pub mod agenda;
pub mod agenda_text;
pub mod calendar;
pub mod changes;
pub mod chart;
pub mod clinic;
pub mod dates;
pub mod depth_ranges;
pub mod export_csv;
pub mod handout;
pub mod history;
pub mod ics;
pub mod import_csv;
pub mod merge;
pub mod patient;
pub mod protocol;
pub mod queues;
pub mod readiness;
pub mod reminders;
pub mod schedule;
pub mod screening;
pub mod search;
pub mod series;
pub mod skin;
pub mod staff;
pub mod status;
