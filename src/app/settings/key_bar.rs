//! The key bar: the keys that do something on the selected row.

use super::super::model::Model;
use super::super::screen::KeyHint;
use super::conflict;
use super::rows::{Row, selected_row};

/// The keys that do something on the selected row, with what they do to it.
pub fn bar_hints(model: &Model) -> Vec<KeyHint> {
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    if model.screens.settings.conflict.is_some() {
        return conflict::bar_hints();
    }
    let mut out = vec![pair("j/k", "move"), pair("Tab", "section")];
    let export = pair("E", "export CSV");
    let Some(row) = selected_row(model) else {
        out.push(export);
        return out;
    };
    if model.clinic_read_only {
        out.push(export);
        return out;
    }
    let c = &model.clinic;
    match row {
        Row::Name | Row::Phone | Row::Address | Row::DefaultMinutes | Row::IdleLock => {
            out.push(pair("Enter", "edit"))
        }
        Row::Day(day) => {
            out.push(pair("Enter", "hours"));
            let what = if c.hours[day].is_some() {
                "close day"
            } else {
                "open day"
            };
            out.push(pair("Space", what));
        }
        Row::Closed(_) => {
            out.push(pair("Enter", "edit"));
            out.push(pair("a", "add"));
            out.push(pair("x", "remove"));
        }
        Row::NoClosedDates => out.push(pair("a", "add")),
        Row::Resource(kind, i) => {
            out.push(pair("Enter", "rename"));
            let active = kind.list(c).get(i).is_some_and(|r| r.active);
            out.push(pair(
                "Space",
                if active { "make inactive" } else { "make active" },
            ));
            out.push(pair("a", "add"));
        }
        Row::Staff(_) => {
            out.push(pair("Enter", "edit"));
            out.push(pair("a", "add"));
            out.push(pair("x", "remove"));
        }
        Row::NoStaff => out.push(pair("a", "add")),
        Row::Protocol(i) => {
            let on = model
                .templates
                .protocols
                .get(i)
                .is_some_and(|p| c.protocol_in_use(&p.id));
            out.push(pair("Space", if on { "stop offering" } else { "offer" }));
        }
    }
    out.push(export);
    out
}
