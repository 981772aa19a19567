//! needleplan: plans microneedling series for acne scars, keyboard only.

pub mod app;
pub mod cli;
pub mod domain;
pub mod runtime;
pub mod store;
pub mod transfer;
pub mod ui;
