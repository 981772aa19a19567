//! Several instances, one `clinic.json`.
//!
//! - A save whose base revision is stale is refused by the store ([`ClinicSaveError::Conflict`]):
//!   the other user's version stays on disk, mine stays in `model.clinic`, unsaved, and
//!   the settings screen shows what each side changed, setting by setting, until the
//!   user presses `t` (take theirs: my changes are dropped) or `m` (keep mine: my changes
//!   are put on top of theirs and saved as the next revision, so theirs to other
//!   settings survive).
//! - [`look_at_file`] looks at the file on every idle tick (one `stat` when nothing
//!   changed) and [`take_file`] takes in what another instance saved, so a closed date or an inactive
//!   clinician counts at once for bookings. A file broken on disk keeps the last good
//!   settings in use, refuses every change, and is never written over.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::SystemTime;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::domain::clinic::ClinicSettings;
use crate::domain::clinic::changes::{Change, changes, rebase};
use crate::store::clinic_file::{self, CLINIC_FILE, FileStamp};

use super::super::model::{Effect, FormPurpose, Model, Overlay, StatusKind};
use super::super::screen::KeyHint;

/// Fits an 80-column status line, so that "press 5" is seen from every screen.
pub const CONFLICT_MESSAGE: &str =
    "SETTINGS CONFLICT: another user saved first; yours are kept — press 5 to choose";

/// Another user's save got there first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Their version, as on disk (with its revision).
    pub theirs: ClinicSettings,
    /// The version my changes started from (`None`: unknown; then every difference
    /// counts as mine).
    pub base: Option<ClinicSettings>,
    /// First line of the comparison shown; kept in range by the view.
    pub scroll: usize,
}

/// What each side changed since the version both started from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub theirs: Vec<Change>,
    pub mine: Vec<Change>,
    /// Keys of settings both changed, to different values: mine wins with `m`.
    pub both: BTreeSet<String>,
    /// Their revision.
    pub revision: u64,
}

/// The comparison the settings screen shows while a conflict is open.
pub fn comparison(model: &Model) -> Option<Comparison> {
    let c = model.screens.settings.conflict.as_ref()?;
    let base = c.base.as_ref().unwrap_or(&c.theirs);
    let theirs = changes(base, &c.theirs);
    let mine = changes(base, &model.clinic);
    let differ: BTreeSet<String> = changes(&c.theirs, &model.clinic)
        .into_iter()
        .map(|d| d.key)
        .collect();
    let both = mine
        .iter()
        .filter(|m| differ.contains(&m.key) && theirs.iter().any(|t| t.key == m.key))
        .map(|m| m.key.clone())
        .collect();
    Some(Comparison {
        theirs,
        mine,
        both,
        revision: c.theirs.revision,
    })
}

/// Opens the conflict: my changes wait, unsaved and not retried, until the user chooses.
pub fn open(model: &mut Model, theirs: ClinicSettings) {
    model.screens.settings.conflict = Some(Conflict {
        theirs,
        base: model.screens.settings.base.clone(),
        scroll: 0,
    });
    model.screens.settings.unsaved = false;
    model.set_status(StatusKind::Error, CONFLICT_MESSAGE);
}

/// Keys while the comparison is shown (global keys and Esc were handled before).
pub fn handle_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let scroll = |model: &mut Model, by: isize| {
        if let Some(c) = &mut model.screens.settings.conflict {
            c.scroll = c.scroll.saturating_add_signed(by);
        }
    };
    match key.code {
        KeyCode::Char('t') => take_theirs(model),
        KeyCode::Char('m') => return keep_mine(model),
        KeyCode::Down | KeyCode::Char('j') => scroll(model, 1),
        KeyCode::Up | KeyCode::Char('k') => scroll(model, -1),
        KeyCode::PageDown => scroll(model, 10),
        KeyCode::PageUp => scroll(model, -10),
        _ => model.set_status(
            StatusKind::Error,
            "settings conflict still open: t takes theirs, m keeps yours on top of theirs (Esc: decide later)",
        ),
    }
    Vec::new()
}

/// Their version replaces mine; my changes are dropped.
pub fn take_theirs(model: &mut Model) {
    let Some(c) = model.screens.settings.conflict.take() else {
        return;
    };
    let revision = c.theirs.revision;
    model.screens.settings.unsaved = false;
    model.screens.settings.base = None;
    model.set_clinic(c.theirs);
    model.set_status(
        StatusKind::Info,
        format!("took the other user's settings (revision {revision}); your changes were dropped"),
    );
}

/// My changes go on top of their version and are saved as the next revision (the
/// returned effect). Refused, with the conflict left open, when the result breaks a rule.
pub fn keep_mine(model: &mut Model) -> Vec<Effect> {
    let Some(c) = model.screens.settings.conflict.take() else {
        return Vec::new();
    };
    let merged = match &c.base {
        Some(base) => rebase(base, &model.clinic, &c.theirs),
        None => ClinicSettings {
            revision: c.theirs.revision,
            ..model.clinic.clone()
        },
    };
    if let Err(e) = merged.validate() {
        model.set_status(
            StatusKind::Error,
            format!(
                "refused: your changes on top of theirs break a rule ({e}); t takes theirs, then make your \
                 change again (nothing changed)"
            ),
        );
        model.screens.settings.conflict = Some(c);
        return Vec::new();
    }
    model.screens.settings.base = Some(c.theirs);
    model.set_clinic(merged);
    model.screens.settings.unsaved = true;
    model.set_status(StatusKind::Info, "your changes put on top of the other user's");
    vec![Effect::SaveClinic]
}

pub fn bar_hints() -> Vec<KeyHint> {
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    vec![
        pair("t", "take theirs"),
        pair("m", "keep mine"),
        pair("j/k", "scroll"),
    ]
}

/// What this instance last saw of `clinic.json`.
#[derive(Debug, Default)]
pub struct Watch {
    /// Looked at once at least.
    seen: bool,
    /// `None`: no file.
    stamp: Option<FileStamp>,
    /// The stamp can be trusted to change with the next save (else: read again).
    settled: bool,
    /// The problem last reported for a broken file.
    problem: Option<String>,
}

/// What a look at `clinic.json` found, for [`take_file`].
#[derive(Debug)]
pub enum ClinicSeen {
    /// The file could not even be looked at.
    Unreachable(String),
    /// The file (or its absence) with the stamp it had, read because it may have changed.
    Read {
        stamp: Option<FileStamp>,
        /// The stamp can be trusted to change with the next save.
        settled: bool,
        load: Box<clinic_file::ClinicLoad>,
    },
}

/// Looks at `clinic.json` (IO only): one `stat` when nothing changed, then `None`; call
/// it on every idle tick. While a settings form is open nothing is read (its values
/// would be applied to settings it was not opened on): it is looked at again once the
/// form closes.
pub fn look_at_file(model: &Model, data_dir: &Path, now: SystemTime) -> Option<ClinicSeen> {
    let stamp = match clinic_file::stamp(data_dir) {
        Ok(stamp) => stamp,
        Err(e) => {
            return Some(ClinicSeen::Unreachable(format!(
                "cannot look at {CLINIC_FILE} for changes by other users: {e}"
            )));
        }
    };
    let w = &model.screens.settings.watch;
    // A settings form or question open is finished first (it would check against
    // settings it was not opened with).
    let editing = model.overlay_stack().any(|o| {
        matches!(
            o,
            Overlay::Form(FormPurpose::Settings(_), _)
                | Overlay::ConfirmRemoveClosedDate(_)
                | Overlay::ConfirmRemoveStaff(_)
        )
    });
    if (w.seen && w.stamp == stamp && w.settled) || editing {
        return None;
    }
    Some(ClinicSeen::Read {
        stamp,
        settled: stamp.is_none_or(|s| s.settled(now)),
        load: Box::new(clinic_file::load(data_dir)),
    })
}

/// Takes in what [`look_at_file`] found: another instance's settings (the calendar and
/// booking rules follow), a conflict with changes not written yet, or a file that broke
/// (the last good settings stay).
pub fn take_file(model: &mut Model, seen: ClinicSeen) {
    let (stamp, settled, load) = match seen {
        ClinicSeen::Unreachable(text) => {
            if model.status.text != text {
                model.set_status(StatusKind::Error, text);
            }
            return;
        }
        ClinicSeen::Read { stamp, settled, load } => (stamp, settled, *load),
    };
    let first = !model.screens.settings.watch.seen;
    model.screens.settings.watch.seen = true;
    model.screens.settings.watch.stamp = stamp;
    model.screens.settings.watch.settled = settled;
    if let Some(problem) = load.problem {
        broken(model, problem, first);
        return;
    }
    let was_broken = model.screens.settings.watch.problem.take().is_some() || model.clinic_read_only;
    if was_broken {
        model.clinic_read_only = false;
        model.problems.retain(|p| !p.starts_with(CLINIC_FILE));
    }
    if !load.exists {
        if was_broken {
            model.set_status(
                StatusKind::Info,
                format!(
                    "{CLINIC_FILE} was moved away: the settings in use stay, and a change saves them anew"
                ),
            );
        }
        return;
    }
    take_in(model, load.settings, was_broken);
}

/// The file on disk cannot be read: the settings in use stay, changes are refused, and
/// the problem is said once (at start it was already said).
fn broken(model: &mut Model, problem: String, first: bool) {
    if model.screens.settings.watch.problem.as_ref() == Some(&problem) {
        return;
    }
    let known_at_start = first && super::file_problem(model) == Some(problem.as_str());
    model.screens.settings.watch.problem = Some(problem.clone());
    model.clinic_read_only = true;
    if known_at_start {
        return;
    }
    // Mid-run the settings in use are the last good ones, not the built-in ones.
    let problem = problem.replace(
        "; using the built-in settings",
        "; the last good settings stay in use",
    );
    model.problems.retain(|p| !p.starts_with(CLINIC_FILE));
    model.problems.push(problem.clone());
    // The first 80 columns say what matters; the details follow for wider terminals.
    model.set_status(
        StatusKind::Error,
        format!(
            "{CLINIC_FILE} broke on disk (! lists it): last good settings kept, file untouched; {problem}"
        ),
    );
}

/// Settings read from disk that may be another user's.
fn take_in(model: &mut Model, theirs: ClinicSettings, was_broken: bool) {
    if let Some(c) = &mut model.screens.settings.conflict {
        if theirs.revision > c.theirs.revision {
            c.theirs = theirs;
        }
        return;
    }
    if theirs.same_content(&model.clinic) {
        // Our own save, or the very same change: only the count may have moved.
        if !model.screens.settings.unsaved {
            model.clinic.revision = theirs.revision;
        }
        return;
    }
    if model.screens.settings.unsaved {
        // My change waits for a retry; theirs is newer: choose, rather than overwrite.
        open(model, theirs);
        return;
    }
    let what = changes(&model.clinic, &theirs);
    model.screens.settings.base = None;
    model.set_clinic(theirs);
    let text = if was_broken {
        format!("{CLINIC_FILE} can be read again: its settings are in use")
    } else {
        match what.as_slice() {
            [] => "clinic settings reloaded from disk".to_string(),
            [one] => format!("clinic settings changed by another user: {}", one.text),
            [first, rest @ ..] => format!(
                "clinic settings changed by another user: {} (and {} more; 5 shows them)",
                first.text,
                rest.len()
            ),
        }
    };
    if model.status.kind != StatusKind::Error || was_broken {
        model.set_status(StatusKind::Info, text);
    }
}
