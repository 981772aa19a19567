//! needleplan: plans microneedling series for acne scars, keyboard only.

pub mod domain;
pub mod store;
