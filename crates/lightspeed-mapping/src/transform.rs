//! The transformations of the mapping contract (`docs/mapping-contract.md` §3), compiled once from `{"type", "parameters"}` and applied
//! to values. Numbers are decimals throughout; text functions count characters, not bytes.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use regex::Regex;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Map;

use crate::error::CompileError;
use crate::value::{Value, number_from_json};

/// Separators for reading numbers written as text (`"1.299,99"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locale {
    /// The decimal separator (`.` or `,`).
    pub decimal_separator: String,
    /// The thousands separator (`""` for none).
    pub thousands_separator: String,
}

impl Default for Locale {
    fn default() -> Self {
        Self {
            decimal_separator: ".".into(),
            thousands_separator: String::new(),
        }
    }
}

/// How to round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Half away from zero (the default): `484.645` -> `484.65`.
    HalfAwayFromZero,
    /// Half to even (banker's rounding).
    HalfEven,
    /// Toward zero.
    Down,
    /// Away from zero.
    Up,
}

impl Rounding {
    fn strategy(self) -> RoundingStrategy {
        match self {
            Rounding::HalfAwayFromZero => RoundingStrategy::MidpointAwayFromZero,
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
            Rounding::Down => RoundingStrategy::ToZero,
            Rounding::Up => RoundingStrategy::AwayFromZero,
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "half_away_from_zero" => Rounding::HalfAwayFromZero,
            "half_even" => Rounding::HalfEven,
            "down" => Rounding::Down,
            "up" => Rounding::Up,
            _ => return None,
        })
    }
}

/// A unit of `convert_unit`, with its kind and its size in the kind's base unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// `mass`, `length` or `volume`.
    pub kind: &'static str,
    /// The unit's size in g, mm or ml.
    pub factor: Decimal,
}

/// The units of `convert_unit` (mass in g, length in mm, volume in ml; exact factors).
pub fn unit(name: &str) -> Option<Unit> {
    let (kind, factor) = match name {
        "mg" => ("mass", Decimal::new(1, 3)),
        "g" => ("mass", Decimal::ONE),
        "kg" => ("mass", Decimal::from(1000)),
        "oz" => ("mass", Decimal::new(28349523125, 9)),
        "lb" => ("mass", Decimal::new(45359237, 5)),
        "mm" => ("length", Decimal::ONE),
        "cm" => ("length", Decimal::from(10)),
        "m" => ("length", Decimal::from(1000)),
        "in" => ("length", Decimal::new(254, 1)),
        "ft" => ("length", Decimal::new(3048, 1)),
        "ml" => ("volume", Decimal::ONE),
        "l" => ("volume", Decimal::from(1000)),
        "fl_oz" => ("volume", Decimal::new(295735295625, 10)),
        _ => return None,
    };
    Some(Unit { kind, factor })
}

/// What `lookup` does when a value has no entry.
#[derive(Debug, Clone, PartialEq)]
pub enum NoMatch {
    /// Keep the value (the default).
    Original,
    /// Use this value.
    Default(Value),
    /// Leave the field unwritten.
    Skip,
    /// Fail the record.
    Error,
}

/// A lookup table: a mapping set or inline entries.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupTable {
    /// Entries by the source value's text.
    pub entries: HashMap<String, Value>,
    /// What to do without an entry.
    pub no_match: NoMatch,
}

/// One compiled transformation.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Transform {
    /// `format_number`.
    FormatNumber {
        /// Decimals.
        decimals: u32,
        /// Decimal separator.
        decimal_separator: String,
        /// Thousands separator.
        thousands_separator: String,
        /// Rounding.
        rounding: Rounding,
    },
    /// `round`.
    Round {
        /// Decimals.
        decimals: u32,
        /// Rounding.
        rounding: Rounding,
    },
    /// `parse_number`.
    ParseNumber(Locale),
    /// `convert_unit`: multiply by the ratio of the two units.
    ConvertUnit {
        /// The source unit's factor divided by the target's.
        ratio: Decimal,
    },
    /// `multiply`.
    Multiply(Decimal),
    /// `add`.
    Add(Decimal),
    /// `markup_percent`.
    MarkupPercent(Decimal),
    /// `lookup`.
    Lookup(Arc<LookupTable>),
    /// `concat`.
    Concat {
        /// The attributes.
        attributes: Vec<crate::source::Lookup>,
        /// The separator.
        separator: String,
        /// Skip missing attributes (else they count as empty text).
        skip_missing: bool,
    },
    /// `trim`.
    Trim,
    /// `lowercase`.
    Lowercase,
    /// `uppercase`.
    Uppercase,
    /// `title_case`.
    TitleCase,
    /// `sentence_case`.
    SentenceCase,
    /// `slugify`.
    Slugify,
    /// `strip_html`.
    StripHtml,
    /// `replace`.
    Replace {
        /// What to find.
        find: String,
        /// What to put instead.
        with: String,
    },
    /// `regex_replace`.
    RegexReplace {
        /// The pattern.
        pattern: Regex,
        /// The replacement (`$1` names a group).
        with: String,
    },
    /// `regex_extract`.
    RegexExtract {
        /// The pattern.
        pattern: Regex,
        /// The group to extract.
        group: usize,
    },
    /// `truncate`.
    Truncate {
        /// The most characters.
        max_length: usize,
        /// What marks a cut.
        ellipsis: String,
    },
    /// `split`.
    Split(String),
    /// `join`.
    Join(String),
    /// `default`.
    Default(Value),
    /// `to_boolean`.
    ToBoolean {
        /// Texts read as true (compared in lower case, trimmed).
        true_values: Vec<String>,
        /// Texts read as false.
        false_values: Vec<String>,
    },
    /// `format_date`.
    FormatDate {
        /// The input's strftime format (`None`: RFC 3339).
        from: Option<String>,
        /// The output's strftime format.
        to: String,
    },
}

/// The names of every transformation type.
pub const TYPES: &[&str] = &[
    "format_number",
    "round",
    "parse_number",
    "convert_unit",
    "multiply",
    "add",
    "markup_percent",
    "lookup",
    "concat",
    "trim",
    "lowercase",
    "uppercase",
    "title_case",
    "sentence_case",
    "slugify",
    "strip_html",
    "replace",
    "regex_replace",
    "regex_extract",
    "truncate",
    "split",
    "join",
    "default",
    "to_boolean",
    "format_date",
];

/// Parameters being read, with the path for errors; unknown ones are reported at the end.
pub(crate) struct Params<'a> {
    map: Option<&'a Map<String, serde_json::Value>>,
    path: String,
    used: Vec<&'static str>,
    pub(crate) errors: Vec<CompileError>,
}

impl<'a> Params<'a> {
    pub(crate) fn new(map: Option<&'a Map<String, serde_json::Value>>, path: String) -> Self {
        Self {
            map,
            path,
            used: Vec::new(),
            errors: Vec::new(),
        }
    }

    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    fn raw(&mut self, name: &'static str) -> Option<&'a serde_json::Value> {
        self.used.push(name);
        self.map.and_then(|m| m.get(name))
    }

    fn here(&self, name: &str) -> String {
        format!("{}.{name}", self.path)
    }

    fn missing(&mut self, name: &str) {
        let at = self.here(name);
        self.errors
            .push(CompileError::at(at, format!("missing parameter `{name}`")));
    }

    fn wrong(&mut self, name: &str, expected: &str, found: &serde_json::Value) {
        let at = self.here(name);
        self.errors.push(CompileError::at(
            at,
            format!("`{name}` must be {expected}, found {found}"),
        ));
    }

    pub(crate) fn text(&mut self, name: &'static str) -> Option<String> {
        match self.raw(name)? {
            serde_json::Value::String(s) => Some(s.clone()),
            other => {
                let other = other.clone();
                self.wrong(name, "text", &other);
                None
            }
        }
    }

    pub(crate) fn text_or(&mut self, name: &'static str, default: &str) -> String {
        self.text(name).unwrap_or_else(|| default.to_owned())
    }

    pub(crate) fn required_text(&mut self, name: &'static str) -> Option<String> {
        if self.map.is_none_or(|m| !m.contains_key(name)) {
            self.used.push(name);
            self.missing(name);
            return None;
        }
        self.text(name)
    }

    fn decimal(&mut self, name: &'static str) -> Option<Decimal> {
        match self.raw(name)? {
            serde_json::Value::Number(n) => number_from_json(n),
            serde_json::Value::String(s) if Decimal::from_str(s.trim()).is_ok() => {
                Decimal::from_str(s.trim()).ok()
            }
            other => {
                let other = other.clone();
                self.wrong(name, "a number", &other);
                None
            }
        }
    }

    fn required_decimal(&mut self, name: &'static str) -> Option<Decimal> {
        if self.map.is_none_or(|m| !m.contains_key(name)) {
            self.used.push(name);
            self.missing(name);
            return None;
        }
        self.decimal(name)
    }

    fn count(&mut self, name: &'static str) -> Option<u32> {
        match self.raw(name)? {
            serde_json::Value::Number(n) if n.as_u64().is_some_and(|v| v <= 28) => {
                n.as_u64().map(|v| v as u32)
            }
            other => {
                let other = other.clone();
                self.wrong(name, "a whole number from 0 to 28", &other);
                None
            }
        }
    }

    fn required_count(&mut self, name: &'static str) -> Option<u32> {
        if self.map.is_none_or(|m| !m.contains_key(name)) {
            self.used.push(name);
            self.missing(name);
            return None;
        }
        self.count(name)
    }

    fn boolean(&mut self, name: &'static str, default: bool) -> bool {
        match self.raw(name) {
            None => default,
            Some(serde_json::Value::Bool(b)) => *b,
            Some(other) => {
                let other = other.clone();
                self.wrong(name, "true or false", &other);
                default
            }
        }
    }

    fn text_list(&mut self, name: &'static str) -> Option<Vec<String>> {
        match self.raw(name)? {
            serde_json::Value::Array(items)
                if items
                    .iter()
                    .all(|i| i.is_string() || i.is_number() || i.is_boolean()) =>
            {
                Some(
                    items
                        .iter()
                        .map(|i| match i {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect(),
                )
            }
            other => {
                let other = other.clone();
                self.wrong(name, "a list of texts", &other);
                None
            }
        }
    }

    fn rounding(&mut self) -> Rounding {
        match self.text("rounding") {
            None => Rounding::HalfAwayFromZero,
            Some(text) => Rounding::parse(&text).unwrap_or_else(|| {
                let at = self.here("rounding");
                self.errors.push(CompileError::at(
                    at,
                    format!(
                        "unknown rounding `{text}`: use half_away_from_zero, half_even, down or up"
                    ),
                ));
                Rounding::HalfAwayFromZero
            }),
        }
    }

    pub(crate) fn raw_value(&mut self, name: &'static str) -> Option<&'a serde_json::Value> {
        self.raw(name)
    }

    pub(crate) fn error(&mut self, name: &str, message: String) {
        let at = self.here(name);
        self.errors.push(CompileError::at(at, message));
    }

    /// Reports parameters nobody read.
    pub(crate) fn finish(mut self) -> Vec<CompileError> {
        if let Some(map) = self.map {
            for key in map.keys() {
                if !self.used.contains(&key.as_str()) {
                    let at = self.here(key);
                    self.errors
                        .push(CompileError::at(at, format!("unknown parameter `{key}`")));
                }
            }
        }
        self.errors
    }
}

fn regex(params: &mut Params<'_>, name: &'static str) -> Option<Regex> {
    let pattern = params.required_text(name)?;
    match Regex::new(&pattern) {
        Ok(regex) => Some(regex),
        Err(e) => {
            params.error(name, format!("invalid regular expression {pattern:?}: {e}"));
            None
        }
    }
}

/// What a compiled transformation needs from the document.
pub(crate) struct Context<'a> {
    pub(crate) locale: &'a Locale,
    pub(crate) sets: &'a HashMap<String, Arc<LookupTable>>,
}

/// Compiles one `{"type", "parameters"}` (already split) at `path`.
pub(crate) fn compile(
    kind: &str,
    params: &mut Params<'_>,
    context: &Context<'_>,
) -> Option<Transform> {
    Some(match kind {
        "format_number" => {
            let decimals = params.count("decimals").unwrap_or(2);
            Transform::FormatNumber {
                decimals,
                decimal_separator: params.text_or("decimal_separator", "."),
                thousands_separator: params.text_or("thousands_separator", ""),
                rounding: params.rounding(),
            }
        }
        "round" => {
            let decimals = params.required_count("decimals");
            let rounding = params.rounding();
            Transform::Round {
                decimals: decimals?,
                rounding,
            }
        }
        "parse_number" => Transform::ParseNumber(Locale {
            decimal_separator: params
                .text("decimal_separator")
                .unwrap_or_else(|| context.locale.decimal_separator.clone()),
            thousands_separator: params
                .text("thousands_separator")
                .unwrap_or_else(|| context.locale.thousands_separator.clone()),
        }),
        "convert_unit" => {
            let from = params.required_text("from");
            let to = params.required_text("to");
            let (from, to) = (from?, to?);
            let (Some(a), Some(b)) = (unit(&from), unit(&to)) else {
                let bad = if unit(&from).is_none() {
                    ("from", from)
                } else {
                    ("to", to)
                };
                params.error(
                    bad.0,
                    format!(
                        "unknown unit `{}`: use mg g kg oz lb, mm cm m in ft, or ml l fl_oz",
                        bad.1
                    ),
                );
                return None;
            };
            if a.kind != b.kind {
                params.error(
                    "to",
                    format!(
                        "cannot convert {} (`{from}`) to {} (`{to}`)",
                        a.kind, b.kind
                    ),
                );
                return None;
            }
            Transform::ConvertUnit {
                ratio: a.factor / b.factor,
            }
        }
        "multiply" => Transform::Multiply(params.required_decimal("by")?),
        "add" => Transform::Add(params.required_decimal("value")?),
        "markup_percent" => Transform::MarkupPercent(params.required_decimal("percent")?),
        "lookup" => Transform::Lookup(crate::source::lookup_table(params, context)?),
        "concat" => {
            let attributes = params.text_list("attributes");
            if attributes.is_none() && params.map.is_none_or(|m| !m.contains_key("attributes")) {
                params.missing("attributes");
            }
            let separator = params.text_or("separator", " ");
            let skip_missing = params.boolean("skip_missing", true);
            Transform::Concat {
                attributes: attributes?
                    .iter()
                    .map(|a| crate::source::Lookup::new(a))
                    .collect(),
                separator,
                skip_missing,
            }
        }
        "trim" => Transform::Trim,
        "lowercase" => Transform::Lowercase,
        "uppercase" => Transform::Uppercase,
        "title_case" => Transform::TitleCase,
        "sentence_case" => Transform::SentenceCase,
        "slugify" => Transform::Slugify,
        "strip_html" => Transform::StripHtml,
        "replace" => {
            let find = params.required_text("find");
            let with = params.required_text("with");
            Transform::Replace {
                find: find?,
                with: with?,
            }
        }
        "regex_replace" => {
            let pattern = regex(params, "pattern");
            let with = params.required_text("with");
            Transform::RegexReplace {
                pattern: pattern?,
                with: with?,
            }
        }
        "regex_extract" => {
            let pattern = regex(params, "pattern");
            let given = params.count("group");
            let pattern = pattern?;
            // Group 1 by default; a pattern without groups extracts its whole match.
            let group = match given {
                Some(g) => g as usize,
                None if pattern.captures_len() > 1 => 1,
                None => 0,
            };
            if group >= pattern.captures_len() {
                params.error("group", format!("the pattern has no group {group}"));
                return None;
            }
            Transform::RegexExtract { pattern, group }
        }
        "truncate" => {
            let max = params.required_decimal("max_length");
            let ellipsis = params.text_or("ellipsis", "");
            let max = max?;
            if max < Decimal::ONE || max.fract() != Decimal::ZERO {
                params.error(
                    "max_length",
                    format!("`max_length` must be a whole number of at least 1, found {max}"),
                );
                return None;
            }
            let max_length =
                usize::try_from(max.mantissa() / 10i128.pow(max.scale())).unwrap_or(usize::MAX);
            if ellipsis.chars().count() > max_length {
                params.error(
                    "ellipsis",
                    format!("the ellipsis is longer than `max_length` ({max_length})"),
                );
                return None;
            }
            Transform::Truncate {
                max_length,
                ellipsis,
            }
        }
        "split" => Transform::Split(params.required_text("separator")?),
        "join" => Transform::Join(params.required_text("separator")?),
        "default" => match params.raw_value("value") {
            Some(v) => Transform::Default(Value::from_json(v)),
            None => {
                params.missing("value");
                return None;
            }
        },
        "to_boolean" => Transform::ToBoolean {
            true_values: params
                .text_list("true_values")
                .unwrap_or_else(|| ["1", "true", "yes", "y", "ja"].map(String::from).to_vec())
                .into_iter()
                .map(|v| v.trim().to_lowercase())
                .collect(),
            false_values: params
                .text_list("false_values")
                .unwrap_or_else(|| {
                    ["0", "false", "no", "n", "nee", ""]
                        .map(String::from)
                        .to_vec()
                })
                .into_iter()
                .map(|v| v.trim().to_lowercase())
                .collect(),
        },
        "format_date" => {
            let from = params.text("from");
            let to = params.required_text("to")?;
            Transform::FormatDate { from, to }
        }
        _ => return None,
    })
}

impl Transform {
    /// The transformation's type name.
    pub fn name(&self) -> &'static str {
        match self {
            Transform::FormatNumber { .. } => "format_number",
            Transform::Round { .. } => "round",
            Transform::ParseNumber(_) => "parse_number",
            Transform::ConvertUnit { .. } => "convert_unit",
            Transform::Multiply(_) => "multiply",
            Transform::Add(_) => "add",
            Transform::MarkupPercent(_) => "markup_percent",
            Transform::Lookup(_) => "lookup",
            Transform::Concat { .. } => "concat",
            Transform::Trim => "trim",
            Transform::Lowercase => "lowercase",
            Transform::Uppercase => "uppercase",
            Transform::TitleCase => "title_case",
            Transform::SentenceCase => "sentence_case",
            Transform::Slugify => "slugify",
            Transform::StripHtml => "strip_html",
            Transform::Replace { .. } => "replace",
            Transform::RegexReplace { .. } => "regex_replace",
            Transform::RegexExtract { .. } => "regex_extract",
            Transform::Truncate { .. } => "truncate",
            Transform::Split(_) => "split",
            Transform::Join(_) => "join",
            Transform::Default(_) => "default",
            Transform::ToBoolean { .. } => "to_boolean",
            Transform::FormatDate { .. } => "format_date",
        }
    }

    /// Applies the transformation. `record` serves `concat`; `locale` reads numbers given as
    /// text to numeric transformations. An error names the value.
    pub fn apply(
        &self,
        value: Value,
        record: &serde_json::Value,
        locale: &Locale,
    ) -> Result<Value, String> {
        // Only `default` and `concat` do something with nothing.
        if matches!(value, Value::Missing | Value::Empty)
            && !matches!(self, Transform::Default(_) | Transform::Concat { .. })
        {
            return Ok(value);
        }
        let name = self.name();
        let number = |value: &Value| -> Result<Decimal, String> {
            match value {
                Value::Number(n) => Ok(*n),
                Value::Text(t) => parse_number(t, locale).ok_or_else(|| {
                    format!("{name} could not read {} as a number", value.describe())
                }),
                other => Err(format!("{name} needs a number, found {}", other.describe())),
            }
        };
        let owned = |value: Value| -> Result<String, String> {
            match value {
                Value::Text(t) => Ok(t),
                other => other
                    .as_text()
                    .ok_or_else(|| format!("{name} needs text, found {}", other.describe())),
            }
        };
        let text = |value: &Value| -> Result<String, String> {
            value
                .as_text()
                .ok_or_else(|| format!("{name} needs text, found {}", value.describe()))
        };
        Ok(match self {
            Transform::FormatNumber {
                decimals,
                decimal_separator,
                thousands_separator,
                rounding,
            } => Value::Text(format_number(
                number(&value)?,
                *decimals,
                decimal_separator,
                thousands_separator,
                *rounding,
            )),
            Transform::Round { decimals, rounding } => Value::Number(
                number(&value)?.round_dp_with_strategy(*decimals, rounding.strategy()),
            ),
            Transform::ParseNumber(locale) => match &value {
                Value::Number(_) => value,
                Value::Text(t) => Value::Number(
                    parse_number(t, locale)
                        .ok_or_else(|| format!("parse_number could not read {t:?}"))?,
                ),
                other => return Err(format!("parse_number could not read {}", other.describe())),
            },
            Transform::ConvertUnit { ratio } => {
                Value::Number(checked(number(&value)?.checked_mul(*ratio), name)?)
            }
            Transform::Multiply(by) => {
                Value::Number(checked(number(&value)?.checked_mul(*by), name)?)
            }
            Transform::Add(add) => Value::Number(checked(number(&value)?.checked_add(*add), name)?),
            Transform::MarkupPercent(percent) => {
                let factor = Decimal::ONE + *percent / Decimal::ONE_HUNDRED;
                Value::Number(checked(number(&value)?.checked_mul(factor), name)?)
            }
            Transform::Lookup(table) => {
                let key = text(&value)?;
                match table.entries.get(&key) {
                    Some(found) => found.clone(),
                    None => match &table.no_match {
                        NoMatch::Original => value,
                        NoMatch::Default(v) => v.clone(),
                        NoMatch::Skip => Value::Missing,
                        NoMatch::Error => {
                            return Err(format!("lookup has no entry for {}", value.describe()));
                        }
                    },
                }
            }
            Transform::Concat {
                attributes,
                separator,
                skip_missing,
            } => {
                let mut parts = Vec::with_capacity(attributes.len());
                for attribute in attributes {
                    match attribute.get(record).as_text() {
                        Some(t) if !(*skip_missing && t.is_empty()) => parts.push(t),
                        Some(_) => {}
                        None if *skip_missing => {}
                        None => parts.push(String::new()),
                    }
                }
                if parts.is_empty() {
                    Value::Missing
                } else {
                    Value::Text(parts.join(separator))
                }
            }
            Transform::Trim => {
                let t = owned(value)?;
                let trimmed = t.trim();
                Value::Text(if trimmed.len() == t.len() {
                    t
                } else {
                    trimmed.to_owned()
                })
            }
            Transform::Lowercase => {
                let mut t = owned(value)?;
                if t.is_ascii() {
                    t.make_ascii_lowercase();
                    Value::Text(t)
                } else {
                    Value::Text(t.to_lowercase())
                }
            }
            Transform::Uppercase => {
                let mut t = owned(value)?;
                if t.is_ascii() {
                    t.make_ascii_uppercase();
                    Value::Text(t)
                } else {
                    Value::Text(t.to_uppercase())
                }
            }
            Transform::TitleCase => Value::Text(title_case(&owned(value)?)),
            Transform::SentenceCase => Value::Text(sentence_case(&owned(value)?)),
            Transform::Slugify => Value::Text(slugify(&owned(value)?)),
            Transform::StripHtml => Value::Text(strip_html(&owned(value)?)),
            Transform::Replace { find, with } => {
                let t = text(&value)?;
                Value::Text(if find.is_empty() {
                    t
                } else {
                    t.replace(find.as_str(), with)
                })
            }
            Transform::RegexReplace { pattern, with } => Value::Text(
                pattern
                    .replace_all(&text(&value)?, with.as_str())
                    .into_owned(),
            ),
            Transform::RegexExtract { pattern, group } => {
                let t = text(&value)?;
                match pattern.captures(&t).and_then(|c| c.get(*group)) {
                    Some(m) => Value::Text(m.as_str().to_owned()),
                    None => Value::Missing,
                }
            }
            Transform::Truncate {
                max_length,
                ellipsis,
            } => {
                let t = owned(value)?;
                if t.len() <= *max_length {
                    // Fewer bytes than the limit: fewer characters too.
                    Value::Text(t)
                } else {
                    Value::Text(truncate(&t, *max_length, ellipsis))
                }
            }
            Transform::Split(separator) => match value {
                Value::List(_) => value,
                other => Value::List(
                    text(&other)?
                        .split(separator.as_str())
                        .map(|part| Value::Text(part.to_owned()))
                        .collect(),
                ),
            },
            Transform::Join(separator) => match &value {
                Value::List(items) => Value::Text(
                    items
                        .iter()
                        .filter_map(Value::as_text)
                        .collect::<Vec<_>>()
                        .join(separator),
                ),
                _ => Value::Text(text(&value)?),
            },
            Transform::Default(default) => {
                if value.is_missing()
                    || matches!(&value, Value::Text(t) if t.is_empty())
                    || matches!(value, Value::Empty)
                {
                    default.clone()
                } else {
                    value
                }
            }
            Transform::ToBoolean {
                true_values,
                false_values,
            } => match &value {
                Value::Bool(_) => value,
                _ => {
                    let t = text(&value)?.trim().to_lowercase();
                    if true_values.contains(&t) {
                        Value::Bool(true)
                    } else if false_values.contains(&t) {
                        Value::Bool(false)
                    } else {
                        return Err(format!(
                            "to_boolean cannot read {} as true or false",
                            value.describe()
                        ));
                    }
                }
            },
            Transform::FormatDate { from, to } => {
                Value::Text(format_date(&text(&value)?, from.as_deref(), to)?)
            }
        })
    }
}

fn checked(result: Option<Decimal>, name: &str) -> Result<Decimal, String> {
    result.ok_or_else(|| format!("{name} overflowed"))
}

/// Reads a number written as text with `locale`'s separators: `"0,25"` -> 0.25 with `,`,
/// `"1.299,99"` -> 1299.99 with `,` and `.`. At most one decimal separator; a sign and digits.
pub fn parse_number(text: &str, locale: &Locale) -> Option<Decimal> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let single = |s: &str| {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (None, _) => Some(None),
            (Some(c), None) => Some(Some(c)),
            _ => None,
        }
    };
    // One pass for the usual one-character separators, into a buffer on the stack.
    if let (Some(Some(decimal)), Some(thousands)) = (
        single(&locale.decimal_separator),
        single(&locale.thousands_separator),
    ) {
        let mut buffer = [0u8; 64];
        let mut len = 0;
        let mut seen_decimal = false;
        let mut digits = 0;
        for (i, c) in text.char_indices() {
            let byte = if Some(c) == thousands {
                continue;
            } else if c == decimal {
                if seen_decimal {
                    return None;
                }
                seen_decimal = true;
                b'.'
            } else if c.is_ascii_digit() {
                digits += 1;
                c as u8
            } else if (c == '-' || c == '+') && i == 0 {
                if c == '+' {
                    continue;
                }
                b'-'
            } else {
                return None;
            };
            if len == buffer.len() {
                return None;
            }
            buffer[len] = byte;
            len += 1;
        }
        if digits == 0 {
            return None;
        }
        let clean = std::str::from_utf8(&buffer[..len]).ok()?;
        return Decimal::from_str(clean).ok();
    }
    let mut t = text.to_owned();
    if !locale.thousands_separator.is_empty() {
        t = t.replace(locale.thousands_separator.as_str(), "");
    }
    let decimal = locale.decimal_separator.as_str();
    if decimal.is_empty() || t.matches(decimal).count() > 1 {
        return None;
    }
    if decimal != "." {
        if t.contains('.') {
            return None;
        }
        t = t.replace(decimal, ".");
    }
    let body = t.strip_prefix(['-', '+']).unwrap_or(&t);
    let valid = !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && body.chars().any(|c| c.is_ascii_digit());
    if !valid {
        return None;
    }
    let t = t.strip_prefix('+').unwrap_or(&t);
    Decimal::from_str(t).ok()
}

/// Formats a number: rounded to `decimals` with `rounding`, exactly `decimals` decimals, the
/// separators given (`1299.99` -> `"1,299.99"`).
pub fn format_number(
    n: Decimal,
    decimals: u32,
    decimal_separator: &str,
    thousands: &str,
    rounding: Rounding,
) -> String {
    use std::fmt::Write as _;
    let mut rounded = n.round_dp_with_strategy(decimals, rounding.strategy());
    rounded.rescale(decimals);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    rounded.set_sign_positive(true);
    let mut digits = StackText::default();
    let _ = write!(digits, "{rounded}");
    let text = digits.as_str();
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let mut out = String::with_capacity(text.len() + 8);
    if negative {
        out.push('-');
    }
    let count = int.len();
    for (i, c) in int.char_indices() {
        if i > 0 && (count - i) % 3 == 0 {
            out.push_str(thousands);
        }
        out.push(c);
    }
    if decimals > 0 {
        out.push_str(decimal_separator);
        out.push_str(frac);
    }
    out
}

/// Text written on the stack (a decimal's digits fit: at most 29 digits, a point and a sign).
struct StackText {
    bytes: [u8; 64],
    len: usize,
}

impl Default for StackText {
    fn default() -> Self {
        Self {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl StackText {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.bytes.len() {
            return Err(std::fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Cuts to at most `max` characters, ending with `ellipsis` when cut.
pub fn truncate(text: &str, max: usize, ellipsis: &str) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let keep = max.saturating_sub(ellipsis.chars().count());
    let mut out: String = text.chars().take(keep).collect();
    out.push_str(ellipsis);
    out
}

fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    if text.is_ascii() {
        for b in text.bytes() {
            let c = b as char;
            if b.is_ascii_alphanumeric() {
                out.push(if start {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                });
                start = false;
            } else {
                out.push(c);
                start = b.is_ascii_whitespace() || b == b'-';
            }
        }
        return out;
    }
    for c in text.chars() {
        if c.is_alphanumeric() {
            if start {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            start = false;
        } else {
            out.push(c);
            start = c.is_whitespace() || c == '-';
        }
    }
    out
}

fn sentence_case(text: &str) -> String {
    let lower = text.to_lowercase();
    let mut chars = lower.chars();
    let mut out = String::with_capacity(text.len());
    for c in chars.by_ref() {
        if c.is_alphabetic() {
            out.extend(c.to_uppercase());
            break;
        }
        out.push(c);
    }
    out.extend(chars);
    out
}

fn slugify(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    if text.is_ascii() {
        for b in text.bytes() {
            if b.is_ascii_alphanumeric() {
                if dash && !out.is_empty() {
                    out.push('-');
                }
                dash = false;
                out.push(b.to_ascii_lowercase() as char);
            } else {
                dash = true;
            }
        }
        return out;
    }
    for c in text.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

/// Whether a tag name (any case) is one of [`BLOCK_TAGS`].
fn is_block_tag(name: &str) -> bool {
    if name.is_empty() || name.len() > 10 {
        return false;
    }
    let mut lower = [0u8; 10];
    for (slot, b) in lower.iter_mut().zip(name.bytes()) {
        *slot = b.to_ascii_lowercase();
    }
    let lower = &lower[..name.len()];
    BLOCK_TAGS.iter().any(|tag| tag.as_bytes() == lower)
}

const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "td",
    "th",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "hr",
    "dd",
    "dt",
];

/// Removes tags (block tags and `<br>` become a space), decodes entities, collapses runs of
/// white space to one space and trims. One pass over the bytes; runs of plain text are copied
/// whole, entities decoded one at a time.
pub fn strip_html(html: &str) -> String {
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    // Whether a space is owed before the next visible text.
    let mut space = false;
    let flush = |out: &mut String, space: &mut bool, run: &str| {
        if run.is_empty() {
            return;
        }
        if *space && !out.is_empty() {
            out.push(' ');
        }
        *space = false;
        out.push_str(run);
    };
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => {
                flush(&mut out, &mut space, &html[run..i]);
                let Some(close) = bytes[i..].iter().position(|&b| b == b'>') else {
                    // Not a tag: the rest is text.
                    run = i;
                    i = bytes.len();
                    continue;
                };
                let tag = html[i + 1..i + close].trim_start_matches('/').trim_start();
                let name_end = tag
                    .bytes()
                    .position(|b| !b.is_ascii_alphanumeric())
                    .unwrap_or(tag.len());
                if is_block_tag(&tag[..name_end]) {
                    space = true;
                }
                i += close + 1;
                run = i;
            }
            b'&' => {
                flush(&mut out, &mut space, &html[run..i]);
                // `&name;`, `&#NN;` or `&#xHH;` (at most 32 bytes), else a plain `&`.
                let end = html[i + 1..]
                    .bytes()
                    .take(32)
                    .position(|b| b == b';' || b == b'&' || b == b'<' || b.is_ascii_whitespace());
                match end.map(|e| i + 1 + e) {
                    Some(end) if bytes[end] == b';' => {
                        let entity = &html[i..=end];
                        let common = match entity {
                            "&amp;" => Some("&"),
                            "&lt;" => Some("<"),
                            "&gt;" => Some(">"),
                            "&quot;" => Some("\""),
                            "&#39;" | "&apos;" => Some("'"),
                            "&nbsp;" => Some(" "),
                            _ => None,
                        };
                        let decoded = match common {
                            Some(text) => std::borrow::Cow::Borrowed(text),
                            None => html_escape::decode_html_entities(entity),
                        };
                        for c in decoded.chars() {
                            if c.is_whitespace() {
                                space = true;
                            } else {
                                let mut buffer = [0u8; 4];
                                flush(&mut out, &mut space, c.encode_utf8(&mut buffer));
                            }
                        }
                        i = end + 1;
                    }
                    _ => {
                        flush(&mut out, &mut space, "&");
                        i += 1;
                    }
                }
                run = i;
            }
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => {
                flush(&mut out, &mut space, &html[run..i]);
                space = true;
                i += 1;
                run = i;
            }
            b if b < 0x80 => i += 1,
            _ => {
                // A non-ASCII character: white space (no-break space...) or text.
                let c = html[i..].chars().next().expect("a character starts here");
                if c.is_whitespace() {
                    flush(&mut out, &mut space, &html[run..i]);
                    space = true;
                    i += c.len_utf8();
                    run = i;
                } else {
                    i += c.len_utf8();
                }
            }
        }
    }
    flush(&mut out, &mut space, &html[run..]);
    out
}

fn format_date(text: &str, from: Option<&str>, to: &str) -> Result<String, String> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let text = text.trim();
    let parsed: Option<NaiveDateTime> = match from {
        None => DateTime::parse_from_rfc3339(text)
            .map(|t| t.naive_local())
            .ok()
            .or_else(|| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            }),
        Some(from) => NaiveDateTime::parse_from_str(text, from)
            .ok()
            .or_else(|| {
                NaiveDate::parse_from_str(text, from)
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            })
            .or_else(|| {
                DateTime::parse_from_str(text, from)
                    .ok()
                    .map(|t| t.naive_local())
            }),
    };
    let parsed = parsed.ok_or_else(|| {
        format!(
            "format_date could not read {text:?} as {}",
            from.map_or("an RFC 3339 date".to_owned(), |f| format!("`{f}`"))
        )
    })?;
    use std::fmt::Write;
    let mut out = String::new();
    write!(out, "{}", parsed.format(to))
        .map_err(|_| format!("format_date: invalid output format `{to}`"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn locale(dec: &str, thou: &str) -> Locale {
        Locale {
            decimal_separator: dec.into(),
            thousands_separator: thou.into(),
        }
    }

    #[test]
    fn format_number_as_the_guide_says() {
        let r = Rounding::HalfAwayFromZero;
        assert_eq!(format_number(d("1299.99"), 2, ".", ",", r), "1,299.99");
        assert_eq!(format_number(d("484.645"), 2, ".", "", r), "484.65");
        assert_eq!(
            format_number(d("484.645"), 2, ".", "", Rounding::HalfEven),
            "484.64"
        );
        assert_eq!(format_number(d("1234567.5"), 0, ",", ".", r), "1.234.568");
        assert_eq!(format_number(d("-1234.5"), 2, ",", ".", r), "-1.234,50");
        assert_eq!(format_number(d("0.004"), 2, ".", "", r), "0.00");
        assert_eq!(
            format_number(d("12.349"), 2, ".", "", Rounding::Down),
            "12.34"
        );
        assert_eq!(
            format_number(d("12.341"), 2, ".", "", Rounding::Up),
            "12.35"
        );
    }

    #[test]
    fn parse_number_with_locales() {
        assert_eq!(parse_number("0,25", &locale(",", "")), Some(d("0.25")));
        assert_eq!(
            parse_number("1.299,99", &locale(",", ".")),
            Some(d("1299.99"))
        );
        assert_eq!(
            parse_number("1,299.99", &locale(".", ",")),
            Some(d("1299.99"))
        );
        assert_eq!(parse_number(" -3 ", &locale(".", "")), Some(d("-3")));
        assert_eq!(parse_number("12,5,0", &locale(",", "")), None);
        assert_eq!(parse_number("abc", &locale(".", "")), None);
        assert_eq!(parse_number("", &locale(".", "")), None);
        assert_eq!(parse_number("1.5", &locale(",", "")), None);
    }

    #[test]
    fn units_convert_exactly_and_only_within_a_kind() {
        let ratio = unit("kg").unwrap().factor / unit("g").unwrap().factor;
        assert_eq!(d("1.25") * ratio, d("1250"));
        let ratio = unit("lb").unwrap().factor / unit("g").unwrap().factor;
        assert_eq!((d("1") * ratio).normalize(), d("453.59237"));
        assert_eq!(unit("kg").unwrap().kind, "mass");
        assert_eq!(unit("fl_oz").unwrap().kind, "volume");
    }

    #[test]
    fn text_functions_count_characters() {
        assert_eq!(truncate("Crème brûlée", 5, ""), "Crème");
        assert_eq!(truncate("Crème brûlée", 8, "…"), "Crème b…");
        assert_eq!(truncate("short", 10, "..."), "short");
        assert_eq!(title_case("luxury WATCH for men"), "Luxury Watch For Men");
        assert_eq!(sentence_case("LUXURY watch. OK"), "Luxury watch. ok");
        assert_eq!(
            slugify("Crème Brûlée: 3 × Deluxe!"),
            "creme-brulee-3-deluxe"
        );
        assert_eq!(
            strip_html("<p>Hello&nbsp;<b>world</b> &amp; more</p><p>Next</p>"),
            "Hello world & more Next"
        );
        assert_eq!(strip_html("  a \n\t b "), "a b");
    }

    #[test]
    fn dates_are_reformatted() {
        assert_eq!(
            format_date("2026-06-02T10:24:43+02:00", None, "%d-%m-%Y").unwrap(),
            "02-06-2026"
        );
        assert_eq!(
            format_date("02/06/2026", Some("%d/%m/%Y"), "%Y-%m-%d").unwrap(),
            "2026-06-02"
        );
        assert!(
            format_date("yesterday", None, "%Y")
                .unwrap_err()
                .contains("\"yesterday\"")
        );
    }
}
