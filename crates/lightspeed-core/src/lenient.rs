//! Lenient serde helpers for what real Lightspeed payloads do.
//!
//! Real payloads (see the project's `fixtures/`) say "none" as `false`, `null`, `""` or `[]`;
//! send decimals as numbers or as strings with fixed decimals (`"0.000"`, `12.5`); booleans as
//! `true`, `1` or `"1"`; ids as numbers or numeric strings; timestamps as RFC 3339
//! (`2026-06-02T10:24:43+02:00`) or as `YYYY-MM-DD HH:MM:SS` in UTC (X-Series 0.9 and webhooks).
//! Each module here is for `#[serde(with = "...")]` on one field type:
//!
//! | module | field type | accepts |
//! |---|---|---|
//! | [`option`] | `Option<T>` | `false`, `null`, `""`, `[]` as `None`, else `T` |
//! | [`decimal`] / [`option_decimal`] | `Decimal` / `Option<Decimal>` | numbers, numeric strings |
//! | [`decimal_string`] | `Decimal` | as [`decimal`], but encodes as a string |
//! | [`bool`](mod@bool) / [`option_bool`] | `bool` / `Option<bool>` | `true`/`false`, `1`/`0`, `"1"`/`"0"`, `"true"`/`"false"` |
//! | [`u64`](mod@u64) / [`option_u64`], [`i64`](mod@i64) / [`option_i64`] | integers | numbers, numeric strings |
//! | [`string`] / [`option_string`] | `String` / `Option<String>` | strings, numbers |
//! | [`timestamp`] / [`option_timestamp`] | `DateTime<Utc>` / `Option<...>` | RFC 3339, `YYYY-MM-DD HH:MM:SS` (UTC) |
//! | [`option_date`] | `Option<NaiveDate>` | `YYYY-MM-DD` |
//! | [`vec`](mod@vec) | `Vec<T>` | a list; `false`, `null`, `""`, `{}` as empty |
//! | [`map`] | `BTreeMap<String, T>` | an object; `[]` (PHP's empty array), `false`, `null` as empty |
//!
//! Option helpers need `#[serde(default)]` too, so that a missing field is `None`.
//!
//! Encoding is exact: decimals are written as JSON numbers with the digits they hold (never
//! through a binary float), timestamps as RFC 3339 in UTC. Reading a JSON number goes through
//! its shortest round-trip text, which is exact for every value with up to 15 significant
//! digits; send more digits as a string to keep them all.
//!
//! ```
//! use chrono::{DateTime, Utc};
//! use lightspeed_core::lenient;
//! use rust_decimal::Decimal;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Variant {
//!     #[serde(rename = "priceExcl", with = "lenient::decimal")]
//!     price_excl: Decimal,
//!     #[serde(rename = "weightValue", with = "lenient::decimal")]
//!     weight_value: Decimal,
//!     #[serde(default, with = "lenient::option_u64")]
//!     image: Option<u64>,
//!     #[serde(rename = "createdAt", with = "lenient::timestamp")]
//!     created_at: DateTime<Utc>,
//! }
//!
//! let v: Variant = serde_json::from_str(
//!     r#"{"priceExcl": 2.8843, "weightValue": "0.000", "image": false,
//!        "createdAt": "2026-06-02T10:24:43+02:00"}"#,
//! )?;
//! assert_eq!(v.price_excl, Decimal::new(28843, 4));
//! assert_eq!(v.weight_value, Decimal::ZERO);
//! assert_eq!(v.image, None);
//! assert_eq!(v.created_at.to_rfc3339(), "2026-06-02T08:24:43+00:00");
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Error as _, Serializer};
use serde::{Deserialize, Serialize};

/// A JSON scalar as the payload wrote it.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    EmptyList,
    EmptyObject,
}

impl Scalar {
    /// Whether the payload meant "none" (`false`, `null`, `""`, `[]`).
    fn is_none_marker(&self) -> bool {
        match self {
            Scalar::Null | Scalar::Bool(false) | Scalar::EmptyList => true,
            Scalar::Str(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    fn describe(&self) -> String {
        match self {
            Scalar::Null => "null".into(),
            Scalar::Bool(b) => format!("the boolean {b}"),
            Scalar::Int(i) => format!("the number {i}"),
            Scalar::Float(f) => format!("the number {f}"),
            Scalar::Str(s) => format!("the string {s:?}"),
            Scalar::EmptyList => "an empty list".into(),
            Scalar::EmptyObject => "an empty object".into(),
        }
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, string, boolean or null")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Int(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Int(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Scalar, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Scalar, E> {
        i128::try_from(v)
            .map(Scalar::Int)
            .map_err(|_| E::custom("number too large"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        match seq.next_element::<de::IgnoredAny>()? {
            None => Ok(Scalar::EmptyList),
            Some(_) => Err(de::Error::custom("expected a single value, found a list")),
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        match map.next_key::<de::IgnoredAny>()? {
            None => Ok(Scalar::EmptyObject),
            Some(_) => Err(de::Error::custom(
                "expected a single value, found an object",
            )),
        }
    }
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

/// Reads a scalar and converts it; a "none" marker is `None`.
fn optional<'de, D, T>(
    d: D,
    convert: impl FnOnce(Scalar) -> Result<T, String>,
) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = scalar(d)?;
    if value.is_none_marker() {
        return Ok(None);
    }
    convert(value).map(Some).map_err(de::Error::custom)
}

/// Reads a scalar and converts it; a "none" marker is an error.
fn required<'de, D, T>(
    d: D,
    convert: impl FnOnce(Scalar) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    convert(scalar(d)?).map_err(de::Error::custom)
}

fn to_decimal(value: Scalar) -> Result<Decimal, String> {
    match &value {
        Scalar::Int(i) => Decimal::try_from_i128_with_scale(*i, 0).map_err(|e| e.to_string()),
        Scalar::Float(f) if f.is_finite() => {
            // `Display` gives the shortest text that reads back as the same f64: the literal
            // the payload had, for up to 15 significant digits.
            parse_decimal(&f.to_string())
        }
        Scalar::Str(s) => parse_decimal(s.trim()),
        _ => Err(format!("expected a decimal, found {}", value.describe())),
    }
    .map_err(|e| format!("{e} (in {})", value.describe()))
}

/// Parses decimal text: `12.5`, `-0.000`, `+3`, `1e-3`, `1.5E2`.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let text = text.strip_prefix('+').unwrap_or(text);
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).map_err(|e| format!("not a decimal: {e}"))
    } else {
        Decimal::from_str(text).map_err(|e| format!("not a decimal: {e}"))
    }
}

fn to_bool(value: Scalar) -> Result<bool, String> {
    match &value {
        Scalar::Bool(b) => Ok(*b),
        Scalar::Int(0) => Ok(false),
        Scalar::Int(1) => Ok(true),
        Scalar::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" => Ok(true),
            "0" | "false" => Ok(false),
            _ => Err(format!("expected a boolean, found {}", value.describe())),
        },
        _ => Err(format!("expected a boolean, found {}", value.describe())),
    }
}

fn to_i128(value: Scalar) -> Result<i128, String> {
    match &value {
        Scalar::Int(i) => Ok(*i),
        Scalar::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(*f as i128),
        Scalar::Str(s) => s
            .trim()
            .parse::<i128>()
            .map_err(|_| format!("expected an integer, found {}", value.describe())),
        _ => Err(format!("expected an integer, found {}", value.describe())),
    }
}

fn to_u64(value: Scalar) -> Result<u64, String> {
    let text = value.describe();
    let i = to_i128(value)?;
    u64::try_from(i).map_err(|_| format!("{text} is out of range for an unsigned integer"))
}

fn to_i64(value: Scalar) -> Result<i64, String> {
    let text = value.describe();
    let i = to_i128(value)?;
    i64::try_from(i).map_err(|_| format!("{text} is out of range for an integer"))
}

fn to_string(value: Scalar) -> Result<String, String> {
    match value {
        Scalar::Str(s) => Ok(s),
        Scalar::Int(i) => Ok(i.to_string()),
        Scalar::Float(f) => Ok(f.to_string()),
        other => Err(format!("expected a string, found {}", other.describe())),
    }
}

fn to_timestamp(value: Scalar) -> Result<DateTime<Utc>, String> {
    match &value {
        Scalar::Str(s) => parse_timestamp(s)
            .ok_or_else(|| format!("expected a timestamp, found {}", value.describe())),
        _ => Err(format!("expected a timestamp, found {}", value.describe())),
    }
}

/// Parses a timestamp as Lightspeed writes them: RFC 3339 with an offset or `Z`, or
/// `YYYY-MM-DD HH:MM:SS` / `YYYY-MM-DDTHH:MM:SS` (optionally with fractional seconds) in UTC.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|t| t.and_utc())
}

/// Formats a time as eCom's list filters want it (`created_at_min=2026-01-02 03:04:05`), in UTC.
pub fn format_filter_timestamp(time: &DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn serialize_decimal<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    // The decimal's own digits as a JSON number; no binary float in between.
    let raw =
        serde_json::value::RawValue::from_string(value.to_string()).map_err(S::Error::custom)?;
    raw.serialize(s)
}

fn serialize_timestamp<S: Serializer>(value: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&value.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// `Option<T>`: `false`, `null`, `""` and `[]` are `None`; anything else decodes as `T`.
///
/// Encodes `None` as `null`; add `skip_serializing_if = "Option::is_none"` to leave it out.
pub mod option {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: DeserializeOwned,
    {
        let value = serde_json::Value::deserialize(d)?;
        let none = match &value {
            serde_json::Value::Null | serde_json::Value::Bool(false) => true,
            serde_json::Value::String(s) => s.trim().is_empty(),
            serde_json::Value::Array(items) => items.is_empty(),
            _ => false,
        };
        if none {
            return Ok(None);
        }
        T::deserialize(value).map(Some).map_err(de::Error::custom)
    }

    /// Encodes.
    pub fn serialize<S: Serializer, T: Serialize>(
        value: &Option<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }
}

/// `Decimal` from a number or a numeric string; encoded as a JSON number.
pub mod decimal {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        required(d, to_decimal)
    }

    /// Encodes.
    pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        serialize_decimal(value, s)
    }
}

/// `Option<Decimal>`: as [`decimal`](mod@crate::lenient::decimal), with the "none" markers as `None`.
pub mod option_decimal {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        optional(d, to_decimal)
    }

    /// Encodes (`None` as `null`).
    pub fn serialize<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => serialize_decimal(v, s),
            None => s.serialize_none(),
        }
    }
}

/// `Decimal` decoded like [`decimal`](mod@crate::lenient::decimal) but encoded as a string (`"12.50"`),
/// for the fields an API sends and expects as strings.
pub mod decimal_string {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        required(d, to_decimal)
    }

    /// Encodes.
    pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.to_string())
    }
}

/// `bool` from `true`/`false`, `1`/`0`, `"1"`/`"0"` or `"true"`/`"false"`.
pub mod bool {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        required(d, to_bool)
    }

    /// Encodes as a JSON boolean.
    pub fn serialize<S: Serializer>(value: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(*value)
    }
}

/// `Option<bool>`: `null`, `""` and `[]` are `None` (`false` stays `false`).
pub mod option_bool {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        let value = scalar(d)?;
        if value != Scalar::Bool(false) && value.is_none_marker() {
            return Ok(None);
        }
        to_bool(value).map(Some).map_err(de::Error::custom)
    }

    /// Encodes (`None` as `null`).
    pub fn serialize<S: Serializer>(value: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }
}

macro_rules! integer_modules {
    ($plain:ident, $opt:ident, $ty:ty, $convert:ident) => {
        #[doc = concat!("`", stringify!($ty), "` from a number or a numeric string.")]
        pub mod $plain {
            use super::*;

            /// Decodes.
            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                required(d, $convert)
            }

            /// Encodes as a JSON number.
            pub fn serialize<S: Serializer>(value: &$ty, s: S) -> Result<S::Ok, S::Error> {
                value.serialize(s)
            }
        }

        #[doc = concat!("`Option<", stringify!($ty), ">`: a number or numeric string; `false`, `null`, `\"\"` and `[]` are `None`.")]
        pub mod $opt {
            use super::*;

            /// Decodes.
            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<$ty>, D::Error> {
                optional(d, $convert)
            }

            /// Encodes (`None` as `null`).
            pub fn serialize<S: Serializer>(value: &Option<$ty>, s: S) -> Result<S::Ok, S::Error> {
                value.serialize(s)
            }
        }
    };
}

integer_modules!(u64, option_u64, u64, to_u64);
integer_modules!(i64, option_i64, i64, to_i64);

/// `String` from a string or a number (order numbers, codes).
pub mod string {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        required(d, to_string)
    }

    /// Encodes as a JSON string.
    pub fn serialize<S: Serializer>(value: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value)
    }
}

/// `Option<String>`: a string or number; `false`, `null`, `""` and `[]` are `None`.
pub mod option_string {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        optional(d, to_string)
    }

    /// Encodes (`None` as `null`).
    pub fn serialize<S: Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }
}

/// `DateTime<Utc>` from RFC 3339 or `YYYY-MM-DD HH:MM:SS` (UTC); encoded as RFC 3339 in UTC.
pub mod timestamp {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        required(d, to_timestamp)
    }

    /// Encodes.
    pub fn serialize<S: Serializer>(value: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        serialize_timestamp(value, s)
    }
}

/// `Option<DateTime<Utc>>`: as [`timestamp`](mod@crate::lenient::timestamp); the "none" markers are `None`.
pub mod option_timestamp {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        optional(d, to_timestamp)
    }

    /// Encodes (`None` as `null`).
    pub fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => serialize_timestamp(v, s),
            None => s.serialize_none(),
        }
    }
}

/// `DateTime<Utc>` decoded like [`timestamp`](mod@crate::lenient::timestamp) but encoded as
/// `YYYY-MM-DD HH:MM:SS` (UTC), the form X-Series 0.9 endpoints take.
pub mod space_timestamp {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        required(d, to_timestamp)
    }

    /// Encodes.
    pub fn serialize<S: Serializer>(value: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_filter_timestamp(value))
    }
}

/// `Option<NaiveDate>` from `YYYY-MM-DD` (a timestamp's date part is accepted too); the "none"
/// markers are `None`.
pub mod option_date {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        optional(d, |value| match &value {
            Scalar::Str(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .ok()
                .or_else(|| parse_timestamp(s).map(|t| t.date_naive()))
                .ok_or_else(|| format!("expected a date, found {}", value.describe())),
            _ => Err(format!("expected a date, found {}", value.describe())),
        })
    }

    /// Encodes as `YYYY-MM-DD` (`None` as `null`).
    pub fn serialize<S: Serializer>(value: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(date) => s.serialize_str(&date.format("%Y-%m-%d").to_string()),
            None => s.serialize_none(),
        }
    }
}

/// `Vec<T>`: a list; `false`, `null`, `""` and `{}` are an empty list.
pub mod vec {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: DeserializeOwned,
    {
        let value = serde_json::Value::deserialize(d)?;
        match value {
            serde_json::Value::Array(_) => Vec::<T>::deserialize(value).map_err(de::Error::custom),
            serde_json::Value::Null | serde_json::Value::Bool(false) => Ok(Vec::new()),
            serde_json::Value::String(s) if s.trim().is_empty() => Ok(Vec::new()),
            serde_json::Value::Object(map) if map.is_empty() => Ok(Vec::new()),
            other => Err(de::Error::custom(format!(
                "expected a list, found {}",
                kind_of(&other)
            ))),
        }
    }

    /// Encodes as a JSON list.
    pub fn serialize<S: Serializer, T: Serialize>(value: &[T], s: S) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }
}

/// `BTreeMap<String, T>`: an object; `[]` (PHP's empty array), `false` and `null` are empty.
pub mod map {
    use std::collections::BTreeMap;

    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
    where
        D: Deserializer<'de>,
        T: DeserializeOwned,
    {
        let value = serde_json::Value::deserialize(d)?;
        match value {
            serde_json::Value::Object(_) => {
                BTreeMap::<String, T>::deserialize(value).map_err(de::Error::custom)
            }
            serde_json::Value::Null | serde_json::Value::Bool(false) => Ok(BTreeMap::new()),
            serde_json::Value::Array(items) if items.is_empty() => Ok(BTreeMap::new()),
            other => Err(de::Error::custom(format!(
                "expected an object, found {}",
                kind_of(&other)
            ))),
        }
    }

    /// Encodes as a JSON object.
    pub fn serialize<S: Serializer, T: Serialize>(
        value: &BTreeMap<String, T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }
}

fn kind_of(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Money {
        #[serde(with = "crate::lenient::decimal")]
        value: Decimal,
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct MaybeMoney {
        #[serde(default, with = "crate::lenient::option_decimal")]
        value: Option<Decimal>,
    }

    fn money(v: serde_json::Value) -> Result<Decimal, String> {
        serde_json::from_value::<Money>(json!({ "value": v }))
            .map(|m| m.value)
            .map_err(|e| e.to_string())
    }

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn decimals_from_numbers_and_strings() {
        assert_eq!(money(json!(2.8843)), Ok(d("2.8843")));
        assert_eq!(money(json!(12.5)), Ok(d("12.5")));
        assert_eq!(money(json!(0.1)), Ok(d("0.1")));
        assert_eq!(money(json!(3)), Ok(d("3")));
        assert_eq!(money(json!("0.000")), Ok(d("0.000")));
        assert_eq!(money(json!(" 56.52174 ")), Ok(d("56.52174")));
        assert_eq!(money(json!("1.5E2")), Ok(d("150")));
        assert_eq!(money(json!("-4")), Ok(d("-4")));
        // Straight from the text, decimals keep digits a float would lose.
        assert_eq!(
            serde_json::from_str::<Money>(r#"{"value":"12345678901234567.89"}"#)
                .unwrap()
                .value,
            d("12345678901234567.89")
        );
    }

    #[test]
    fn bad_decimals_are_errors_that_show_the_value() {
        let err = money(json!("12,5")).unwrap_err();
        assert!(err.contains("\"12,5\""), "{err}");
        assert!(money(json!(true)).is_err());
        assert!(
            money(json!("")).is_err(),
            "a required decimal is not optional"
        );
        assert!(money(json!(null)).is_err());
    }

    #[test]
    fn optional_decimals_treat_none_markers_as_none() {
        for none in [json!(false), json!(null), json!(""), json!([])] {
            let parsed: MaybeMoney = serde_json::from_value(json!({ "value": none })).unwrap();
            assert_eq!(parsed.value, None);
        }
        let missing: MaybeMoney = serde_json::from_value(json!({})).unwrap();
        assert_eq!(missing.value, None);
        let some: MaybeMoney = serde_json::from_value(json!({"value": "1.10"})).unwrap();
        assert_eq!(some.value, Some(d("1.10")));
    }

    #[test]
    fn decimals_encode_as_exact_json_numbers() {
        let text = serde_json::to_string(&Money { value: d("2.8843") }).unwrap();
        assert_eq!(text, r#"{"value":2.8843}"#);
        let text = serde_json::to_string(&Money {
            value: d("12345678901234567.89"),
        })
        .unwrap();
        assert_eq!(text, r#"{"value":12345678901234567.89}"#);
        let text = serde_json::to_string(&MaybeMoney { value: None }).unwrap();
        assert_eq!(text, r#"{"value":null}"#);
        // Through a Value too (the path a mapping or a test takes).
        assert_eq!(
            serde_json::to_value(Money { value: d("3.49") }).unwrap(),
            json!({"value": 3.49})
        );
    }

    #[test]
    fn decimal_strings_encode_as_strings() {
        #[derive(Serialize, Deserialize)]
        struct S {
            #[serde(with = "crate::lenient::decimal_string")]
            v: Decimal,
        }
        let s: S = serde_json::from_value(json!({"v": 5.5})).unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"v":"5.5"}"#);
    }

    #[test]
    fn booleans_in_every_spelling() {
        #[derive(Deserialize)]
        struct B {
            #[serde(with = "crate::lenient::bool")]
            v: bool,
        }
        let b = |v: serde_json::Value| serde_json::from_value::<B>(json!({ "v": v })).map(|b| b.v);
        for yes in [
            json!(true),
            json!(1),
            json!("1"),
            json!("true"),
            json!("TRUE"),
        ] {
            assert!(b(yes).unwrap());
        }
        for no in [json!(false), json!(0), json!("0"), json!("false")] {
            assert!(!b(no).unwrap());
        }
        assert!(b(json!(2)).is_err());
        assert!(b(json!("yes please")).is_err());

        #[derive(Deserialize)]
        struct OB {
            #[serde(default, with = "crate::lenient::option_bool")]
            v: Option<bool>,
        }
        let ob = |v: serde_json::Value| serde_json::from_value::<OB>(json!({ "v": v })).unwrap().v;
        assert_eq!(
            ob(json!(false)),
            Some(false),
            "false is a value for a boolean"
        );
        assert_eq!(ob(json!(null)), None);
        assert_eq!(ob(json!("")), None);
        assert_eq!(ob(json!("1")), Some(true));
    }

    #[test]
    fn integers_from_numbers_and_strings() {
        #[derive(Deserialize)]
        struct I {
            #[serde(with = "crate::lenient::u64")]
            id: u64,
            #[serde(default, with = "crate::lenient::option_u64")]
            parent: Option<u64>,
            #[serde(with = "crate::lenient::i64")]
            delta: i64,
        }
        let i: I = serde_json::from_value(json!({"id": "163090479", "parent": false, "delta": -3}))
            .unwrap();
        assert_eq!((i.id, i.parent, i.delta), (163_090_479, None, -3));
        let i: I = serde_json::from_value(json!({"id": 7, "parent": "12", "delta": "4"})).unwrap();
        assert_eq!((i.id, i.parent, i.delta), (7, Some(12), 4));
        assert!(serde_json::from_value::<I>(json!({"id": -1, "delta": 0})).is_err());
        assert!(serde_json::from_value::<I>(json!({"id": "abc", "delta": 0})).is_err());
    }

    #[test]
    fn strings_from_strings_and_numbers() {
        #[derive(Deserialize)]
        struct S {
            #[serde(with = "crate::lenient::string")]
            number: String,
            #[serde(default, with = "crate::lenient::option_string")]
            hs: Option<String>,
        }
        let s: S = serde_json::from_value(json!({"number": 10023, "hs": null})).unwrap();
        assert_eq!((s.number.as_str(), s.hs), ("10023", None));
        let s: S = serde_json::from_value(json!({"number": "ORD00001", "hs": false})).unwrap();
        assert_eq!((s.number.as_str(), s.hs), ("ORD00001", None));
    }

    #[test]
    fn timestamps_in_both_forms() {
        let utc = |text: &str| parse_timestamp(text).map(|t| t.to_rfc3339());
        assert_eq!(
            utc("2026-06-02T10:24:43+02:00").as_deref(),
            Some("2026-06-02T08:24:43+00:00")
        );
        assert_eq!(
            utc("2017-12-06T04:30:36Z").as_deref(),
            Some("2017-12-06T04:30:36+00:00")
        );
        assert_eq!(
            utc("2024-11-20 03:07:55").as_deref(),
            Some("2024-11-20T03:07:55+00:00")
        );
        assert_eq!(
            utc("2024-11-20T03:07:55").as_deref(),
            Some("2024-11-20T03:07:55+00:00")
        );
        assert_eq!(
            utc("2024-11-20 03:07:55.250").as_deref(),
            Some("2024-11-20T03:07:55.250+00:00")
        );
        assert_eq!(utc("20 Nov 2024"), None);

        #[derive(Deserialize, Serialize)]
        struct T {
            #[serde(with = "crate::lenient::timestamp")]
            at: DateTime<Utc>,
            #[serde(default, with = "crate::lenient::option_timestamp")]
            deleted_at: Option<DateTime<Utc>>,
        }
        let t: T = serde_json::from_value(json!({"at": "2024-11-20 03:07:55", "deleted_at": null}))
            .unwrap();
        assert_eq!(
            serde_json::to_value(&t).unwrap(),
            json!({"at": "2024-11-20T03:07:55Z", "deleted_at": null})
        );
        assert!(serde_json::from_value::<T>(json!({"at": false})).is_err());
        assert_eq!(format_filter_timestamp(&t.at), "2024-11-20 03:07:55");

        #[derive(Deserialize, Serialize)]
        struct Legacy {
            #[serde(with = "crate::lenient::space_timestamp")]
            sale_date: DateTime<Utc>,
        }
        let legacy: Legacy =
            serde_json::from_value(json!({"sale_date": "2017-12-06T04:30:36Z"})).unwrap();
        assert_eq!(
            serde_json::to_value(&legacy).unwrap(),
            json!({"sale_date": "2017-12-06 04:30:36"})
        );
    }

    #[test]
    fn dates_and_none_markers() {
        #[derive(Deserialize)]
        struct C {
            #[serde(default, with = "crate::lenient::option_date")]
            birth: Option<NaiveDate>,
        }
        let c: C = serde_json::from_value(json!({"birth": false})).unwrap();
        assert_eq!(c.birth, None);
        let c: C = serde_json::from_value(json!({"birth": "1990-04-01"})).unwrap();
        assert_eq!(c.birth, NaiveDate::from_ymd_opt(1990, 4, 1));
    }

    #[test]
    fn generic_options_lists_and_maps() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Resource {
            id: u64,
        }
        #[derive(Deserialize)]
        struct P {
            #[serde(default, with = "crate::lenient::option")]
            brand: Option<Resource>,
            #[serde(default, with = "crate::lenient::vec")]
            options: Vec<String>,
            #[serde(default, with = "crate::lenient::map")]
            fields: BTreeMap<String, String>,
        }
        let p: P = serde_json::from_value(json!({"brand": false, "options": false, "fields": []}))
            .unwrap();
        assert_eq!(p.brand, None);
        assert!(p.options.is_empty() && p.fields.is_empty());
        let p: P = serde_json::from_value(
            json!({"brand": {"id": 4}, "options": ["S", "M"], "fields": {"a": "b"}}),
        )
        .unwrap();
        assert_eq!(p.brand, Some(Resource { id: 4 }));
        assert_eq!(p.options, vec!["S", "M"]);
        assert_eq!(p.fields["a"], "b");
        let err = serde_json::from_value::<P>(json!({"options": 3}))
            .err()
            .unwrap();
        assert!(err.to_string().contains("expected a list, found a number"));
    }
}
