//! Reading source records: attribute lookups (an exact key first, then a path such as
//! `brand.name` or `categories[0].name`), templates, and lookup tables.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::CompileError;
use crate::transform::{Context, LookupTable, NoMatch, Params};
use crate::value::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// An attribute lookup, compiled: the exact key, and the path it means if no key matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    key: String,
    path: Option<Vec<Segment>>,
}

impl Lookup {
    /// A lookup of `attribute` (`sku`, `description@nl`, `brand.name`, `categories[0].name`).
    pub fn new(attribute: &str) -> Self {
        Self {
            key: attribute.to_owned(),
            path: parse_path(attribute),
        }
    }

    /// The attribute as written.
    pub fn name(&self) -> &str {
        &self.key
    }

    /// The raw JSON the lookup finds (`None` when absent; `null` counts as absent).
    pub fn get_json<'r>(&self, record: &'r serde_json::Value) -> Option<&'r serde_json::Value> {
        let object = record.as_object()?;
        if let Some(found) = find(object, &self.key) {
            return (!found.is_null()).then_some(found);
        }
        let path = self.path.as_ref()?;
        let mut at = record;
        for segment in path {
            at = match segment {
                Segment::Key(key) => at.as_object()?.get(key)?,
                Segment::Index(i) => at.as_array()?.get(*i)?,
            };
        }
        (!at.is_null()).then_some(at)
    }

    /// The value the lookup finds ([`Value::Missing`] when absent).
    pub fn get(&self, record: &serde_json::Value) -> Value {
        self.get_json(record)
            .map_or(Value::Missing, Value::from_json)
    }
}

/// Finds a key. Records are small objects: a scan that compares lengths before bytes beats the
/// map's ordered search, whose every step is a byte comparison; large objects use the search.
fn find<'r>(
    object: &'r serde_json::Map<String, serde_json::Value>,
    key: &str,
) -> Option<&'r serde_json::Value> {
    if object.len() > 48 {
        return object.get(key);
    }
    let bytes = key.as_bytes();
    object
        .iter()
        .find(|(k, _)| {
            k.len() == bytes.len() && k.as_bytes().first() == bytes.first() && k.as_bytes() == bytes
        })
        .map(|(_, v)| v)
}

/// Splits `a.b[0].c` into segments; `None` for a plain key (no `.` or `[`).
fn parse_path(text: &str) -> Option<Vec<Segment>> {
    if !text.contains(['.', '[']) {
        return None;
    }
    let mut segments = Vec::new();
    for part in text.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            segments.push(Segment::Key(name.to_owned()));
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let end = stripped.find(']')?;
            segments.push(Segment::Index(stripped[..end].trim().parse().ok()?));
            rest = &stripped[end + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    Some(segments)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Attribute(Lookup),
}

/// A template such as `{brand} {model_number}`: a missing attribute renders as empty text,
/// runs of spaces collapse, the result is trimmed, and an empty result is missing. `{{` and
/// `}}` write braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Compiles a template; an unclosed `{` is an error.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => name.push(c),
                            None => return Err(format!("unclosed `{{` in template {text:?}")),
                        }
                    }
                    let name = name.trim();
                    if name.is_empty() {
                        return Err(format!("empty `{{}}` in template {text:?}"));
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Attribute(Lookup::new(name)));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Self { pieces })
    }

    /// Renders the template for a record.
    pub fn render(&self, record: &serde_json::Value) -> Value {
        let mut out = String::new();
        // Whether a space is owed before the next visible text (runs collapse, ends trim).
        let mut space = false;
        let mut write = |text: &str| {
            for (i, part) in text.split(' ').enumerate() {
                if i > 0 {
                    space = !out.is_empty();
                }
                if !part.is_empty() {
                    if space {
                        out.push(' ');
                        space = false;
                    }
                    out.push_str(part);
                }
            }
        };
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => write(t),
                Piece::Attribute(lookup) => match lookup.get_json(record) {
                    Some(serde_json::Value::String(t)) => write(t),
                    Some(other) => {
                        if let Some(t) = Value::from_json(other).as_text() {
                            write(&t);
                        }
                    }
                    None => {}
                },
            }
        }
        if out.is_empty() {
            Value::Missing
        } else {
            Value::Text(out)
        }
    }
}

/// Reads a lookup table: `entries` (+ `no_match`) inline, or a table of the document.
pub(crate) fn table_from_json(
    map: &serde_json::Map<String, serde_json::Value>,
    path: &str,
    errors: &mut Vec<CompileError>,
) -> LookupTable {
    let mut entries = HashMap::new();
    match map.get("entries") {
        Some(serde_json::Value::Object(e)) => {
            for (k, v) in e {
                entries.insert(k.clone(), Value::from_json(v));
            }
        }
        Some(other) => errors.push(CompileError::at(
            format!("{path}.entries"),
            format!("`entries` must be an object of source value -> target value, found {other}"),
        )),
        None => errors.push(CompileError::at(
            format!("{path}.entries"),
            "missing `entries`",
        )),
    }
    let no_match = match map.get("no_match") {
        None => NoMatch::Original,
        Some(serde_json::Value::Object(policy)) => {
            for key in policy.keys() {
                if key != "use" && key != "value" {
                    errors.push(CompileError::at(
                        format!("{path}.no_match.{key}"),
                        format!("unknown key `{key}`"),
                    ));
                }
            }
            match policy.get("use").and_then(serde_json::Value::as_str) {
                None | Some("original") => NoMatch::Original,
                Some("default") => match policy.get("value") {
                    Some(v) => NoMatch::Default(Value::from_json(v)),
                    None => {
                        errors.push(CompileError::at(
                            format!("{path}.no_match.value"),
                            "`no_match.use: default` needs a `value`",
                        ));
                        NoMatch::Original
                    }
                },
                Some("skip") => NoMatch::Skip,
                Some("error") => NoMatch::Error,
                Some(other) => {
                    errors.push(CompileError::at(
                        format!("{path}.no_match.use"),
                        format!("unknown no_match policy `{other}`: use original, default, skip or error"),
                    ));
                    NoMatch::Original
                }
            }
        }
        Some(other) => {
            errors.push(CompileError::at(
                format!("{path}.no_match"),
                format!("`no_match` must be an object, found {other}"),
            ));
            NoMatch::Original
        }
    };
    LookupTable { entries, no_match }
}

/// The table of a `lookup` transformation: `set` (a mapping set) or inline `entries`.
pub(crate) fn lookup_table(
    params: &mut Params<'_>,
    context: &Context<'_>,
) -> Option<Arc<LookupTable>> {
    let set = params.text("set");
    let entries = params.raw_value("entries").cloned();
    let no_match = params.raw_value("no_match").cloned();
    match (set, entries) {
        (Some(name), None) => {
            if no_match.is_some() {
                params.error(
                    "no_match",
                    "`no_match` belongs to the mapping set when `set` is used".into(),
                );
            }
            match context.sets.get(&name) {
                Some(table) => Some(table.clone()),
                None => {
                    params.error("set", format!("unknown mapping set `{name}`"));
                    None
                }
            }
        }
        (None, Some(entries)) => {
            let mut map = serde_json::Map::new();
            map.insert("entries".into(), entries);
            if let Some(no_match) = no_match {
                map.insert("no_match".into(), no_match);
            }
            let mut errors = Vec::new();
            let table = table_from_json(&map, &params_path(params), &mut errors);
            params.errors.extend(errors);
            Some(Arc::new(table))
        }
        (Some(_), Some(_)) => {
            params.error("set", "give `set` or `entries`, not both".into());
            None
        }
        (None, None) => {
            params.error(
                "set",
                "missing parameter `set` (a mapping set) or `entries`".into(),
            );
            None
        }
    }
}

fn params_path(params: &Params<'_>) -> String {
    params.path().to_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn exact_keys_win_then_paths() {
        let record = json!({
            "description@nl": "Mooi", "brand.name": "exact", "brand": {"name": "Delta"},
            "categories": [{"name": "Watches"}], "empty": null
        });
        assert_eq!(
            Lookup::new("description@nl").get(&record),
            Value::Text("Mooi".into())
        );
        assert_eq!(
            Lookup::new("brand.name").get(&record),
            Value::Text("exact".into())
        );
        assert_eq!(
            Lookup::new("categories[0].name").get(&record),
            Value::Text("Watches".into())
        );
        assert_eq!(
            Lookup::new("categories[1].name").get(&record),
            Value::Missing
        );
        assert_eq!(Lookup::new("empty").get(&record), Value::Missing);
    }

    #[test]
    fn templates_collapse_spaces_and_skip_missing_attributes() {
        let t = Template::parse("{brand}  {model_number} {{x}}").unwrap();
        assert_eq!(
            t.render(&json!({"brand": "Casio", "model_number": 42})),
            Value::Text("Casio 42 {x}".into())
        );
        let t = Template::parse("{brand} {model}").unwrap();
        assert_eq!(
            t.render(&json!({"model": "F-91W"})),
            Value::Text("F-91W".into())
        );
        assert_eq!(t.render(&json!({})), Value::Missing);
        assert!(Template::parse("{brand").is_err());
    }
}
