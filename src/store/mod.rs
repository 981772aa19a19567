//! Everything that touches the disk: where the data dir is, how patient files are
//! written (atomically) and read (never resetting anything that fails to parse), the
//! templates, and the bundled demo clinic.

pub mod atomic;
pub mod audit;
pub mod audit_chain;
pub mod backup;
pub mod clinic_file;
pub mod demo;
pub mod doctor;
pub mod io_failure;
pub mod lock;
pub mod paths;
pub mod patient_file;
pub mod patients;
pub mod permissions;
pub mod regular_file;
pub mod templates;

pub use io_failure::IoFailure;
pub use patients::{
    Changes, LoadProblem, LoadReport, PatientStore, ProtectedFile, ReadError, SaveError, SaveIoError,
    SaveStep,
};
