//! Finding people the way the front desk types them: "zoe" finds "Zoë", "07700900176"
//! finds "+44 7700 900176", "12/04/1990" finds that birth date.
//!
//! A patient's [`SearchKey`] is folded once (case, accents, phone digits, birth date in
//! the forms people type), so a filter compares plain strings per key press. Matching
//! is containment, term by term, which makes it monotone: when a query only grows by
//! typed characters ([`Query::narrows`]), its matches are a subset of the previous
//! query's, and a list can narrow its last result instead of scanning every patient.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::patient::Patient;

/// Lower case without accents: "Zoë Müller-Øst" -> "zoe muller-ost". Letters that do
/// not decompose (ø, ł, ß, æ, œ, đ, ı) are spelled the way they are commonly typed on a
/// keyboard without them.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfkd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
            'ı' => out.push('i'),
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'þ' | 'Þ' => out.push_str("th"),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The digits of a phone number, without spaces, dashes, brackets or the plus sign.
pub fn phone_digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// What a patient can be found by, folded once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchKey {
    /// Folded name, e-mail, phone as written and birth date (ISO, day/month/year and
    /// day.month.year), separated by newlines so no term matches across two of them.
    text: String,
    phone_digits: String,
}

impl SearchKey {
    pub fn of(patient: &Patient) -> Self {
        let mut text = fold(&patient.full_name);
        for part in [&patient.email, &patient.phone] {
            text.push('\n');
            text.push_str(&fold(part));
        }
        if let Some(dob) = patient.date_of_birth {
            for form in ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"] {
                text.push('\n');
                text.push_str(&dob.format(form).to_string());
            }
        }
        SearchKey {
            text,
            phone_digits: phone_digits(&patient.phone),
        }
    }
}

/// A filter as typed, folded and split into terms; every term must match.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    folded: String,
    terms: Vec<String>,
}

impl Query {
    pub fn new(raw: &str) -> Self {
        let folded = fold(raw.trim());
        // A query made only of phone characters is one number, whatever its spacing:
        // "07700 900176" is matched by its digits as a whole, not as two terms.
        let terms = if looks_like_phone(&folded) {
            vec![folded.clone()]
        } else {
            folded.split_whitespace().map(str::to_string).collect()
        };
        Query { folded, terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn matches(&self, key: &SearchKey) -> bool {
        self.terms.iter().all(|t| term_matches(t, key))
    }

    /// True when every patient this query matches is also matched by `previous`: the
    /// query was made by typing more characters after it. (Containment of a longer
    /// string implies containment of its prefix, term by term and digit by digit.)
    pub fn narrows(&self, previous: &Query) -> bool {
        !previous.is_empty()
            && self.folded.starts_with(&previous.folded)
            // "07700 900" is one number; "07700 900 a" is three terms, which can match
            // a patient the number alone did not.
            && (looks_like_phone(&self.folded) || !looks_like_phone(&previous.folded))
    }
}

fn term_matches(term: &str, key: &SearchKey) -> bool {
    if key.text.contains(term) {
        return true;
    }
    if !looks_like_phone(term) {
        return false;
    }
    let digits = phone_digits(term);
    if key.phone_digits.contains(&digits) {
        return true;
    }
    // "07700 900176" typed for "+44 7700 900176": the trunk 0 of a national number is
    // not written after a country code.
    digits
        .strip_prefix('0')
        .is_some_and(|national| national.len() >= 3 && key.phone_digits.contains(national))
}

/// Only digits and the characters phone numbers are written with, and at least three
/// digits (so "12" is still looked for in names and dates as text).
fn looks_like_phone(s: &str) -> bool {
    s.chars().filter(char::is_ascii_digit).count() >= 3
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::patient::{PatientDetails, PatientId};
    use chrono::NaiveDate;

    fn patient(name: &str, phone: &str, email: &str, dob: Option<&str>) -> Patient {
        let details = PatientDetails {
            full_name: name.into(),
            date_of_birth: dob.map(|d| d.parse().unwrap()),
            phone: phone.into(),
            email: email.into(),
            notes: String::new(),
        };
        let today = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        Patient::new(PatientId::new("p-1").unwrap(), details, today)
    }

    fn finds(query: &str, p: &Patient) -> bool {
        Query::new(query).matches(&SearchKey::of(p))
    }

    #[test]
    fn case_and_accents_are_folded_both_ways() {
        let zoe = patient("Zoë Brontë", "", "", None);
        assert!(finds("zoe", &zoe));
        assert!(finds("ZOË", &zoe));
        assert!(finds("zoe bronte", &zoe));
        assert!(finds("bronte zoe", &zoe), "terms in any order");
        assert!(!finds("zoe smith", &zoe));
        assert_eq!(fold("Łukasz Øster Straße Æsa"), "lukasz oster strasse aesa");
    }

    #[test]
    fn phones_match_by_digits_with_or_without_the_trunk_zero() {
        let p = patient("A", "+44 7700 900176", "", None);
        assert!(finds("07700900176", &p));
        assert!(finds("07700 900176", &p));
        assert!(finds("7700-900", &p));
        assert!(finds("+44 7700", &p));
        assert!(!finds("07700 900177", &p));
        let local = patient("B", "07700 900176", "", None);
        assert!(finds("07700900176", &local));
        assert!(finds("(077) 00900", &local));
    }

    #[test]
    fn birth_dates_match_in_the_forms_people_type() {
        let p = patient("A", "", "", Some("1990-04-12"));
        for q in ["1990-04-12", "12/04/1990", "12.04.1990", "1990"] {
            assert!(finds(q, &p), "{q}");
        }
        assert!(!finds("13/04/1990", &p));
    }

    #[test]
    fn email_matches_and_empty_query_matches_everyone() {
        let p = patient("A", "", "Zoe@Example.org", None);
        assert!(finds("zoe@example", &p));
        assert!(Query::new("  ").is_empty());
        assert!(finds("", &p));
    }

    #[test]
    fn a_longer_query_narrows_its_prefix() {
        assert!(Query::new("zoe").narrows(&Query::new("zo")));
        assert!(Query::new("zoe b").narrows(&Query::new("zoe")));
        assert!(Query::new("07700 9").narrows(&Query::new("07700")));
        assert!(!Query::new("07700 900 a").narrows(&Query::new("07700 900")));
        assert!(!Query::new("zo").narrows(&Query::new("zoe")));
        assert!(!Query::new("zoe").narrows(&Query::new("")));
        assert!(!Query::new("ab").narrows(&Query::new("ax")));
    }

    proptest::proptest! {
        /// Narrowing is safe: whatever a query that narrows another finds, the other
        /// found too (so a list may filter its previous result instead of everyone).
        #[test]
        fn a_narrowing_query_never_finds_more(
            name in "[a-cë0-9 +()-]{0,12}",
            phone in "[0-9 +()-]{0,14}",
            old in "[a-cë0-9 +()-]{0,6}",
            typed in "[a-cë0-9 +()-]{1,6}",
        ) {
            let p = patient(&name, &phone, "", Some("1990-04-12"));
            let key = SearchKey::of(&p);
            let (old_q, new_q) = (Query::new(&old), Query::new(&format!("{old}{typed}")));
            if new_q.narrows(&old_q) && new_q.matches(&key) {
                proptest::prop_assert!(old_q.matches(&key));
            }
        }
    }
}
