//! Whether `audit.log` holds the whole history of a record: every revision from its
//! creation to the one on disk, in order. `doctor` runs this on each patient file and on
//! `clinic.json`, with the record's lines in log order and what is on disk now.
//!
//! A save writes its line before the new version is renamed into place (see `audit`), so
//! a line's `revision_before` is what was on disk when it was written, and a line
//! either reached the disk or was interrupted:
//! - it reached the disk when the record's next line goes on from its `revision_after`
//!   (or, for the last line, the file is at that revision);
//! - it was interrupted when the next line starts again from the same revision as it did
//!   (a retry, or someone else's save), or the file is still at its `revision_before`.
//!   That is a note: nothing is missing, the revision never existed on disk.
//!
//! Anything else is a problem naming the first missing revision: a line that goes on from
//! a later revision than the last one logged (lines never written, or removed), a file
//! at a later revision than its last line, a record on disk with no line at all, or a
//! record whose first line is not its creation. Revisions count from 1.
//!
//! One exception, proven by the data itself: a file written by the first release
//! (`schema_version` 1, from before revisions and the log) has no line for its revision
//! 1; the line of its first save says so (`before_unlogged`).

use super::audit::{AUDIT_FILE, AuditEntry};

/// A record as found on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDisk {
    /// There is no file.
    Missing,
    /// Read, at `revision`. `first_release`: its file is `schema_version` 1, written by
    /// the first release, which kept no log.
    At { revision: u64, first_release: bool },
    /// There but unreadable: reported with the files, its revision is not known.
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Nothing is missing (an interrupted save, history from before the log).
    Note,
    /// A revision is missing from the log, or the log and the file disagree.
    Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    pub text: String,
    /// For a gap: the first revision of the record that the log does not have.
    pub first_missing: Option<u64>,
}

impl Finding {
    fn note(text: String) -> Self {
        Self {
            kind: Kind::Note,
            text,
            first_missing: None,
        }
    }

    fn problem(text: String) -> Self {
        Self {
            kind: Kind::Problem,
            text,
            first_missing: None,
        }
    }

    /// Revisions `from` to `to` are missing; `what` says where that shows.
    fn gap(what: String, from: u64, to: u64) -> Self {
        let missing = if from == to {
            format!("revision {from} is missing from the log")
        } else {
            format!("revisions {from} to {to} are missing from the log")
        };
        Self {
            kind: Kind::Problem,
            text: format!("{what}: {missing}, the first missing is revision {from}"),
            first_missing: Some(from),
        }
    }
}

/// The line last seen of a record, not yet known to have reached the disk.
struct Pending {
    line_no: usize,
    before: Option<u64>,
    after: u64,
}

/// Checks the history of the record `name` (`patients/<id>.json` or `clinic.json`), given
/// its lines in log order (with their line numbers) and what is on disk. No finding:
/// every revision from creation to the one on disk is logged, in order.
pub fn check(name: &str, lines: &[(usize, &AuditEntry)], disk: OnDisk) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut pending: Option<Pending> = None;
    for &(n, e) in lines {
        match &pending {
            None => {
                if let Some(x) = e.revision_before
                    && !e.before_unlogged
                {
                    findings.push(Finding::gap(
                        format!(
                            "{AUDIT_FILE} line {n}: the first line for {name} starts from revision {x}, \
                             not from its creation"
                        ),
                        1,
                        x,
                    ));
                }
            }
            Some(p) if e.revision_before == Some(p.after) => {} // p reached the disk
            Some(p) if e.revision_before == p.before => findings.push(interrupted(name, p, n)),
            Some(p) => findings.push(match e.revision_before {
                Some(x) if x > p.after => Finding::gap(
                    format!(
                        "{AUDIT_FILE} line {n}: {name} goes on from revision {x}, but its line before \
                         (line {}) ends at revision {}",
                        p.line_no, p.after
                    ),
                    p.after + 1,
                    x,
                ),
                Some(x) => Finding::problem(format!(
                    "{AUDIT_FILE} line {n}: {name} goes back to revision {x} after line {} logged \
                     revision {}: lines out of order, or the file was put back from an old copy",
                    p.line_no, p.after
                )),
                None => Finding::problem(format!(
                    "{AUDIT_FILE} line {n}: {name} is created again, but line {} logged revision {} \
                     of it: the file was removed outside needleplan",
                    p.line_no, p.after
                )),
            }),
        }
        pending = Some(Pending {
            line_no: n,
            before: e.revision_before,
            after: e.revision_after,
        });
    }
    if let Some(end) = at_the_end(name, pending.as_ref(), disk) {
        findings.push(end);
    }
    findings
}

/// The last line against the file on disk.
fn at_the_end(name: &str, last: Option<&Pending>, disk: OnDisk) -> Option<Finding> {
    let Some(p) = last else {
        return match disk {
            OnDisk::At {
                first_release: true, ..
            } => Some(Finding::note(format!(
                "{name} was written by the first release (schema_version 1), which kept no \
                 {AUDIT_FILE}: its history before its next save is not logged"
            ))),
            OnDisk::At { revision, .. } => Some(Finding::gap(
                format!("{AUDIT_FILE}: {name} is at revision {revision} but the log has no line for it"),
                1,
                revision,
            )),
            OnDisk::Missing | OnDisk::Unknown => None,
        };
    };
    match disk {
        OnDisk::At { revision, .. } if revision == p.after => None,
        OnDisk::At { revision, .. } if Some(revision) == p.before => Some(Finding::note(format!(
            "{AUDIT_FILE} line {}: an interrupted save: revision {} of {name} never reached the \
             disk, which holds revision {revision}; nothing is missing",
            p.line_no, p.after
        ))),
        OnDisk::At { revision, .. } if revision > p.after => Some(Finding::gap(
            format!(
                "{AUDIT_FILE}: {name} is at revision {revision} but the log's last entry for it is \
                 revision {} (line {})",
                p.after, p.line_no
            ),
            p.after + 1,
            revision,
        )),
        OnDisk::At { revision, .. } => Some(Finding::problem(format!(
            "{AUDIT_FILE}: {name} is at revision {revision} but the log records revision {} (line {}): \
             the file is older than the log (restored from an old copy?)",
            p.after, p.line_no
        ))),
        OnDisk::Missing if p.before.is_none() => Some(Finding::note(format!(
            "{AUDIT_FILE} line {}: an interrupted save: {name} was being created (revision {}) and \
             never reached the disk; nothing is missing",
            p.line_no, p.after
        ))),
        OnDisk::Missing => Some(Finding::problem(format!(
            "{name} is missing, but {AUDIT_FILE} records revision {} of it (line {})",
            p.after, p.line_no
        ))),
        OnDisk::Unknown => None,
    }
}

/// Line `p` did not reach the disk: line `next` starts again where it did.
fn interrupted(name: &str, p: &Pending, next: usize) -> Finding {
    let from = match p.before {
        Some(r) => format!("revision {r}"),
        None => "no file".to_string(),
    };
    Finding::note(format!(
        "{AUDIT_FILE} line {}: an interrupted save: revision {} of {name} never reached the disk \
         (line {next} starts again from {from}); nothing is missing",
        p.line_no, p.after
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::audit::AuditAction;

    /// Lines `(before, after)` numbered from 1, `before_unlogged` on none.
    fn entries(revs: &[(Option<u64>, u64)]) -> Vec<AuditEntry> {
        revs.iter()
            .map(|&(before, after)| AuditEntry {
                time: "2026-11-25T09:30:00+00:00".into(),
                user: "staff".into(),
                action: if before.is_none() {
                    AuditAction::Create
                } else {
                    AuditAction::Update
                },
                patient_id: "p-1".into(),
                revision_before: before,
                revision_after: after,
                before_unlogged: false,
                changes: Vec::new(),
                prev_hash: String::new(),
            })
            .collect()
    }

    fn run(entries: &[AuditEntry], disk: OnDisk) -> Vec<(Kind, Option<u64>)> {
        let lines: Vec<(usize, &AuditEntry)> = entries.iter().enumerate().map(|(i, e)| (i + 1, e)).collect();
        check("patients/p-1.json", &lines, disk)
            .into_iter()
            .map(|f| (f.kind, f.first_missing))
            .collect()
    }

    fn at(revision: u64) -> OnDisk {
        OnDisk::At {
            revision,
            first_release: false,
        }
    }

    const NOTE: (Kind, Option<u64>) = (Kind::Note, None);

    #[test]
    fn a_whole_history_has_no_finding() {
        let e = entries(&[(None, 1), (Some(1), 2), (Some(2), 3)]);
        assert_eq!(run(&e, at(3)), vec![]);
    }

    #[test]
    fn interrupted_saves_are_notes_wherever_they_are() {
        // 2 was tried twice before it reached the disk; 4 never did.
        let e = entries(&[(None, 1), (Some(1), 2), (Some(1), 2), (Some(2), 3), (Some(3), 4)]);
        assert_eq!(run(&e, at(3)), vec![NOTE, NOTE]);
        // A create that never reached the disk.
        assert_eq!(run(&entries(&[(None, 1)]), OnDisk::Missing), vec![NOTE]);
        assert_eq!(run(&entries(&[(None, 1), (None, 1)]), at(1)), vec![NOTE]);
    }

    #[test]
    fn gaps_name_the_first_missing_revision() {
        let problem = |r| (Kind::Problem, Some(r));
        // A line in the middle never written (or removed).
        let e = entries(&[(None, 1), (Some(1), 2), (Some(4), 5)]);
        assert_eq!(run(&e, at(5)), vec![problem(3)]);
        // The file is ahead of the log.
        assert_eq!(run(&entries(&[(None, 1)]), at(3)), vec![problem(2)]);
        // No line at all, or none for the first revisions.
        assert_eq!(run(&[], at(4)), vec![problem(1)]);
        assert_eq!(run(&entries(&[(Some(2), 3)]), at(3)), vec![problem(1)]);
    }

    #[test]
    fn going_back_or_losing_the_file_are_problems() {
        let e = entries(&[(None, 1), (Some(1), 2), (Some(2), 3)]);
        assert_eq!(run(&e, at(1)), vec![(Kind::Problem, None)]);
        assert_eq!(run(&e, OnDisk::Missing), vec![(Kind::Problem, None)]);
        let e = entries(&[(None, 1), (Some(1), 2), (Some(2), 3), (Some(1), 2)]);
        assert_eq!(run(&e, at(2))[0], (Kind::Problem, None));
        let e = entries(&[(None, 1), (Some(1), 2), (None, 1)]);
        assert_eq!(run(&e, at(1)), vec![(Kind::Problem, None)]);
        // Unreadable: only the lines are checked.
        assert_eq!(run(&entries(&[(None, 1)]), OnDisk::Unknown), vec![]);
    }

    #[test]
    fn history_from_before_the_log_is_accepted_only_when_the_data_says_so() {
        let first_release = OnDisk::At {
            revision: 1,
            first_release: true,
        };
        assert_eq!(run(&[], first_release), vec![NOTE]);
        let mut e = entries(&[(Some(1), 2), (Some(2), 3)]);
        assert_eq!(run(&e, at(3)), vec![(Kind::Problem, Some(1))]);
        e[0].before_unlogged = true;
        assert_eq!(run(&e, at(3)), vec![]);
        // Only on the first line: later it changes nothing.
        let mut e = entries(&[(None, 1), (Some(3), 4)]);
        e[1].before_unlogged = true;
        assert_eq!(run(&e, at(4)), vec![(Kind::Problem, Some(2))]);
    }
}
