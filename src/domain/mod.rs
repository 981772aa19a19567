//! Plain Rust types and rules of the clinic. No terminal, no files: everything here is
//! unit-testable on its own and is shared by the store, the app model and the views.

pub mod aftercare;
pub mod dates;
pub mod patient;
pub mod protocol;
pub mod series;
pub mod status;
