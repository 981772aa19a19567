//! Scaffolding shared by the integration tests. Each test file includes it with
//! `mod common;` and uses only part of it, hence the `dead_code` allowance.
#![allow(dead_code)]

#[cfg(unix)]
pub mod as_nobody;
pub mod cli;
pub mod keys;
pub mod pty;
pub mod skip;
