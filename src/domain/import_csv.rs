//! Patients from a spreadsheet's CSV export: columns matched by header name, dates in
//! ISO or day-first/month-first form (an ambiguous file is refused, never guessed), each
//! row validated as the patient form validates it, and rows that match a patient already
//! there (or another row) found by name and birth date or by phone.
//!
//! Pure: bytes in, a plan out. Writing the new patients is `crate::transfer`'s job.
//!
//! Line numbers are the file's own: the header is line 1, and a quoted field holding a
//! newline makes its row span several lines (a row is named by the line it starts on).

use std::collections::HashMap;

use chrono::NaiveDate;

use super::patient::{DetailsField, Patient, PatientDetails, PatientId, TypedDetails};
use super::search;

/// A detail a column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    FullName,
    FirstName,
    LastName,
    DateOfBirth,
    Phone,
    Email,
    Notes,
    /// A column deliberately left out (`--map 'Column=ignore'`).
    Ignore,
}

impl Field {
    /// The names `--map` accepts.
    pub const NAMES: &'static str = "name, first_name, last_name, date_of_birth, phone, email, notes, ignore";

    pub fn label(self) -> &'static str {
        match self {
            Field::FullName => "name",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::DateOfBirth => "date_of_birth",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::Notes => "notes",
            Field::Ignore => "ignore",
        }
    }

    /// A field named in `--map`, or a header recognised without one.
    fn from_name(name: &str) -> Option<Field> {
        Some(match header_key(name).as_str() {
            "name" | "fullname" | "patient" | "patientname" | "client" | "clientname" => Field::FullName,
            "firstname" | "first" | "givenname" | "forename" => Field::FirstName,
            "lastname" | "last" | "surname" | "familyname" => Field::LastName,
            "dateofbirth" | "dob" | "birthdate" | "birthday" | "born" => Field::DateOfBirth,
            "phone" | "telephone" | "tel" | "phonenumber" => Field::Phone,
            "email" | "emailaddress" | "mail" => Field::Email,
            "notes" | "note" | "comments" | "comment" | "remarks" => Field::Notes,
            "ignore" | "skip" => Field::Ignore,
            _ => return None,
        })
    }
}

/// How the dates of a file are written, when not ISO (`YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFormat {
    /// Day first: 31/12/1990, 31.12.1990.
    Dmy,
    /// Month first: 12/31/1990.
    Mdy,
    /// Year first only: 1990-12-31, 1990/12/31.
    Ymd,
}

impl DateFormat {
    pub fn label(self) -> &'static str {
        match self {
            DateFormat::Dmy => "day first (dmy)",
            DateFormat::Mdy => "month first (mdy)",
            DateFormat::Ymd => "year first (ymd)",
        }
    }
}

/// A `--map 'Header=field'` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    pub header: String,
    pub field: Field,
}

impl std::str::FromStr for ColumnMap {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let Some((header, field)) = s.rsplit_once('=') else {
            return Err(format!("'{s}' is not COLUMN=FIELD, e.g. 'Mobile=phone'"));
        };
        let field = Field::from_name(field)
            .ok_or_else(|| format!("'{}' is not a field; use one of: {}", field.trim(), Field::NAMES))?;
        if header.trim().is_empty() {
            return Err(format!("'{s}' names no column before the '='"));
        }
        Ok(ColumnMap {
            header: header.trim().to_string(),
            field,
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub maps: Vec<ColumnMap>,
    /// How to read dates that are not ISO; `None`: found from the file, refused if it
    /// cannot be told.
    pub date_format: Option<DateFormat>,
}

/// Why a whole file is refused (nothing of it can be imported).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty: it needs a header row (e.g. Name,Date of birth,Phone,Email)")]
    Empty,
    #[error("line {line} is not UTF-8 text: save the file as \"CSV UTF-8\" and try again")]
    NotUtf8 { line: u64 },
    #[error("line {line}: {message}")]
    Unreadable { line: u64, message: String },
    #[error(
        "no column for the patient's name: the header row needs 'Name' (or 'First name' and 'Last name'); the columns are: {}; or give --map 'COLUMN=name'",
        .columns.join(", ")
    )]
    NoNameColumn { columns: Vec<String> },
    #[error("--map '{header}=...': the file has no column '{header}'; its columns are: {}", .columns.join(", "))]
    MapUnknownColumn { header: String, columns: Vec<String> },
    #[error(
        "columns '{first}' and '{second}' both give {}: give --map '{second}=ignore' (or '{first}=ignore') to say which to use",
        .field.label()
    )]
    TwoColumns {
        field: Field,
        first: String,
        second: String,
    },
    #[error(
        "the dates could be day first or month first, and nothing in the file tells which:\n{}\ngive --date-format dmy (31/12/1990) or --date-format mdy (12/31/1990)",
        lines_text(.lines)
    )]
    AmbiguousDates { lines: Vec<(u64, String)> },
    #[error(
        "the file mixes day-first and month-first dates:\n{}\n{}\ncorrect those rows, or give --date-format to read them all one way",
        lines_text(.day_first),
        lines_text(.month_first)
    )]
    MixedDates {
        day_first: Vec<(u64, String)>,
        month_first: Vec<(u64, String)>,
    },
}

fn lines_text(lines: &[(u64, String)]) -> String {
    const SHOWN: usize = 10;
    let mut out: Vec<String> = lines
        .iter()
        .take(SHOWN)
        .map(|(line, text)| format!("  line {line}: {text}"))
        .collect();
    if lines.len() > SHOWN {
        out.push(format!("  ... and {} more", lines.len() - SHOWN));
    }
    out.join("\n")
}

/// A row that will become a new patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRow {
    pub line: u64,
    pub details: PatientDetails,
}

/// A row that cannot be imported, and why (every problem of the row at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedRow {
    pub line: u64,
    pub reasons: Vec<String>,
}

/// A row already in the data dir (same name, birth date and contacts) or the same as
/// an earlier row: nothing is created for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlreadyThere {
    Patient { line: u64, id: PatientId },
    Row { line: u64, earlier: u64 },
}

/// What a likely duplicate matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    Patient(PatientId),
    Row(u64),
}

/// A new row that looks like someone already there or another row; it is still created
/// (a family may share a phone), and listed so that staff can check it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LikelyDuplicate {
    pub line: u64,
    pub of: Match,
    /// "same name and date of birth" or "same phone".
    pub why: &'static str,
}

/// What importing the file would do.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportPlan {
    pub new: Vec<NewRow>,
    pub refused: Vec<RefusedRow>,
    pub already: Vec<AlreadyThere>,
    pub duplicates: Vec<LikelyDuplicate>,
    /// Columns no field was taken from (header as written).
    pub unused_columns: Vec<String>,
    /// How the non-ISO dates were read, if there were any.
    pub date_format: Option<DateFormat>,
    /// Rows with every field empty (spreadsheets leave them at the end).
    pub blank_rows: usize,
    /// A column not imported that looks like the phone ("Mobile", "Cell") while no
    /// column gives the phone: the report suggests `--map 'Mobile=phone'`.
    pub phone_column: Option<String>,
}

/// A row read from the file, before validation.
struct RawRow {
    line: u64,
    fields: Vec<String>,
}

/// Reads `bytes` (UTF-8, with or without BOM, any line ending) and decides for every row:
/// new, already there, or refused. `existing`: every patient in the data dir.
pub fn plan_import(
    bytes: &[u8],
    options: &ImportOptions,
    existing: &[Patient],
    today: NaiveDate,
) -> Result<ImportPlan, FileError> {
    let (headers, rows) = read_rows(bytes)?;
    let columns = map_columns(&headers, &options.maps)?;
    let mut plan = ImportPlan {
        unused_columns: headers
            .iter()
            .enumerate()
            .filter(|(i, _)| !columns.values().any(|c| c == i))
            .map(|(_, h)| h.clone())
            .collect(),
        ..ImportPlan::default()
    };
    if !columns.contains_key(&Field::Phone) {
        plan.phone_column = plan
            .unused_columns
            .iter()
            .find(|h| {
                matches!(
                    header_key(h).as_str(),
                    "mobile" | "mobilephone" | "mobilenumber" | "cell" | "cellphone" | "gsm" | "portable"
                )
            })
            .cloned();
    }
    let cell = |row: &RawRow, field: Field| -> String {
        columns
            .get(&field)
            .and_then(|&i| row.fields.get(i))
            // A quoted newline from Windows is kept as a plain newline.
            .map(|s| s.trim().replace("\r\n", "\n"))
            .unwrap_or_default()
    };
    let mut kept = Vec::new();
    for row in rows {
        if row.fields.iter().all(|f| f.trim().is_empty()) {
            plan.blank_rows += 1;
        } else if row.fields.len() != headers.len() {
            plan.refused.push(RefusedRow {
                line: row.line,
                reasons: vec![format!(
                    "has {} fields where the header has {} (a missing or extra comma?)",
                    row.fields.len(),
                    headers.len()
                )],
            });
        } else {
            kept.push(row);
        }
    }
    let date_format = match options.date_format {
        Some(f) => f,
        None => {
            let dates: Vec<(u64, String)> = kept
                .iter()
                .map(|r| (r.line, without_midnight(&cell(r, Field::DateOfBirth)).to_string()))
                .collect();
            detect_format(&dates)?
        }
    };
    for row in &kept {
        let name = full_name(
            &cell(row, Field::FullName),
            &cell(row, Field::FirstName),
            &cell(row, Field::LastName),
        );
        let dob_cell = cell(row, Field::DateOfBirth);
        let dob_text = without_midnight(&dob_cell).to_string();
        let mut reasons = Vec::new();
        let dob_iso = if dob_text.is_empty() {
            String::new()
        } else {
            match read_date(&dob_text, date_format) {
                Ok(date) => {
                    if !is_iso(&dob_text) {
                        plan.date_format = Some(date_format);
                    }
                    date.format("%Y-%m-%d").to_string()
                }
                Err(why) => {
                    reasons.push(format!("date of birth '{dob_text}': {why}"));
                    String::new()
                }
            }
        };
        let (phone, email, notes) = (
            cell(row, Field::Phone),
            cell(row, Field::Email),
            cell(row, Field::Notes),
        );
        let typed = TypedDetails {
            full_name: &name,
            date_of_birth: &dob_iso,
            phone: &phone,
            email: &email,
            notes: &notes,
        };
        match PatientDetails::parse(typed, today) {
            Ok(details) if reasons.is_empty() => plan.new.push(NewRow {
                line: row.line,
                details,
            }),
            Ok(_) => plan.refused.push(RefusedRow {
                line: row.line,
                reasons,
            }),
            Err(errors) => {
                for e in errors {
                    let what = match e.field {
                        DetailsField::Name => "name".to_string(),
                        DetailsField::DateOfBirth => format!("date of birth '{dob_text}'"),
                        DetailsField::Phone => format!("phone '{phone}'"),
                        DetailsField::Email => format!("email '{email}'"),
                    };
                    reasons.push(format!("{what}: {}", e.message));
                }
                plan.refused.push(RefusedRow {
                    line: row.line,
                    reasons,
                });
            }
        }
    }
    plan.refused.sort_by_key(|r| r.line);
    find_duplicates(&mut plan, existing);
    Ok(plan)
}

fn read_rows(bytes: &[u8]) -> Result<(Vec<String>, Vec<RawRow>), FileError> {
    // The csv crate skips a UTF-8 byte order mark at the start.
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(bytes))
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(e, bytes))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(FileError::Empty);
    }
    let mut rows = Vec::new();
    let mut lines = LineCounter::new(bytes);
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(e, bytes))?;
        let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
        rows.push(RawRow {
            line,
            fields: record.iter().map(str::to_string).collect(),
        });
    }
    Ok((headers, rows))
}

/// The separator of the file: a comma, unless the header row holds more semicolons
/// (spreadsheets set to a language with a decimal comma write those) or tabs.
fn delimiter(bytes: &[u8]) -> u8 {
    let header = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let n = |c: u8| header.iter().filter(|&&b| b == c).count();
    let (commas, semicolons, tabs) = (n(b','), n(b';'), n(b'\t'));
    if semicolons > commas && semicolons >= tabs {
        b';'
    } else if tabs > commas && tabs > semicolons {
        b'\t'
    } else {
        b','
    }
}

/// The line a record starts on. The csv crate's own line count lags by one after a
/// CRLF (its record starts at the `\n` the previous record left), so lines are counted
/// here from the byte offset, past any line ends before the record's first byte.
struct LineCounter<'a> {
    bytes: &'a [u8],
    /// Bytes before `offset` hold `newlines` newlines.
    offset: usize,
    newlines: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: 0,
            newlines: 0,
        }
    }

    /// The 1-based line of the first byte at or after `start` that is not a line end.
    fn line_at(&mut self, start: u64) -> u64 {
        let mut start = (start as usize).min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start >= self.offset {
            self.newlines += self.bytes[self.offset..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.offset = start;
        }
        self.newlines + 1
    }
}

fn csv_error(e: csv::Error, bytes: &[u8]) -> FileError {
    let line = e
        .position()
        .map_or(1, |p| LineCounter::new(bytes).line_at(p.byte()));
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => FileError::NotUtf8 { line },
        _ => FileError::Unreadable {
            line,
            message: e.to_string(),
        },
    }
}

/// Which column gives which field: `--map` first, then the header names recognised.
fn map_columns(headers: &[String], maps: &[ColumnMap]) -> Result<HashMap<Field, usize>, FileError> {
    let mut mapped: Vec<Option<Field>> = vec![None; headers.len()];
    for m in maps {
        let key = header_key(&m.header);
        let Some(i) = headers.iter().position(|h| header_key(h) == key) else {
            return Err(FileError::MapUnknownColumn {
                header: m.header.clone(),
                columns: headers.to_vec(),
            });
        };
        mapped[i] = Some(m.field);
    }
    let mut columns: HashMap<Field, usize> = HashMap::new();
    for (i, header) in headers.iter().enumerate() {
        let Some(field) = mapped[i].or_else(|| Field::from_name(header)) else {
            continue;
        };
        if field == Field::Ignore {
            continue;
        }
        if let Some(&first) = columns.get(&field) {
            return Err(FileError::TwoColumns {
                field,
                first: headers[first].clone(),
                second: header.clone(),
            });
        }
        columns.insert(field, i);
    }
    if ![Field::FullName, Field::FirstName, Field::LastName]
        .iter()
        .any(|f| columns.contains_key(f))
    {
        return Err(FileError::NoNameColumn {
            columns: headers.to_vec(),
        });
    }
    Ok(columns)
}

/// A header as compared: folded, letters and digits only ("E-mail" = "email").
fn header_key(header: &str) -> String {
    fold(header).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// The full name, else first and last joined.
fn full_name(full: &str, first: &str, last: &str) -> String {
    if !full.is_empty() {
        return full.to_string();
    }
    [first, last]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A name folded for comparison: case and accents as `domain::search::fold`, and runs
/// of spaces as one ("Zoë  Åström" and "zoe astrom" are one person).
pub fn fold(text: &str) -> String {
    search::fold(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A date as spreadsheets often export one, with a midnight time after it
/// (`1990-04-03 00:00:00`, `03/04/1990 00:00`), without that time.
fn without_midnight(text: &str) -> &str {
    for suffix in [" 00:00:00", " 00:00", "T00:00:00", "T00:00"] {
        if let Some(date) = text.strip_suffix(suffix) {
            return date.trim_end();
        }
    }
    text
}

fn is_iso(text: &str) -> bool {
    text.len() >= 4 && text[..4].chars().all(|c| c.is_ascii_digit())
}

/// The three numbers of a date written with `/`, `.` or `-`, as written.
fn date_parts(text: &str) -> Option<[u32; 3]> {
    let parts: Vec<&str> = text.split(['/', '.', '-']).map(str::trim).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let n: Vec<u32> = parts.iter().map(|p| p.parse().ok()).collect::<Option<_>>()?;
    Some([n[0], n[1], n[2]])
}

/// What a non-ISO date tells about the file's format.
#[derive(Debug, PartialEq, Eq)]
enum Hint {
    /// ISO, empty, or unreadable: nothing.
    None,
    DayFirst,
    MonthFirst,
    /// Both first numbers are 12 or less and differ (03/04/1990).
    Either,
}

fn hint(text: &str) -> Hint {
    if text.is_empty() || is_iso(text) {
        return Hint::None;
    }
    match date_parts(text) {
        Some([a, b, _]) if a > 12 && b <= 12 => Hint::DayFirst,
        Some([a, b, _]) if b > 12 && a <= 12 => Hint::MonthFirst,
        Some([a, b, _]) if a != b && a <= 12 && b <= 12 => Hint::Either,
        _ => Hint::None,
    }
}

/// The format of the file's dates: ISO needs none; otherwise the rows must tell.
fn detect_format(dates: &[(u64, String)]) -> Result<DateFormat, FileError> {
    let pick = |h: Hint| -> Vec<(u64, String)> {
        dates
            .iter()
            .filter(|(_, t)| hint(t) == h)
            .map(|(l, t)| (*l, t.clone()))
            .collect()
    };
    let (day_first, month_first, either) = (pick(Hint::DayFirst), pick(Hint::MonthFirst), pick(Hint::Either));
    match (day_first.is_empty(), month_first.is_empty()) {
        (false, false) => Err(FileError::MixedDates {
            day_first: day_first
                .into_iter()
                .map(|(l, t)| (l, format!("{t} (day first)")))
                .collect(),
            month_first: month_first
                .into_iter()
                .map(|(l, t)| (l, format!("{t} (month first)")))
                .collect(),
        }),
        (false, true) => Ok(DateFormat::Dmy),
        (true, false) => Ok(DateFormat::Mdy),
        (true, true) if !either.is_empty() => Err(FileError::AmbiguousDates {
            lines: either
                .into_iter()
                .map(|(l, t)| {
                    let [a, b, _] = date_parts(&t).expect("an ambiguous date has three parts");
                    let text = format!("{t} could be {} or {}", day_month(a, b), day_month(b, a));
                    (l, text)
                })
                .collect(),
        }),
        // Only ISO dates (or dates such as 05/05/1990 that read the same both ways).
        (true, true) => Ok(DateFormat::Dmy),
    }
}

fn day_month(day: u32, month: u32) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    format!("{day} {}", MONTHS[(month - 1) as usize])
}

/// One date, ISO (`1990-12-31`, `1990/12/31`) or in `format`.
fn read_date(text: &str, format: DateFormat) -> Result<NaiveDate, String> {
    let Some([a, b, c]) = date_parts(text) else {
        return Err("not a date; write it as YYYY-MM-DD, DD/MM/YYYY or MM/DD/YYYY".to_string());
    };
    let year_first = text
        .split(['/', '.', '-'])
        .next()
        .is_some_and(|p| p.trim().len() == 4);
    let (y, m, d) = if year_first {
        (a, b, c)
    } else {
        if text
            .split(['/', '.', '-'])
            .nth(2)
            .is_some_and(|p| p.trim().len() != 4)
        {
            return Err("the year needs four digits (a two-digit year could be 19.. or 20..)".to_string());
        }
        match format {
            DateFormat::Dmy => (c, b, a),
            DateFormat::Mdy => (c, a, b),
            DateFormat::Ymd => return Err("not year first, as --date-format ymd says".to_string()),
        }
    };
    if !(1..=12).contains(&m) {
        return Err(format!("month {m} does not exist"));
    }
    NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(|| format!("that month has no day {d}"))
}

/// The identity of a row or patient, as duplicates are found by.
struct Identity {
    name: String,
    dob: Option<NaiveDate>,
    phone: String,
    email: String,
}

impl Identity {
    fn of(d: &PatientDetails) -> Self {
        Self {
            name: fold(&d.full_name),
            dob: d.date_of_birth,
            phone: search::phone_digits(&d.phone),
            email: d.email.to_lowercase(),
        }
    }

    /// The same person, as far as a re-run of the same file is concerned: same folded
    /// name and birth date, and the contacts the row gives are the ones already there.
    fn same_as(&self, there: &Identity) -> bool {
        self.name == there.name
            && self.dob == there.dob
            && (self.phone.is_empty() || self.phone == there.phone)
            && (self.email.is_empty() || self.email == there.email)
    }

    /// Why this row may be someone already there, if it looks so.
    fn likely(&self, there: &Identity) -> Option<&'static str> {
        if self.name == there.name && self.dob.is_some() && self.dob == there.dob {
            Some("same name and date of birth")
        } else if self.phone.len() >= 6 && self.phone == there.phone {
            Some("same phone")
        } else {
            None
        }
    }
}

/// Moves rows already there out of `plan.new`, and lists the likely duplicates.
fn find_duplicates(plan: &mut ImportPlan, existing: &[Patient]) {
    let there: Vec<(PatientId, Identity)> = existing
        .iter()
        .map(|p| (p.id.clone(), Identity::of(&p.details())))
        .collect();
    let mut kept: Vec<(u64, Identity)> = Vec::new();
    let mut new = Vec::new();
    for row in std::mem::take(&mut plan.new) {
        let me = Identity::of(&row.details);
        if let Some((id, _)) = there.iter().find(|(_, t)| me.same_as(t)) {
            plan.already.push(AlreadyThere::Patient {
                line: row.line,
                id: id.clone(),
            });
            continue;
        }
        if let Some((earlier, _)) = kept.iter().find(|(_, t)| me.same_as(t) && t.same_as(&me)) {
            plan.already.push(AlreadyThere::Row {
                line: row.line,
                earlier: *earlier,
            });
            continue;
        }
        let duplicate = there
            .iter()
            .find_map(|(id, t)| me.likely(t).map(|why| (Match::Patient(id.clone()), why)))
            .or_else(|| {
                kept.iter()
                    .find_map(|(line, t)| me.likely(t).map(|why| (Match::Row(*line), why)))
            });
        if let Some((of, why)) = duplicate {
            plan.duplicates.push(LikelyDuplicate {
                line: row.line,
                of,
                why,
            });
        }
        kept.push((row.line, me));
        new.push(row);
    }
    plan.new = new;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
    }

    fn plan(csv: &str) -> Result<ImportPlan, FileError> {
        plan_import(csv.as_bytes(), &ImportOptions::default(), &[], today())
    }

    #[test]
    fn header_names_are_matched_whatever_their_case_accents_and_punctuation() {
        let p = plan("Full Name,E-Mail,Date of Birth,Téléphone\nAna Lima,ana@example.com,1990-04-03,06 12\n")
            .unwrap();
        let d = &p.new[0].details;
        assert_eq!(d.full_name, "Ana Lima");
        assert_eq!(d.email, "ana@example.com");
        assert_eq!(d.date_of_birth, NaiveDate::from_ymd_opt(1990, 4, 3));
        assert_eq!(d.phone, "06 12");
        assert!(p.unused_columns.is_empty());
    }

    #[test]
    fn first_and_last_name_columns_make_the_full_name() {
        let p = plan("First name,Last name\nAna,Lima\n").unwrap();
        assert_eq!(p.new[0].details.full_name, "Ana Lima");
    }

    #[test]
    fn a_file_without_a_name_column_is_refused_naming_its_columns() {
        let e = plan("Mobile,DOB\n0612,1990-01-01\n").unwrap_err();
        assert!(e.to_string().contains("Mobile, DOB"), "{e}");
    }

    #[test]
    fn a_map_gives_an_unknown_header_a_field_and_two_sources_of_one_field_are_refused() {
        let opts = ImportOptions {
            maps: vec!["mobile=phone".parse().unwrap()],
            date_format: None,
        };
        let p = plan_import(b"Name,Mobile\nAna,0612\n", &opts, &[], today()).unwrap();
        assert_eq!(p.new[0].details.phone, "0612");
        let e = plan_import(b"Name,Phone,Mobile\nAna,1,2\n", &opts, &[], today()).unwrap_err();
        assert!(
            matches!(
                e,
                FileError::TwoColumns {
                    field: Field::Phone,
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            "Mobile=fax"
                .parse::<ColumnMap>()
                .unwrap_err()
                .contains("not a field")
        );
    }

    #[test]
    fn day_first_dates_are_told_by_a_day_over_twelve() {
        let p = plan("Name,DOB\nA,03/04/1990\nB,25/12/1985\n").unwrap();
        assert_eq!(
            p.new[0].details.date_of_birth,
            NaiveDate::from_ymd_opt(1990, 4, 3)
        );
        assert_eq!(p.date_format, Some(DateFormat::Dmy));
        let p = plan("Name,DOB\nA,03/04/1990\nB,12/25/1985\n").unwrap();
        assert_eq!(
            p.new[0].details.date_of_birth,
            NaiveDate::from_ymd_opt(1990, 3, 4)
        );
    }

    #[test]
    fn semicolon_and_tab_separated_files_are_read_too() {
        let p = plan("Name;DOB;Notes\r\nAna Lima;25/12/1985;\"a, b; c\"\r\n").unwrap();
        assert_eq!(p.new[0].details.full_name, "Ana Lima");
        assert_eq!(p.new[0].details.notes, "a, b; c");
        let p = plan("Name\tPhone\nAna Lima\t06 12\n").unwrap();
        assert_eq!(p.new[0].details.phone, "06 12");
    }

    #[test]
    fn a_midnight_time_after_a_date_is_dropped() {
        let p = plan("Name,DOB\nA,1990-04-03 00:00:00\nB,25/12/1985 00:00\n").unwrap();
        assert!(p.refused.is_empty(), "{:?}", p.refused);
        assert_eq!(
            p.new[0].details.date_of_birth,
            NaiveDate::from_ymd_opt(1990, 4, 3)
        );
        assert_eq!(
            p.new[1].details.date_of_birth,
            NaiveDate::from_ymd_opt(1985, 12, 25)
        );
    }

    #[test]
    fn an_ambiguous_file_is_refused_with_its_rows_never_guessed() {
        let e = plan("Name,DOB\nA,03/04/1990\nB,1985-01-01\nC,05/06/1970\n").unwrap_err();
        let FileError::AmbiguousDates { lines } = &e else {
            panic!("{e}")
        };
        assert_eq!(lines.iter().map(|l| l.0).collect::<Vec<_>>(), vec![2, 4]);
        assert!(
            e.to_string().contains("03/04/1990 could be 3 April or 4 March"),
            "{e}"
        );
        let opts = ImportOptions {
            date_format: Some(DateFormat::Mdy),
            ..Default::default()
        };
        let p = plan_import(b"Name,DOB\nA,03/04/1990\n", &opts, &[], today()).unwrap();
        assert_eq!(
            p.new[0].details.date_of_birth,
            NaiveDate::from_ymd_opt(1990, 3, 4)
        );
    }

    #[test]
    fn a_file_mixing_both_orders_is_refused() {
        let e = plan("Name,DOB\nA,25/04/1990\nB,04/25/1990\n").unwrap_err();
        assert!(matches!(e, FileError::MixedDates { .. }), "{e}");
    }

    #[test]
    fn bad_rows_are_refused_with_every_reason_and_their_line() {
        let p = plan("Name,DOB,Email,Phone\n,31/02/1990,x,abc\nAna,,,\n").unwrap();
        assert_eq!(p.refused.len(), 1);
        let r = &p.refused[0];
        assert_eq!(r.line, 2);
        assert!(
            r.reasons.iter().any(|m| m.contains("no day 31")),
            "{:?}",
            r.reasons
        );
        assert!(r.reasons.iter().any(|m| m.starts_with("name")), "{:?}", r.reasons);
        assert!(
            r.reasons.iter().any(|m| m.starts_with("email 'x'")),
            "{:?}",
            r.reasons
        );
        assert!(
            r.reasons.iter().any(|m| m.starts_with("phone 'abc'")),
            "{:?}",
            r.reasons
        );
        assert_eq!(p.new.len(), 1);
    }

    #[test]
    fn two_digit_years_and_wrong_field_counts_are_refused() {
        let p = plan("Name,DOB\nA,25/12/85\nB,1990-01-01,extra\n").unwrap();
        assert_eq!(p.refused.len(), 2);
        assert!(p.refused[0].reasons[0].contains("four digits"));
        assert!(p.refused[1].reasons[0].contains("3 fields where the header has 2"));
    }

    #[test]
    fn line_numbers_count_the_header_and_quoted_newlines() {
        let p = plan("Name,Notes\r\nA,\"one\r\ntwo\"\r\nB,x\r\n,\r\n").unwrap();
        assert_eq!(p.new.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2, 4]);
        assert_eq!(p.new[0].details.notes, "one\ntwo");
        assert_eq!(p.blank_rows, 1);
    }

    #[test]
    fn text_that_is_not_utf8_is_refused_with_its_line() {
        let e = plan_import(
            b"Name\r\nAna\r\nZo\xeb\r\n",
            &ImportOptions::default(),
            &[],
            today(),
        )
        .unwrap_err();
        assert_eq!(e, FileError::NotUtf8 { line: 3 });
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_header() {
        let p = plan("\u{feff}Name,Phone\nAna,1\n").unwrap();
        assert_eq!(p.new[0].details.full_name, "Ana");
    }

    #[test]
    fn rows_already_there_are_found_by_folded_name_birth_date_and_phone() {
        let details = PatientDetails {
            full_name: "José Martín".into(),
            date_of_birth: NaiveDate::from_ymd_opt(1990, 4, 3),
            phone: "06 12 34 56 78".into(),
            ..Default::default()
        };
        let there = Patient::new(PatientId::new("p-1").unwrap(), details, today());
        let csv = "Name,DOB,Phone\njose  MARTIN,1990-04-03,0612345678\nJosé Martín,1990-04-03,0699999999\nOther,1970-01-01,06.12.34.56.78\nOther,1970-01-01,06.12.34.56.78\n";
        let p = plan_import(csv.as_bytes(), &ImportOptions::default(), &[there], today()).unwrap();
        let id = PatientId::new("p-1").unwrap();
        assert_eq!(
            p.already,
            vec![
                AlreadyThere::Patient {
                    line: 2,
                    id: id.clone()
                },
                AlreadyThere::Row { line: 5, earlier: 4 }
            ]
        );
        assert_eq!(
            p.duplicates,
            vec![
                LikelyDuplicate {
                    line: 3,
                    of: Match::Patient(id.clone()),
                    why: "same name and date of birth"
                },
                LikelyDuplicate {
                    line: 4,
                    of: Match::Patient(id),
                    why: "same phone"
                },
            ]
        );
        assert_eq!(p.new.iter().map(|r| r.line).collect::<Vec<_>>(), vec![3, 4]);
    }

    #[test]
    fn folding_removes_accents_case_and_extra_spaces() {
        assert_eq!(fold("  Zoë   ÅSTRÖM "), "zoe astrom");
    }
}
