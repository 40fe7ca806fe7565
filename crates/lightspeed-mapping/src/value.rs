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
}
