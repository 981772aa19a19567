//! The application model: keys become actions, actions change the model and return
//! effects (saves) for the runtime to carry out.

pub mod action;
pub mod booking;
pub mod clinical_rules;
pub mod conflict;
pub mod exports;
pub mod form;
pub mod idle;
pub mod keymap;
pub mod message;
pub mod model;
pub mod overlay;
pub mod patient_form;
pub mod persist;
pub mod picker;
pub mod preview;
pub mod rebook;
pub mod reschedule;
pub mod screen;
pub mod series_form;
pub mod session_form;
pub mod settings_follow;
pub mod setup;
pub mod standing;
pub mod update;

// The screens' modules (agenda, queues, consult, settings), from their registry.
macro_rules! declare_screen_modules {
    ($($(#[$doc:meta])* $variant:ident $module:ident $key:literal $title:literal,)*) => {
        $(pub mod $module;)*
    };
}
screen::screens!(declare_screen_modules);

pub use model::{Effect, Model, Overlay, Pane};
pub use update::handle_key;
