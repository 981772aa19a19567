//! A choice field holds the chosen option's **id**, never its position: the options are
//! rebuilt from the settings (a colleague can make a clinician inactive, or untick a
//! protocol, while a form is open), and a position into a list that changed points at
//! another entry, or past the end.

/// One option: its id (`None` for "none" / "any") and how the form shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceOption {
    pub id: Option<String>,
    pub label: String,
    /// Why the option can no longer be chosen (made inactive or removed while the form
    /// was open); it is listed so what was chosen still shows, and saving is refused.
    pub unavailable: Option<String>,
}

impl ChoiceOption {
    pub fn new(id: Option<impl Into<String>>, label: impl Into<String>) -> Self {
        Self {
            id: id.map(Into::into),
            label: label.into(),
            unavailable: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub options: Vec<ChoiceOption>,
    /// The chosen option's id (`None`: the option without an id, "none").
    pub chosen: Option<String>,
}

impl Choice {
    /// `chosen` is kept as given, even when no option has it (the form shows it as
    /// unknown and refuses to save until another is chosen).
    pub fn new(options: Vec<ChoiceOption>, chosen: Option<String>) -> Self {
        Self { options, chosen }
    }

    fn position(&self) -> Option<usize> {
        self.options.iter().position(|o| o.id == self.chosen)
    }

    /// The chosen option, when it is still offered.
    pub fn chosen_option(&self) -> Option<&ChoiceOption> {
        self.position().map(|i| &self.options[i])
    }

    /// What the field shows.
    pub fn label(&self) -> String {
        match (self.chosen_option(), &self.chosen) {
            (Some(o), _) => o.label.clone(),
            (None, Some(id)) => format!("{id} (no longer offered)"),
            (None, None) => String::new(),
        }
    }

    /// Why the chosen option cannot be saved, if it cannot.
    pub fn problem(&self) -> Option<String> {
        match (self.chosen_option(), &self.chosen) {
            (Some(o), _) => o.unavailable.clone(),
            (None, Some(id)) => Some(format!("'{id}' is no longer offered: choose another")),
            (None, None) if !self.options.is_empty() => Some("choose one".into()),
            (None, None) => None,
        }
    }

    /// Left/Right: the option before or after the chosen one, wrapping around.
    pub fn step(&mut self, forward: bool) {
        let n = self.options.len();
        if n == 0 {
            return;
        }
        let next = match self.position() {
            Some(i) if forward => (i + 1) % n,
            Some(i) => (i + n - 1) % n,
            None => 0,
        };
        self.chosen = self.options[next].id.clone();
    }

    /// Chooses the option with this id, when there is one.
    pub fn choose(&mut self, id: Option<&str>) -> bool {
        match self.options.iter().find(|o| o.id.as_deref() == id) {
            Some(o) => {
                self.chosen = o.id.clone();
                true
            }
            None => false,
        }
    }

    /// New options (the settings changed); the chosen id stays chosen.
    pub fn set_options(&mut self, options: Vec<ChoiceOption>) {
        self.options = options;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(ids: &[&str]) -> Vec<ChoiceOption> {
        ids.iter()
            .map(|i| ChoiceOption::new(Some(*i), i.to_uppercase()))
            .collect()
    }

    #[test]
    fn the_chosen_id_survives_options_that_change_under_it() {
        let mut c = Choice::new(opts(&["amara", "ben", "cleo"]), Some("cleo".into()));
        c.set_options(opts(&["amara", "ben"]));
        assert_eq!(c.chosen.as_deref(), Some("cleo"), "no other clinician is taken");
        assert_eq!(c.label(), "cleo (no longer offered)");
        assert!(c.problem().is_some());
        c.step(true);
        assert_eq!(c.chosen.as_deref(), Some("amara"));
        assert_eq!(c.problem(), None);
    }

    #[test]
    fn steps_wrap_both_ways() {
        let mut c = Choice::new(opts(&["a", "b", "c"]), Some("a".into()));
        c.step(false);
        assert_eq!(c.chosen.as_deref(), Some("c"));
        c.step(true);
        assert_eq!(c.chosen.as_deref(), Some("a"));
    }

    #[test]
    fn an_unavailable_option_says_why() {
        let mut o = opts(&["a", "b"]);
        o[1].unavailable = Some("made inactive in Settings".into());
        let c = Choice::new(o, Some("b".into()));
        assert_eq!(c.problem().as_deref(), Some("made inactive in Settings"));
    }
}
