//! A test that cannot do its work here says so where `cargo test` shows it, instead of
//! passing in silence: `SKIPPED <test>: <why>` goes to the process's real stderr (the
//! harness captures `eprintln!`, but not writes to the `io::stderr()` handle). With
//! `NEEDLEPLAN_TEST_NO_SKIP` set, as `.ci/run` sets it, a skip fails the test instead:
//! CI runs as root and can mount a tmpfs, so there everything runs for real.

use std::io::{self, Write};

pub const NO_SKIP_VAR: &str = "NEEDLEPLAN_TEST_NO_SKIP";

/// Reports that the calling test skips its work for `why`; the caller then returns.
/// Panics instead when [`NO_SKIP_VAR`] is set.
pub fn skip(why: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    assert!(
        std::env::var_os(NO_SKIP_VAR).is_none(),
        "{test} cannot run here and {NO_SKIP_VAR} is set: {why}"
    );
    let _ = writeln!(io::stderr(), "SKIPPED {test}: {why}");
}
