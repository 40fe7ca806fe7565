//! Conditions of smart rules (`when`): `{"attribute", "op", "value"}` combined with `all`,
//! `any` and `not`. Numbers compare as decimals, texts as texts.

use std::cmp::Ordering;

use regex::Regex;
use serde_json::Map;

use crate::error::CompileError;
use crate::source::Lookup;
use crate::transform::{Locale, parse_number};
use crate::value::Value;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Gte,
    /// Less than.
    Lt,
    /// Less than or equal.
    Lte,
    /// Text contains / list contains.
    Contains,
    /// Text starts with.
    StartsWith,
    /// Text ends with.
    EndsWith,
    /// One of a list.
    In,
    /// None of a list.
    NotIn,
    /// Matches a regular expression.
    Matches,
    /// Missing, empty text or an empty list.
    IsEmpty,
    /// Not empty.
    IsNotEmpty,
}

const OPS: &[(&str, Op)] = &[
    ("eq", Op::Eq),
    ("ne", Op::Ne),
    ("gt", Op::Gt),
    ("gte", Op::Gte),
    ("lt", Op::Lt),
    ("lte", Op::Lte),
    ("contains", Op::Contains),
    ("starts_with", Op::StartsWith),
    ("ends_with", Op::EndsWith),
    ("in", Op::In),
    ("not_in", Op::NotIn),
    ("matches", Op::Matches),
    ("is_empty", Op::IsEmpty),
    ("is_not_empty", Op::IsNotEmpty),
];

/// A compiled condition.
#[derive(Debug, Clone)]
pub enum Condition {
    /// Every condition holds.
    All(Vec<Condition>),
    /// At least one holds.
    Any(Vec<Condition>),
    /// The condition does not hold.
    Not(Box<Condition>),
    /// A comparison of an attribute.
    Compare {
        /// The attribute.
        attribute: Lookup,
        /// The operator.
        op: Op,
        /// The value compared with.
        value: Value,
        /// The pattern of `matches`.
        pattern: Option<Regex>,
    },
}

impl Condition {
    /// Compiles a condition at `path`.
    pub(crate) fn compile(
        json: &serde_json::Value,
        path: &str,
        errors: &mut Vec<CompileError>,
    ) -> Option<Condition> {
        let Some(map) = json.as_object() else {
            errors.push(CompileError::at(
                path,
                format!("a condition must be an object, found {json}"),
            ));
            return None;
        };
        let list = |key: &str, errors: &mut Vec<CompileError>| -> Option<Vec<Condition>> {
            let items = map.get(key)?.as_array();
            let Some(items) = items else {
                errors.push(CompileError::at(
                    format!("{path}.{key}"),
                    format!("`{key}` must be a list of conditions"),
                ));
                return None;
            };
            let compiled: Vec<_> = items
                .iter()
                .enumerate()
                .map(|(i, c)| Condition::compile(c, &format!("{path}.{key}[{i}]"), errors))
                .collect();
            compiled.into_iter().collect()
        };
        if map.contains_key("all") || map.contains_key("any") || map.contains_key("not") {
            let keys: Vec<_> = map.keys().cloned().collect();
            if keys.len() != 1 {
                errors.push(CompileError::at(
                    path,
                    format!(
                        "a combined condition has exactly one of `all`, `any`, `not`; found {}",
                        keys.join(", ")
                    ),
                ));
                return None;
            }
            return if map.contains_key("all") {
                list("all", errors).map(Condition::All)
            } else if map.contains_key("any") {
                list("any", errors).map(Condition::Any)
            } else {
                Condition::compile(&map["not"], &format!("{path}.not"), errors)
                    .map(|c| Condition::Not(Box::new(c)))
            };
        }
        check_keys(map, path, &["attribute", "op", "value"], errors);
        let attribute = match map.get("attribute").and_then(serde_json::Value::as_str) {
            Some(a) => Lookup::new(a),
            None => {
                errors.push(CompileError::at(
                    format!("{path}.attribute"),
                    "missing `attribute`",
                ));
                return None;
            }
        };
        let op_name = map
            .get("op")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("");
        let Some(op) = OPS
            .iter()
            .find(|(name, _)| *name == op_name)
            .map(|(_, op)| *op)
        else {
            let known: Vec<_> = OPS.iter().map(|(n, _)| *n).collect();
            errors.push(CompileError::at(
                format!("{path}.op"),
                format!("unknown op `{op_name}`: use {}", known.join(", ")),
            ));
            return None;
        };
        let value = map.get("value");
        let needs_value = !matches!(op, Op::IsEmpty | Op::IsNotEmpty);
        if needs_value && value.is_none() {
            errors.push(CompileError::at(
                format!("{path}.value"),
                format!("`{op_name}` needs a `value`"),
            ));
            return None;
        }
        if matches!(op, Op::In | Op::NotIn) && !value.is_some_and(serde_json::Value::is_array) {
            errors.push(CompileError::at(
                format!("{path}.value"),
                format!("`{op_name}` needs a list as `value`"),
            ));
            return None;
        }
        let pattern = if op == Op::Matches {
            let text = value
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            match Regex::new(text) {
                Ok(r) => Some(r),
                Err(e) => {
                    errors.push(CompileError::at(
                        format!("{path}.value"),
                        format!("invalid regular expression {text:?}: {e}"),
                    ));
                    return None;
                }
            }
        } else {
            None
        };
        Some(Condition::Compare {
            attribute,
            op,
            value: value.map_or(Value::Missing, Value::from_json),
            pattern,
        })
    }

    /// Whether the condition holds for a record.
    pub fn holds(&self, record: &serde_json::Value, locale: &Locale) -> bool {
        match self {
            Condition::All(all) => all.iter().all(|c| c.holds(record, locale)),
            Condition::Any(any) => any.iter().any(|c| c.holds(record, locale)),
            Condition::Not(c) => !c.holds(record, locale),
            Condition::Compare {
                attribute,
                op,
                value,
                pattern,
            } => compare(&attribute.get(record), *op, value, pattern.as_ref(), locale),
        }
    }
}

fn check_keys(
    map: &Map<String, serde_json::Value>,
    path: &str,
    allowed: &[&str],
    errors: &mut Vec<CompileError>,
) {
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            errors.push(CompileError::at(
                format!("{path}.{key}"),
                format!("unknown key `{key}`"),
            ));
        }
    }
}

/// Numbers compare as decimals (a text that reads as a number counts as one when the other
/// side is a number); everything else as text.
fn order(actual: &Value, expected: &Value, locale: &Locale) -> Option<Ordering> {
    let as_number = |v: &Value| match v {
        Value::Number(n) => Some(*n),
        Value::Text(t) => parse_number(t, locale).or_else(|| parse_number(t, &Locale::default())),
        _ => None,
    };
    if matches!(actual, Value::Number(_)) || matches!(expected, Value::Number(_)) {
        return Some(as_number(actual)?.cmp(&as_number(expected)?));
    }
    match (actual, expected) {
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (a, b) => Some(a.as_text()?.cmp(&b.as_text()?)),
    }
}

fn equal(actual: &Value, expected: &Value, locale: &Locale) -> bool {
    match (actual, expected) {
        (Value::Missing, Value::Missing) => true,
        (Value::Missing, _) | (_, Value::Missing) => false,
        (Value::Bool(a), Value::Text(t)) | (Value::Text(t), Value::Bool(a)) => {
            t.eq_ignore_ascii_case(&a.to_string())
        }
        _ => order(actual, expected, locale) == Some(Ordering::Equal),
    }
}

fn compare(
    actual: &Value,
    op: Op,
    expected: &Value,
    pattern: Option<&Regex>,
    locale: &Locale,
) -> bool {
    match op {
        Op::Eq => equal(actual, expected, locale),
        Op::Ne => !equal(actual, expected, locale),
        Op::Gt | Op::Gte | Op::Lt | Op::Lte => {
            if actual.is_missing() {
                return false;
            }
            match order(actual, expected, locale) {
                Some(o) => match op {
                    Op::Gt => o == Ordering::Greater,
                    Op::Gte => o != Ordering::Less,
                    Op::Lt => o == Ordering::Less,
                    _ => o != Ordering::Greater,
                },
                None => false,
            }
        }
        Op::Contains => match actual {
            Value::List(items) => items.iter().any(|i| equal(i, expected, locale)),
            _ => match (actual.as_text(), expected.as_text()) {
                (Some(a), Some(e)) => a.contains(&e),
                _ => false,
            },
        },
        Op::StartsWith => {
            matches!((actual.as_text(), expected.as_text()), (Some(a), Some(e)) if a.starts_with(&e))
        }
        Op::EndsWith => {
            matches!((actual.as_text(), expected.as_text()), (Some(a), Some(e)) if a.ends_with(&e))
        }
        Op::In | Op::NotIn => {
            let found = match expected {
                Value::List(options) => {
                    !actual.is_missing() && options.iter().any(|o| equal(actual, o, locale))
                }
                _ => false,
            };
            (op == Op::In) == found
        }
        Op::Matches => match (pattern, actual.as_text()) {
            (Some(p), Some(t)) => p.is_match(&t),
            _ => false,
        },
        Op::IsEmpty => actual.is_blank(),
        Op::IsNotEmpty => !actual.is_blank(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cond(json: serde_json::Value) -> Condition {
        let mut errors = Vec::new();
        let c = Condition::compile(&json, "when", &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        c.unwrap()
    }

    #[test]
    fn visibility_from_stock() {
        let in_stock = cond(json!({"attribute": "stock", "op": "gt", "value": 0}));
        let l = Locale::default();
        assert!(in_stock.holds(&json!({"stock": 3}), &l));
        assert!(in_stock.holds(&json!({"stock": "3"}), &l));
        assert!(!in_stock.holds(&json!({"stock": 0}), &l));
        assert!(!in_stock.holds(&json!({}), &l));
        let numbers = cond(json!({"attribute": "price", "op": "gte", "value": 10}));
        // Decimals, not text: "9.5" < 10 although "9.5" > "10" as text.
        assert!(!numbers.holds(&json!({"price": "9.5"}), &l));
    }

    #[test]
    fn combinations_and_text_ops() {
        let l = Locale::default();
        let c = cond(json!({"all": [
            {"attribute": "brand", "op": "in", "value": ["Casio", "Seiko"]},
            {"not": {"attribute": "title", "op": "contains", "value": "refurb"}},
            {"any": [{"attribute": "sku", "op": "starts_with", "value": "LW-"}, {"attribute": "sku", "op": "matches", "value": "^X\\d+$"}]}
        ]}));
        assert!(c.holds(
            &json!({"brand": "Casio", "title": "New watch", "sku": "LW-1"}),
            &l
        ));
        assert!(c.holds(
            &json!({"brand": "Seiko", "title": "Watch", "sku": "X42"}),
            &l
        ));
        assert!(!c.holds(
            &json!({"brand": "Casio", "title": "refurb watch", "sku": "LW-1"}),
            &l
        ));
        assert!(cond(json!({"attribute": "x", "op": "is_empty"})).holds(&json!({"x": ""}), &l));
        assert!(
            cond(json!({"attribute": "x", "op": "is_not_empty"})).holds(&json!({"x": [1]}), &l)
        );
    }

    #[test]
    fn bad_conditions_name_their_path() {
        let mut errors = Vec::new();
        Condition::compile(
            &json!({"all": [{"attribute": "a", "op": "bigger", "value": 1}]}),
            "product_mappings[0].rules[0].when",
            &mut errors,
        );
        assert_eq!(
            errors[0].path,
            "product_mappings[0].rules[0].when.all[0].op"
        );
    }
}
