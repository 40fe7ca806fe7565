//! The values a mapping works on: decimals for numbers (never binary floats), text, booleans,
//! lists, and the two kinds of nothing a mapping distinguishes (missing and empty).

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Map;

/// A value on its way from a source attribute to a target field.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// Not there: the target field is not written. A source `null` is missing too.
    #[default]
    Missing,
    /// Set to empty (`empty: true`): written as `null`, which the target writes as its API's
    /// empty value.
    Empty,
    /// A boolean.
    Bool(bool),
    /// A number, as a decimal.
    Number(Decimal),
    /// Text.
    Text(String),
    /// A list.
    List(Vec<Value>),
    /// An object, kept as JSON.
    Object(Map<String, serde_json::Value>),
}

impl Value {
    /// Reads a source JSON value; `null` is [`Value::Missing`], numbers become decimals through
    /// their text (exact for what JSON writes).
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Missing,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => number_from_json(n)
                .map(Value::Number)
                .unwrap_or_else(|| Value::Text(n.to_string())),
            serde_json::Value::String(s) => Value::Text(s.clone()),
            serde_json::Value::Array(items) => {
                Value::List(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::Object(map.clone()),
        }
    }

    /// Whether the value is missing.
    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }

    /// Whether the value is missing, empty, empty text or an empty list.
    pub fn is_blank(&self) -> bool {
        match self {
            Value::Missing | Value::Empty => true,
            Value::Text(t) => t.is_empty(),
            Value::List(l) => l.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        }
    }

    /// The value as text, for text functions and templates (numbers in their decimal form).
    pub fn as_text(&self) -> Option<String> {
        match self {
            Value::Text(t) => Some(t.clone()),
            Value::Number(n) => Some(n.normalize().to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::List(items) => Some(
                items
                    .iter()
                    .filter_map(Value::as_text)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Value::Object(o) => Some(serde_json::Value::Object(o.clone()).to_string()),
            Value::Missing | Value::Empty => None,
        }
    }

    /// The value as JSON (numbers through their text; exact unless they have more digits than
    /// a binary float holds, which only the [`Serialize`] output keeps).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Missing | Value::Empty => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::from_str(&n.normalize().to_string())
                .unwrap_or_else(|_| serde_json::Value::String(n.to_string())),
            Value::Text(t) => serde_json::Value::String(t.clone()),
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Object(o) => serde_json::Value::Object(o.clone()),
        }
    }

    /// A short description naming the value, for error messages (`the text "12,5,0"`).
    pub fn describe(&self) -> String {
        match self {
            Value::Missing => "a missing value".into(),
            Value::Empty => "an empty value".into(),
            Value::Bool(b) => format!("the boolean {b}"),
            Value::Number(n) => format!("the number {}", n.normalize()),
            Value::Text(t) => format!("{t:?}"),
            Value::List(l) => format!("a list of {}", l.len()),
            Value::Object(_) => "an object".into(),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// A JSON number as a decimal: integers directly, others through their shortest text.
pub fn number_from_json(n: &serde_json::Number) -> Option<Decimal> {
    if let Some(i) = n.as_i64() {
        return Some(Decimal::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Some(Decimal::from(u));
    }
    // The shortest text that reads back as the same f64: the literal the record had, for up to
    // 15 significant digits; written on the stack, not allocated.
    let float = n.as_f64()?;
    if !float.is_finite() {
        return None;
    }
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format_finite(float);
    Decimal::from_str(text)
        .ok()
        .or_else(|| Decimal::from_scientific(text).ok())
}

/// Reads a number written as text by a person or a spreadsheet, whatever its separators:
/// `"19.90"`, `"-3"`, `"1,299.99"` (comma thousands, dot decimal), `"1.299,99"` (dot
/// thousands, comma decimal), `"19,90"` (one comma and no dot: a decimal comma), `"1,299,999"`
/// (repeated separators are thousands). Surrounding white space and a leading `+` or `-` are
/// allowed. `None` for anything else: empty text, letters, a separator given twice where it
/// must be the decimal one (`"1,2,3.4.5"`), thousands groups of other than three digits, or a
/// separator with no digit on one side.
///
/// `None` too for one separator alone that could as well be either: followed by exactly three
/// digits after one to three digits that do not start with `0`. `"1,299"` is 1299 as
/// `format_number` writes it with a comma thousands separator and no decimals, and 1.299 in
/// Dutch; `"1.299"` the other way round. Rather than be wrong by a factor of 1000, such text is
/// left to a `parse_number` transformation that says its separators. `"0,250"`, `"1234.567"`,
/// `"1.2995"` and `"12,50"` are not ambiguous.
///
/// ```
/// use lightspeed_mapping::value::number_from_text;
/// use rust_decimal::Decimal;
///
/// assert_eq!(number_from_text("1,299.99"), Some(Decimal::new(129999, 2)));
/// assert_eq!(number_from_text("1.299,99"), Some(Decimal::new(129999, 2)));
/// assert_eq!(number_from_text("12 kg"), None);
/// ```
pub fn number_from_text(text: &str) -> Option<Decimal> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if !digits
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
    {
        return None;
    }
    let dots = digits.matches('.').count();
    let commas = digits.matches(',').count();
    // Which separator is the decimal one, and which (if any) separates thousands.
    let (decimal, thousands) = match (dots, commas) {
        (0, 0) => (None, None),
        (1, 0) => (Some('.'), None),
        (0, 1) => (Some(','), None),
        (_, 0) => (None, Some('.')),
        (0, _) => (None, Some(',')),
        _ => {
            // Both: the last one is the decimal separator and occurs once.
            let last = digits.rfind(['.', ','])?;
            let decimal = if digits[last..].starts_with('.') {
                '.'
            } else {
                ','
            };
            let thousands = if decimal == '.' { ',' } else { '.' };
            if digits.matches(decimal).count() != 1 {
                return None;
            }
            (Some(decimal), Some(thousands))
        }
    };
    let (whole, fraction) = match decimal {
        Some(d) => digits.split_once(d)?,
        None => (digits, ""),
    };
    if whole.is_empty() || (decimal.is_some() && fraction.is_empty()) {
        return None;
    }
    let could_be_thousands =
        thousands.is_none() && fraction.len() == 3 && whole.len() <= 3 && !whole.starts_with('0');
    if decimal.is_some() && could_be_thousands {
        return None;
    }
    let mut plain = String::with_capacity(digits.len() + 1);
    if negative {
        plain.push('-');
    }
    match thousands {
        Some(separator) => {
            let mut groups = whole.split(separator);
            let first = groups.next()?;
            if first.is_empty() || first.len() > 3 {
                return None;
            }
            plain.push_str(first);
            for group in groups {
                if group.len() != 3 {
                    return None;
                }
                plain.push_str(group);
            }
        }
        None => plain.push_str(whole),
    }
    if !fraction.is_empty() {
        plain.push('.');
        plain.push_str(fraction);
    }
    Decimal::from_str(&plain).ok()
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Missing | Value::Empty => s.serialize_none(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => {
                // The decimal's own digits as a JSON number, never through a binary float.
                let raw = serde_json::value::RawValue::from_string(n.normalize().to_string())
                    .map_err(serde::ser::Error::custom)?;
                raw.serialize(s)
            }
            Value::Text(t) => s.serialize_str(t),
            Value::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(o) => {
                let mut map = s.serialize_map(Some(o.len()))?;
                for (k, v) in o {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_numbers_become_exact_decimals() {
        assert_eq!(
            Value::from_json(&json!(1299.99)),
            Value::Number(Decimal::new(129999, 2))
        );
        assert_eq!(
            Value::from_json(&json!(12)),
            Value::Number(Decimal::from(12))
        );
        assert_eq!(Value::from_json(&json!(null)), Value::Missing);
        let encoded = serde_json::to_string(&Value::Number(Decimal::new(484650, 3))).unwrap();
        assert_eq!(encoded, "484.65");
    }

    #[test]
    fn numbers_are_read_from_text_whatever_the_separators() {
        let read = |t: &str| number_from_text(t).map(|d| d.normalize().to_string());
        for (text, number) in [
            ("19.90", "19.9"),
            ("-3", "-3"),
            ("+7", "7"),
            (" 42 ", "42"),
            ("1,299.99", "1299.99"),
            ("1.299,99", "1299.99"),
            ("19,90", "19.9"),
            ("1,299,999", "1299999"),
            ("1.299.999", "1299999"),
            ("12,345,678.5", "12345678.5"),
            ("-1.234,5", "-1234.5"),
            ("0.25", "0.25"),
            ("0,250", "0.25"),
            ("1234.567", "1234.567"),
            ("1.2995", "1.2995"),
            ("12,50", "12.5"),
            ("-0.125", "-0.125"),
        ] {
            assert_eq!(read(text).as_deref(), Some(number), "{text:?}");
        }
        for garbage in [
            "",
            " ",
            "-",
            "abc",
            "1,2,3.4.5",
            "1.2.3,4,5",
            "12 kg",
            "1e3",
            "1,29,999",
            "1.2345.678",
            ".5",
            "5.",
            "1,299.",
            "1,,299.99",
            "--1",
            "1.299,99.5",
            "€5",
            "0x10",
            // One separator that may be a thousands separator as well as a decimal one.
            "1,299",
            "1.299",
            "12,500",
            "-999.999",
        ] {
            assert_eq!(read(garbage), None, "{garbage:?}");
        }
    }
}
