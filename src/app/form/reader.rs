//! Reading a form gathers every error at once: each read that fails records its
//! message on its field and yields `None`, the owner goes on reading the other fields,
//! and [`Reader::finish`] hands the whole list to the form (first bad field focused).

use std::fmt::Display;

use super::{FieldKind, Form};

pub struct Reader<'a> {
    form: &'a Form,
    errors: Vec<(String, String)>,
}

impl<'a> Reader<'a> {
    pub fn new(form: &'a Form) -> Self {
        Self {
            form,
            errors: Vec::new(),
        }
    }

    /// The text of a field, trimmed.
    pub fn text(&self, name: &str) -> &'a str {
        self.form.text(name).trim()
    }

    /// A text field parsed by `parse`; its error goes on the field.
    pub fn parse<T, E: Display>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        match parse(self.form.text(name)) {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(name, e.to_string());
                None
            }
        }
    }

    /// The chosen id of a choice (`Some(None)`: "none" chosen). An option that is no
    /// longer offered, or was made unavailable while the form was open, is an error.
    pub fn choice(&mut self, name: &str) -> Option<Option<String>> {
        let FieldKind::Choice(c) = &self.form.field(name).kind else {
            return Some(None);
        };
        match c.problem() {
            Some(why) => {
                self.fail(name, why);
                None
            }
            None => Some(c.chosen.clone()),
        }
    }

    /// A choice mapped to a value by its id (e.g. an enum by its key).
    pub fn choice_of<T: Copy>(
        &mut self,
        name: &str,
        all: &[T],
        id_of: impl Fn(T) -> &'static str,
    ) -> Option<T> {
        let Some(id) = self.choice(name)? else {
            self.fail(name, "choose one");
            return None;
        };
        match all.iter().copied().find(|v| id_of(*v) == id) {
            Some(v) => Some(v),
            None => {
                self.fail(name, format!("'{id}' is not one of the choices"));
                None
            }
        }
    }

    /// A yes/no choice.
    pub fn yes(&self, name: &str) -> bool {
        self.form.choice(name) == Some("yes")
    }

    /// Records a message on a field (a rule the owner checks itself).
    pub fn fail(&mut self, name: &str, message: impl std::fmt::Display) {
        if !self.errors.iter().any(|(n, _)| n == name) {
            self.errors.push((name.to_string(), message.to_string()));
        }
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// `Ok` when nothing failed; otherwise every message, for [`Form::set_errors`].
    pub fn finish(self) -> Result<(), Vec<(String, String)>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Field;
    use super::*;

    #[test]
    fn every_bad_field_is_reported_not_just_the_first() {
        let mut form = Form::new(
            "t",
            vec![
                Field::text("a", "A", "", "x"),
                Field::text("b", "B", "", "12"),
                Field::text("c", "C", "", "y"),
            ],
        );
        let mut r = form.reader();
        let a = r.parse("a", |s| s.parse::<u32>());
        let b = r.parse("b", |s| s.parse::<u32>());
        let c = r.parse("c", |s| s.parse::<u32>());
        assert_eq!((a, b, c), (None, Some(12), None));
        let errors = r.finish().unwrap_err();
        assert_eq!(errors.len(), 2);
        form.set_errors(errors);
        assert!(form.error_of("a").is_some() && form.error_of("c").is_some());
        assert_eq!(form.focused(), "a");
    }
}
