//! Everything that touches the disk: where the data dir is, how patient files are
//! written (atomically) and read (never resetting anything that fails to parse), the
//! templates, and the bundled demo clinic.

pub mod atomic;
pub mod demo;
pub mod paths;
pub mod patient_file;
pub mod patients;
pub mod templates;

pub use patients::{LoadProblem, LoadReport, PatientStore};
