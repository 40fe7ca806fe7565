//! Serde helpers for optional model fields, used through `#[serde(with = "...")]` by the models
//! of both clients.
//!
//! eCom says "none" with `false` for most to-one relations and optional objects (`"brand": false`,
//! `"image": false`), with `null` elsewhere, and sometimes with `[]` (PHP's empty array); X-Series
//! says it with `null`. The helpers here decode every one of those as `None` without buffering
//! the value, and come in two encodings so a decoded record encodes back the way the API wrote
//! it:
//!
//! - [`opt`]: `None` is left out (use with `skip_serializing_if = "Option::is_none"`); for fields
//!   the API writes as `null` or omits.
//! - [`falsy`]: `None` is written as `false`; for the fields the API writes as `false`.

use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat};
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{
    self, DeserializeOwned, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

/// Decodes an optional `T`, reading `false`, `null`, an empty list and `""` (for non-text
/// types) as `None`. Objects, numbers, strings and `true` go to `T` without buffering.
struct FalsyVisitor<T> {
    /// Whether `""` is a value (text fields) rather than "none".
    keep_empty_string: bool,
    marker: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for FalsyVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value, or false/null for none")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<T>, E> {
        if v {
            T::deserialize(v.into_deserializer()).map(Some)
        } else {
            Ok(None)
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<T>, E> {
        T::deserialize(v.into_deserializer()).map(Some)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<T>, E> {
        T::deserialize(v.into_deserializer()).map(Some)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<T>, E> {
        T::deserialize(v.into_deserializer()).map(Some)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
        if v.is_empty() && !self.keep_empty_string {
            return Ok(None);
        }
        T::deserialize(v.into_deserializer()).map(Some)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Option<T>, E> {
        if v.is_empty() && !self.keep_empty_string {
            return Ok(None);
        }
        T::deserialize(v.into_deserializer()).map(Some)
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<T>, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(Some)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<T>, A::Error> {
        // Lists are rare here: PHP's `[]` for an empty object, or a real list for list types.
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        if items.is_empty() {
            // `[]` is a value for list types and "none" for everything else.
            let empty = SeqAccessDeserializer::new(EmptySeq::<A::Error>(PhantomData));
            return Ok(T::deserialize(empty).ok());
        }
        T::deserialize(Value::Array(items))
            .map(Some)
            .map_err(de::Error::custom)
    }
}

struct EmptySeq<E>(PhantomData<E>);

impl<'de, E: de::Error> SeqAccess<'de> for EmptySeq<E> {
    type Error = E;
    fn next_element_seed<S: de::DeserializeSeed<'de>>(
        &mut self,
        _: S,
    ) -> Result<Option<S::Value>, E> {
        Ok(None)
    }
}

fn falsy_value<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
    keep_empty_string: bool,
) -> Result<Option<T>, D::Error> {
    d.deserialize_any(FalsyVisitor {
        keep_empty_string,
        marker: PhantomData,
    })
}

/// `Option<T>` where the API writes "none" as `null` or leaves the field out.
pub mod opt {
    use super::*;

    /// Decodes `false`, `null`, `[]` and `""` as `None`.
    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        falsy_value(d, false)
    }

    /// Encodes `None` as `null` (pair with `skip_serializing_if`).
    pub fn serialize<S: Serializer, T: Serialize>(
        value: &Option<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }
}

/// `Option<T>` where the API writes "none" as `false` (`"brand": false`).
pub mod falsy {
    use super::*;

    /// Decodes `false`, `null`, `[]` and `""` as `None`.
    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        falsy_value(d, false)
    }

    /// Encodes `None` as `false`.
    pub fn serialize<S: Serializer, T: Serialize>(
        value: &Option<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => v.serialize(s),
            None => s.serialize_bool(false),
        }
    }
}

/// Text: a string (kept as is, `""` included) or a number; `false` and `null` are `None`.
pub mod text {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        falsy_value::<D, TextValue>(d, true).map(|v| v.map(|t| t.0))
    }

    /// Encodes `None` as `null` (pair with `skip_serializing_if`).
    pub fn serialize<S: Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }
}

/// Text the API writes as `false` when there is none (`"remoteIp": false`).
pub mod falsy_text {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        text::deserialize(d)
    }

    /// Encodes `None` as `false`.
    pub fn serialize<S: Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        falsy::serialize(value, s)
    }
}

/// A string, or a number read as its text.
struct TextValue(String);

impl<'de> Deserialize<'de> for TextValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TextValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TextValue, E> {
                Ok(TextValue(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<TextValue, E> {
                Ok(TextValue(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<TextValue, E> {
                Ok(TextValue(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<TextValue, E> {
                Ok(TextValue(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<TextValue, E> {
                Ok(TextValue(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<TextValue, E> {
                Ok(TextValue(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `Option<i64>` the API writes as `false` when unset (`"appId": false`).
pub mod falsy_int {
    use super::*;

    /// Decodes numbers and numeric strings; `false`, `null`, `""` are `None`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        crate::lenient::option_i64::deserialize(d)
    }

    /// Encodes `None` as `false`.
    pub fn serialize<S: Serializer>(value: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        falsy::serialize(value, s)
    }
}

/// `Option<Decimal>` the API writes as a string with fixed decimals (`"weightValue": "0.000"`).
pub mod decimal_text {
    use super::*;

    /// Decodes numbers and numeric strings.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        crate::lenient::option_decimal::deserialize(d)
    }

    /// Encodes as a string with the decimal's own digits (`"0.000"` stays `"0.000"`).
    pub fn serialize<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_str(&v.to_string()),
            None => s.serialize_none(),
        }
    }
}

/// Whether a date or timestamp is PHP's "zero date" (`0000-00-00`, `0000-00-00 00:00:00`),
/// which means "none".
fn is_zero_date(text: &str) -> bool {
    text.trim().starts_with("0000-00-00")
}

/// Parses an eCom timestamp: RFC 3339 with the shop's offset, or `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn parse_time(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .or_else(|| crate::lenient::parse_timestamp(text).map(|t| t.fixed_offset()))
}

/// Formats a timestamp as the API does (`2026-06-02T10:24:43+02:00`).
pub fn format_time(time: &DateTime<FixedOffset>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// `Option<DateTime<FixedOffset>>`, keeping the shop's offset; `null`/`false`/`""` are `None`.
pub mod time {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
        match falsy_value::<D, TextValue>(d, false)? {
            None => Ok(None),
            Some(TextValue(text)) if is_zero_date(&text) => Ok(None),
            Some(TextValue(text)) => parse_time(&text)
                .map(Some)
                .ok_or_else(|| de::Error::custom(format!("expected a timestamp, found {text:?}"))),
        }
    }

    /// Encodes as RFC 3339 with the offset it was read with (pair with `skip_serializing_if`).
    pub fn serialize<S: Serializer>(
        value: &Option<DateTime<FixedOffset>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(t) => s.serialize_str(&format_time(t)),
            None => s.serialize_none(),
        }
    }
}

/// `Option<NaiveDate>` (`YYYY-MM-DD`) the API writes as `false` when unset (`"birthDate": false`).
pub mod falsy_date {
    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        match falsy_value::<D, TextValue>(d, false)? {
            None => Ok(None),
            Some(TextValue(text)) if is_zero_date(&text) => Ok(None),
            Some(TextValue(text)) => {
                let day = text.get(..10).unwrap_or(&text);
                NaiveDate::parse_from_str(day, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| {
                        de::Error::custom(format!("expected a date YYYY-MM-DD, found {text:?}"))
                    })
            }
        }
    }

    /// Encodes `None` as `false`.
    pub fn serialize<S: Serializer>(value: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => s.serialize_str(&d.format("%Y-%m-%d").to_string()),
            None => s.serialize_bool(false),
        }
    }
}

/// Declares a vendor enum written as a string, with `Other` keeping values this crate does
/// not know yet (decoding never fails on a new value, and it encodes back unchanged).
#[macro_export]
macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
            /// A value this crate does not know yet, kept as written.
            Other(String),
        }

        impl $name {
            /// Every value this crate knows.
            pub const KNOWN: &'static [Self] = &[$(Self::$variant,)*];

            /// The value as the API writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Other(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok(Self::from(&*text))
            }
        }
    };
}

/// `Option<DateTime<Utc>>` written as API 0.9 does (`2016-05-05 23:35:34`, UTC); reads RFC 3339
/// too. `null`, `false` and `""` are `None`.
pub mod space_time {
    use chrono::{DateTime, Utc};

    use super::*;

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match falsy_value::<D, TextValue>(d, false)? {
            None => Ok(None),
            Some(TextValue(text)) if is_zero_date(&text) => Ok(None),
            Some(TextValue(text)) => crate::lenient::parse_timestamp(&text)
                .map(Some)
                .ok_or_else(|| de::Error::custom(format!("expected a timestamp, found {text:?}"))),
        }
    }

    /// Encodes as `YYYY-MM-DD HH:MM:SS` in UTC (pair with `skip_serializing_if`).
    pub fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(t) => s.serialize_str(&t.format("%Y-%m-%d %H:%M:%S").to_string()),
            None => s.serialize_none(),
        }
    }
}

/// A credential a response carries (an API key, an access or refresh token): the text is
/// available through [`SecretText::expose`], never through `Debug`. It encodes as the plain
/// string, since encoding is explicit.
#[derive(Clone)]
pub struct SecretText(SecretString);

impl SecretText {
    /// The text itself.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText([redacted])")
    }
}

impl PartialEq for SecretText {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Serialize for SecretText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for SecretText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|key| Self(SecretString::from(key)))
    }
}

/// Decodes a `serde_json::Value` into `T`; `None` for `null` and `false` (no value).
pub fn value_as<T: DeserializeOwned>(value: &Value) -> Option<Result<T, serde_json::Error>> {
    if value.is_null() || value == &Value::Bool(false) {
        return None;
    }
    Some(T::deserialize(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Inner {
        a: u32,
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Probe {
        #[serde(default, with = "falsy")]
        obj: Option<Inner>,
        #[serde(default, with = "opt", skip_serializing_if = "Option::is_none")]
        list: Option<Vec<u32>>,
        #[serde(default, with = "text", skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, with = "time", skip_serializing_if = "Option::is_none")]
        at: Option<DateTime<FixedOffset>>,
        #[serde(default, with = "falsy_date")]
        day: Option<NaiveDate>,
        #[serde(
            default,
            with = "decimal_text",
            skip_serializing_if = "Option::is_none"
        )]
        weight: Option<Decimal>,
    }

    fn probe(json: &str) -> Probe {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn none_markers_decode_as_none_and_encode_as_the_api_writes_them() {
        let p = probe(r#"{"obj": false, "list": null, "name": null, "at": null, "day": false}"#);
        assert_eq!(p.obj, None);
        assert_eq!(p.list, None);
        assert_eq!(p.name, None);
        assert_eq!(p.day, None);
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"obj":false,"day":false}"#
        );
        // PHP's empty array for an empty object is "none"; for a list it is an empty list.
        let p = probe(r#"{"obj": [], "list": []}"#);
        assert_eq!(p.obj, None);
        assert_eq!(p.list, Some(vec![]));
    }

    #[test]
    fn values_survive_a_round_trip() {
        let json = r#"{"obj":{"a":1},"list":[1,2],"name":"","at":"2026-06-02T10:24:43+02:00","day":"2006-09-19","weight":"0.000"}"#;
        let p = probe(json);
        assert_eq!(p.name.as_deref(), Some(""));
        assert_eq!(serde_json::to_string(&p).unwrap(), json);
        // Numbers as text, and timestamps without an offset read as UTC.
        let p = probe(r#"{"at": "0000-00-00 00:00:00", "day": "0000-00-00"}"#);
        assert_eq!((p.at, p.day), (None, None));
        let p = probe(r#"{"name": 42, "at": "2024-11-20 03:07:55", "weight": 1.5}"#);
        assert_eq!(p.name.as_deref(), Some("42"));
        assert_eq!(p.at.unwrap().to_rfc3339(), "2024-11-20T03:07:55+00:00");
        assert_eq!(p.weight, Some(Decimal::new(15, 1)));
    }

    #[test]
    fn bad_values_name_what_was_found() {
        let err = serde_json::from_str::<Probe>(r#"{"at": "yesterday"}"#).unwrap_err();
        assert!(err.to_string().contains("\"yesterday\""), "{err}");
        let err = serde_json::from_str::<Probe>(r#"{"day": "19/09/2006"}"#).unwrap_err();
        assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
    }
}
