//! Mapping documents: read (JSON or TOML), validated and compiled once, then applied to any
//! number of records from any number of threads.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as Json};

use crate::condition::Condition;
use crate::error::{CompileError, CompileErrors, RecordError};
use crate::schema::{FieldRules, TargetSchema, Written, closest};
use crate::source::{Lookup, Template, table_from_json};
use crate::transform::{self, Context, Locale, LookupTable, Params, Transform};
use crate::value::Value;

/// The mapping lists of a document, in the order their rules apply.
pub const LISTS: &[&str] = &["product_mappings", "variant_mappings", "media_mappings"];

const DOCUMENT_KEYS: &[&str] = &[
    "version",
    "target",
    "key",
    "source_locale",
    "mapping_sets",
    "product_mappings",
    "variant_mappings",
    "media_mappings",
    "channels",
];

const RULE_KEYS: &[&str] = &[
    "pim_attribute",
    "lightspeed_field",
    "value",
    "template",
    "transformation",
    "transformations",
    "rules",
    "skip",
    "empty",
    "required",
];

const SMART_RULE_KEYS: &[&str] = &[
    "when",
    "otherwise",
    "value",
    "pim_attribute",
    "template",
    "transformation",
    "transformations",
];

/// A mapping document as read, before it is compiled: JSON or TOML.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    root: Arc<Json>,
}

/// The text without the byte order mark some editors write at the start of a UTF-8 file.
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{FEFF}').unwrap_or(text)
}

impl Document {
    /// Reads a JSON document; a syntax error says its line and column, and so does a key given
    /// twice in one object (which JSON readers would otherwise silently resolve to the last
    /// one). A leading byte order mark is ignored.
    pub fn from_json(text: &str) -> Result<Self, CompileErrors> {
        let text = without_bom(text);
        let root: Json = serde_json::from_str(text).map_err(|e| CompileErrors {
            errors: vec![CompileError {
                path: ".".into(),
                message: format!("not valid JSON: {e}"),
                line: Some(e.line()),
                column: Some(e.column()),
            }],
        })?;
        if let Some(error) = duplicate_key(text) {
            return Err(CompileErrors {
                errors: vec![error],
            });
        }
        Ok(Self {
            root: Arc::new(root),
        })
    }

    /// Reads a TOML document (the same structure); a syntax error, a key given twice
    /// included, says its line and column. A leading byte order mark is ignored.
    pub fn from_toml(text: &str) -> Result<Self, CompileErrors> {
        let text = without_bom(text);
        let value: toml::Value = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|span| line_column(text, span.start))
                .map_or((None, None), |(l, c)| (Some(l), Some(c)));
            // The parser says "duplicate key" and points at it: name it too.
            let key = e
                .span()
                .and_then(|span| text.get(span))
                .filter(|key| e.message().starts_with("duplicate key") && !key.contains('\n'))
                .map(|key| format!(" `{}`", key.trim()))
                .unwrap_or_default();
            CompileErrors {
                errors: vec![CompileError {
                    path: ".".into(),
                    message: format!("not valid TOML: {}{key}", e.message()),
                    line,
                    column,
                }],
            }
        })?;
        let root = serde_json::to_value(value).map_err(|e| CompileErrors {
            errors: vec![CompileError::at(
                ".",
                format!("could not read the TOML document: {e}"),
            )],
        })?;
        Ok(Self {
            root: Arc::new(root),
        })
    }

    /// Reads a file: TOML when its name ends in `.toml`, JSON otherwise.
    pub fn load(path: &Path) -> Result<Self, CompileErrors> {
        let text = std::fs::read_to_string(path).map_err(|e| CompileErrors {
            errors: vec![CompileError::at(
                ".",
                format!("cannot read {}: {e}", path.display()),
            )],
        })?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        {
            Self::from_toml(&text)
        } else {
            Self::from_json(&text)
        }
    }

    /// The document as JSON.
    pub fn as_json(&self) -> &Json {
        &self.root
    }

    /// Validates and compiles the document (every problem is reported, each at its path).
    pub fn compile(&self, options: &Options<'_>) -> Result<Mapping, CompileErrors> {
        compile(&self.root, options)
    }
}

/// The first key given twice in one object of a JSON document (which is valid JSON), with its
/// path, line and column.
fn duplicate_key(text: &str) -> Option<CompileError> {
    let found = RefCell::new(None);
    let mut reader = serde_json::Deserializer::from_str(text);
    let error = UniqueKeys {
        path: String::new(),
        found: &found,
    }
    .deserialize(&mut reader)
    .err()?;
    let mut path: String = found.take()?;
    if path.is_empty() {
        // An empty key at the top has no path of its own: the document holds it.
        path = ".".into();
    }
    Some(CompileError {
        message: format!(
            "`{path}` is given twice; give each key once (only one of the values would be used)"
        ),
        path,
        line: Some(error.line()),
        column: Some(error.column()),
    })
}

/// Walks a JSON document, failing at the first key given twice in one object (its path is
/// left in `found`, its position in the reader's error).
struct UniqueKeys<'a> {
    path: String,
    found: &'a RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for UniqueKeys<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueKeys<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while seq
            .next_element_seed(UniqueKeys {
                path: format!("{}[{index}]", self.path),
                found: self.found,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = if self.path.is_empty() {
                key.clone()
            } else {
                format!("{}.{key}", self.path)
            };
            if !keys.insert(key) {
                *self.found.borrow_mut() = Some(path);
                return Err(de::Error::custom("a key given twice"));
            }
            map.next_value_seed(UniqueKeys {
                path,
                found: self.found,
            })?;
        }
        Ok(())
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Choices made when compiling.
#[derive(Default, Clone, Copy)]
pub struct Options<'a> {
    /// The channel whose overrides apply (`channels.NAME`).
    pub channel: Option<&'a str>,
    /// A schema to check target fields against, now and on every result.
    pub schema: Option<&'a dyn TargetSchema>,
}

impl std::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("channel", &self.channel)
            .field("schema", &self.schema.is_some())
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum FieldSegment {
    Key(String),
    Index(usize),
    Each,
}

/// A target field path: `title`, `images[0].src`, `variants[].sku`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    text: String,
    segments: Vec<FieldSegment>,
    shape: String,
}

impl FieldPath {
    /// Parses a field path.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut segments = Vec::new();
        if text.trim().is_empty() {
            return Err("empty field".into());
        }
        for part in text.split('.') {
            let (name, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if name.is_empty() {
                return Err(format!("`{text}` has an empty name"));
            }
            segments.push(FieldSegment::Key(name.to_owned()));
            while let Some(stripped) = rest.strip_prefix('[') {
                let end = stripped
                    .find(']')
                    .ok_or_else(|| format!("`{text}` has an unclosed `[`"))?;
                let inside = stripped[..end].trim();
                segments.push(if inside.is_empty() {
                    FieldSegment::Each
                } else {
                    FieldSegment::Index(
                        inside
                            .parse()
                            .map_err(|_| format!("`{text}`: `[{inside}]` is not an index"))?,
                    )
                });
                rest = &stripped[end + 1..];
            }
            if !rest.is_empty() {
                return Err(format!("`{text}` is not a field path"));
            }
        }
        let shape = shape_of(&segments);
        Ok(Self {
            text: text.to_owned(),
            segments,
            shape,
        })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The path with every index written `[]` (`images[].src`), as schemas name fields.
    pub fn shape(&self) -> &str {
        &self.shape
    }

    /// How many `[]` (every element) the path has: a list value written through it is spread
    /// over the list's elements.
    pub(crate) fn each_count(&self) -> usize {
        self.segments
            .iter()
            .filter(|s| matches!(s, FieldSegment::Each))
            .count()
    }
}

fn shape_of(segments: &[FieldSegment]) -> String {
    {
        let mut out = String::new();
        for segment in segments {
            match segment {
                FieldSegment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                FieldSegment::Index(_) | FieldSegment::Each => out.push_str("[]"),
            }
        }
        out
    }
}

#[derive(Debug, Clone)]
enum Source {
    /// Nothing (the chain makes the value, e.g. `concat` or `default`).
    Nothing,
    Attribute(Lookup),
    Constant(Value),
    Template(Template),
    Rules(Vec<SmartRule>),
}

#[derive(Debug, Clone)]
struct Step {
    transform: Transform,
    path: String,
}

#[derive(Debug, Clone)]
struct SmartRule {
    when: Option<Condition>,
    source: Source,
    chain: Vec<Step>,
    path: String,
}

#[derive(Debug, Clone)]
enum Kind {
    Map { source: Source, chain: Vec<Step> },
    Skip,
    Empty,
}

#[derive(Debug, Clone)]
struct Rule {
    field: FieldPath,
    path: String,
    kind: Kind,
    required: bool,
}

/// A compiled mapping: `Send + Sync`, reusable for any number of records.
#[derive(Debug, Clone)]
pub struct Mapping {
    key: Lookup,
    locale: Locale,
    rules: Arc<Vec<Rule>>,
    target: Option<String>,
    schema: Option<Arc<FieldRules>>,
    /// The document it was compiled from, to compile it again against another schema.
    document: Arc<Json>,
    channel: Option<String>,
    schema_name: Option<String>,
}

/// One target field of a mapped record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MappedField<'a> {
    /// The target field path: as written in the document, or, when the mapping was compiled
    /// with a schema, its canonical form (`price_incl` for a rule that writes `price`).
    pub field: &'a str,
    /// The path of the rule that wrote it.
    pub rule: &'a str,
    /// The value ([`Value::Empty`] for `empty: true`).
    pub value: &'a Value,
    path: &'a FieldPath,
}

impl<'a> MappedField<'a> {
    /// The target field path, parsed.
    pub fn path(&self) -> &'a FieldPath {
        self.path
    }
}

/// A mapped record: its key and its fields in rule order.
#[derive(Debug, Clone)]
pub struct MappedRecord {
    /// The record's key attribute (missing when the record has none).
    pub key: Value,
    rules: Arc<Vec<Rule>>,
    /// (rule index, value) of every field written.
    values: Vec<(u32, Value)>,
}

impl PartialEq for MappedRecord {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.fields().eq(other.fields())
    }
}

impl MappedRecord {
    /// The fields written (skipped and missing ones are not here), in rule order.
    pub fn fields(&self) -> impl Iterator<Item = MappedField<'_>> + '_ {
        self.values.iter().map(|(index, value)| {
            let rule = &self.rules[*index as usize];
            MappedField {
                field: &rule.field.text,
                rule: &rule.path,
                value,
                path: &rule.field,
            }
        })
    }

    /// How many fields were written.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no field was written.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value of a field, by path as [`MappedField::field`] gives it (canonical when the
    /// mapping was compiled with a schema).
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.fields().find(|f| f.field == field).map(|f| f.value)
    }

    /// The fields nested by path (`images[0].src` -> `{"images": [{"src": ...}]}`), ready to
    /// encode; numbers keep their decimal digits.
    pub fn nested(&self) -> Nested {
        let mut root = Nested::Object(Vec::new());
        for field in self.fields() {
            insert(&mut root, &field.path.segments, field.value.clone());
        }
        root
    }
}

/// Fields nested by their paths, in the order they were written.
#[derive(Debug, Clone, PartialEq)]
pub enum Nested {
    /// A value.
    Leaf(Value),
    /// An object, keys in order.
    Object(Vec<(String, Nested)>),
    /// A list; holes (indices never written) are `null`.
    List(Vec<Option<Nested>>),
}

impl Nested {
    /// As JSON (numbers through their text).
    pub fn to_json(&self) -> Json {
        match self {
            Nested::Leaf(v) => v.to_json(),
            Nested::Object(entries) => Json::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
            Nested::List(items) => Json::Array(
                items
                    .iter()
                    .map(|i| i.as_ref().map_or(Json::Null, Nested::to_json))
                    .collect(),
            ),
        }
    }
}

impl Serialize for Nested {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Nested::Leaf(v) => v.serialize(s),
            Nested::Object(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Nested::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
        }
    }
}

fn insert(node: &mut Nested, path: &[FieldSegment], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        *node = Nested::Leaf(value);
        return;
    };
    match first {
        FieldSegment::Key(key) => {
            if !matches!(node, Nested::Object(_)) {
                *node = Nested::Object(Vec::new());
            }
            let Nested::Object(entries) = node else {
                unreachable!()
            };
            let index = match entries.iter().position(|(k, _)| k == key) {
                Some(i) => i,
                None => {
                    entries.push((key.clone(), Nested::Object(Vec::new())));
                    entries.len() - 1
                }
            };
            insert(&mut entries[index].1, rest, value);
        }
        FieldSegment::Index(i) => {
            let slot = list_slot(node, *i);
            insert(slot, rest, value);
        }
        FieldSegment::Each => match value {
            Value::List(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    insert(list_slot(node, i), rest, item);
                }
            }
            one => insert(list_slot(node, 0), rest, one),
        },
    }
}

fn list_slot(node: &mut Nested, index: usize) -> &mut Nested {
    if !matches!(node, Nested::List(_)) {
        *node = Nested::List(Vec::new());
    }
    let Nested::List(items) = node else {
        unreachable!()
    };
    if items.len() <= index {
        items.resize(index + 1, None);
    }
    items[index].get_or_insert_with(|| Nested::Object(Vec::new()))
}

/// Applying a mapping to one record: the mapped record, or every error of the record.
pub type Outcome = Result<MappedRecord, Vec<RecordError>>;

impl Mapping {
    /// Compiles a JSON document (a shortcut for [`Document::from_json`] then
    /// [`Document::compile`]).
    pub fn from_json(text: &str, options: &Options<'_>) -> Result<Self, CompileErrors> {
        Document::from_json(text)?.compile(options)
    }

    /// Compiles a TOML document.
    pub fn from_toml(text: &str, options: &Options<'_>) -> Result<Self, CompileErrors> {
        Document::from_toml(text)?.compile(options)
    }

    /// The document's `target` (`ecom.product`...), if it names one.
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// The key attribute (`sku` unless the document says otherwise).
    pub fn key_attribute(&self) -> &str {
        self.key.name()
    }

    /// The name of the schema the mapping was compiled with (`ecom.product`), if any.
    pub fn schema_name(&self) -> Option<&str> {
        self.schema_name.as_deref()
    }

    /// Compiles the same document, for the same channel, against `schema`: how code that owns
    /// a target (the sync) checks a mapping its caller compiled without that target's schema,
    /// or with another one.
    pub fn with_schema(&self, schema: &dyn TargetSchema) -> Result<Mapping, CompileErrors> {
        compile(
            &self.document,
            &Options {
                channel: self.channel.as_deref(),
                schema: Some(schema),
            },
        )
    }

    /// The target fields the mapping can write, in rule order (canonical when compiled with
    /// a schema).
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.field.as_str())
    }

    /// The record's key.
    pub fn key_of(&self, record: &Json) -> Value {
        self.key.get(record)
    }

    /// Maps one record. Errors never stop the other fields: every error of the record is
    /// returned, each with its field, rule path and a message naming the value.
    pub fn apply(&self, record: &Json) -> Outcome {
        let mut values = Vec::with_capacity(self.rules.len());
        let mut errors = Vec::new();
        if !record.is_object() {
            return Err(vec![RecordError {
                field: String::new(),
                rule: ".".into(),
                message: format!(
                    "a source record must be a JSON object, found {}",
                    kind_of(record)
                ),
            }]);
        }
        for (index, rule) in self.rules.iter().enumerate() {
            match self.run(rule, record, None) {
                Ok(Value::Missing) => {
                    if rule.required {
                        errors.push(RecordError {
                            field: rule.field.text.clone(),
                            rule: rule.path.clone(),
                            message: missing_message(rule),
                        });
                    }
                }
                Ok(value) => values.push((index as u32, value)),
                Err(error) => errors.push(error),
            }
        }
        if let Some(schema) = &self.schema {
            errors.extend(schema.validate(values.iter_mut().map(|(index, value)| {
                let rule = &self.rules[*index as usize];
                Written {
                    field: &rule.field,
                    rule: &rule.path,
                    value,
                }
            })));
        }
        let mapped = MappedRecord {
            key: self.key.get(record),
            rules: self.rules.clone(),
            values,
        };
        if errors.is_empty() {
            Ok(mapped)
        } else {
            Err(errors)
        }
    }

    /// Explains one record: per target field, the source value, every intermediate value of
    /// the chain, and the final value (or the error, or why nothing is written).
    pub fn preview(&self, record: &Json) -> Preview {
        let mut fields = Vec::with_capacity(self.rules.len());
        for rule in self.rules.iter() {
            let mut trace = Trace::default();
            let result = self.run(rule, record, Some(&mut trace));
            let outcome = match (&rule.kind, result) {
                (Kind::Skip, _) => PreviewOutcome::Skipped,
                (_, Ok(Value::Missing)) if rule.required => PreviewOutcome::Error {
                    message: missing_message(rule),
                },
                (_, Ok(Value::Missing)) => PreviewOutcome::Missing,
                (_, Ok(value)) => PreviewOutcome::Value {
                    value: value.to_json(),
                },
                (_, Err(error)) => PreviewOutcome::Error {
                    message: error.message,
                },
            };
            fields.push(FieldPreview {
                field: rule.field.text.clone(),
                rule: trace.rule.unwrap_or_else(|| rule.path.clone()),
                source: trace.source.map(|v| v.to_json()),
                steps: trace.steps,
                outcome,
            });
        }
        Preview {
            key: self.key.get(record).to_json(),
            fields,
        }
    }

    fn run(
        &self,
        rule: &Rule,
        record: &Json,
        mut trace: Option<&mut Trace>,
    ) -> Result<Value, RecordError> {
        let (source, chain, path) = match &rule.kind {
            Kind::Skip => return Ok(Value::Missing),
            Kind::Empty => return Ok(Value::Empty),
            Kind::Map { source, chain } => (source, chain, &rule.path),
        };
        let mut path = path.as_str();
        let (value, extra_chain) = match source {
            Source::Rules(smart) => {
                let chosen = smart.iter().find(|r| {
                    r.when
                        .as_ref()
                        .is_none_or(|c| c.holds(record, &self.locale))
                });
                match chosen {
                    None => (Value::Missing, None),
                    Some(chosen) => {
                        path = &chosen.path;
                        (
                            self.source_value(&chosen.source, record),
                            Some(&chosen.chain),
                        )
                    }
                }
            }
            other => (self.source_value(other, record), None),
        };
        if let Some(trace) = trace.as_deref_mut() {
            trace.source = Some(value.clone());
            trace.rule = Some(path.to_owned());
        }
        let mut value = value;
        for step in extra_chain.into_iter().flatten().chain(chain.iter()) {
            match step.transform.apply(value, record, &self.locale) {
                Ok(next) => {
                    if let Some(trace) = trace.as_deref_mut() {
                        trace.steps.push(StepPreview {
                            transformation: step.transform.name().into(),
                            rule: step.path.clone(),
                            value: next.to_json(),
                        });
                    }
                    value = next;
                }
                Err(message) => {
                    return Err(RecordError {
                        field: rule.field.text.clone(),
                        rule: step.path.clone(),
                        message,
                    });
                }
            }
        }
        Ok(value)
    }

    fn source_value(&self, source: &Source, record: &Json) -> Value {
        match source {
            Source::Nothing | Source::Rules(_) => Value::Missing,
            Source::Attribute(lookup) => lookup.get(record),
            Source::Constant(value) => value.clone(),
            Source::Template(template) => template.render(record),
        }
    }
}

fn missing_message(rule: &Rule) -> String {
    match &rule.kind {
        Kind::Map {
            source: Source::Attribute(lookup),
            ..
        } => format!("required, but the attribute `{}` is missing", lookup.name()),
        _ => "required, but no value was found".into(),
    }
}

fn kind_of(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

#[derive(Default)]
struct Trace {
    source: Option<Value>,
    rule: Option<String>,
    steps: Vec<StepPreview>,
}

/// A preview of one record (see [`Mapping::preview`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    /// The record's key.
    pub key: Json,
    /// Every rule's field, in order.
    pub fields: Vec<FieldPreview>,
}

impl Preview {
    /// The preview for people: the record's key, then per target field its rule, the source
    /// value, each transformation with the value it gave, and the outcome (`=> value`,
    /// `=> not written: ...`, `=> error: ...`).
    ///
    /// ```text
    /// key "LW-001"
    /// price  (product_mappings[1])
    ///   source "1.074,37"
    ///   parse_number (product_mappings[1].transformations[0]): 1074.37
    ///   => 1074.37
    /// ```
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut out = format!("key {}\n", self.key);
        for field in &self.fields {
            let _ = writeln!(out, "{}  ({})", field.field, field.rule);
            match &field.source {
                Some(source) if !source.is_null() => {
                    let _ = writeln!(out, "  source {source}");
                }
                _ => out.push_str("  source (none)\n"),
            }
            for step in &field.steps {
                let _ = writeln!(
                    out,
                    "  {} ({}): {}",
                    step.transformation, step.rule, step.value
                );
            }
            let _ = match &field.outcome {
                PreviewOutcome::Value { value } if value.is_null() => {
                    writeln!(out, "  => (empty)")
                }
                PreviewOutcome::Value { value } => writeln!(out, "  => {value}"),
                PreviewOutcome::Missing => writeln!(out, "  => not written: no value"),
                PreviewOutcome::Skipped => writeln!(out, "  => not written: the rule skips it"),
                PreviewOutcome::Error { message } => writeln!(out, "  => error: {message}"),
            };
        }
        out
    }
}

/// How one target field was made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldPreview {
    /// The target field.
    pub field: String,
    /// The rule (for smart rules, the rule that was chosen).
    pub rule: String,
    /// The value before any transformation (`null` when missing).
    pub source: Option<Json>,
    /// Each transformation and the value it gave.
    pub steps: Vec<StepPreview>,
    /// The result.
    pub outcome: PreviewOutcome,
}

/// One transformation of a preview.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepPreview {
    /// The transformation's type.
    pub transformation: String,
    /// Its path in the document.
    pub rule: String,
    /// The value it gave.
    pub value: Json,
}

/// The end of a field's preview.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PreviewOutcome {
    /// Written with this value.
    Value {
        /// The value.
        value: Json,
    },
    /// Not written: no value.
    Missing,
    /// Not written: `skip`.
    Skipped,
    /// The record fails here.
    Error {
        /// Why.
        message: String,
    },
}

// ---------------------------------------------------------------------------------------------
// Compiling.

struct Compiler {
    errors: Vec<CompileError>,
    locale: Locale,
    sets: HashMap<String, Arc<LookupTable>>,
}

fn compile(document: &Arc<Json>, options: &Options<'_>) -> Result<Mapping, CompileErrors> {
    let root: &Json = document;
    let mut c = Compiler {
        errors: Vec::new(),
        locale: Locale::default(),
        sets: HashMap::new(),
    };
    let Some(doc) = root.as_object() else {
        return Err(CompileErrors {
            errors: vec![CompileError::at(
                ".",
                format!("a mapping document is an object, found {}", kind_of(root)),
            )],
        });
    };
    for key in doc.keys() {
        if !DOCUMENT_KEYS.contains(&key.as_str()) {
            // An empty key has no path of its own: the document holds it.
            let path = if key.is_empty() { "." } else { key.as_str() };
            c.errors
                .push(CompileError::at(path, format!("unknown key `{key}`")));
        }
    }
    if let Some(version) = doc.get("version")
        && version.as_u64() != Some(1)
    {
        c.errors.push(CompileError::at(
            "version",
            format!("unsupported version {version}: this engine reads version 1"),
        ));
    }
    let target = match doc.get("target") {
        None => None,
        Some(Json::String(t)) => Some(t.clone()),
        Some(other) => {
            c.errors.push(CompileError::at(
                "target",
                format!("`target` must be text, found {other}"),
            ));
            None
        }
    };
    if let (Some(schema), Some(target)) = (options.schema, &target)
        && target != schema.name()
    {
        let mut message = format!("`{target}` is not this schema's target `{}`", schema.name());
        if let Some(close) = closest(target, [schema.name()]) {
            message.push_str(&format!("; did you mean `{close}`?"));
        }
        c.errors.push(CompileError::at("target", message));
    }
    let key = match doc.get("key") {
        None => Lookup::new("sku"),
        Some(Json::String(k)) if !k.is_empty() => Lookup::new(k),
        Some(other) => {
            c.errors.push(CompileError::at(
                "key",
                format!("`key` must be an attribute name, found {other}"),
            ));
            Lookup::new("sku")
        }
    };
    if let Some(locale) = doc.get("source_locale") {
        c.read_locale(locale);
    }
    if let Some(sets) = doc.get("mapping_sets") {
        c.read_sets(sets);
    }
    if !LISTS.iter().any(|l| doc.contains_key(*l)) {
        c.errors.push(CompileError::at(
            ".",
            "no mapping list: give `product_mappings` (or `variant_mappings`, `media_mappings`)",
        ));
    }
    let mut rules = Vec::new();
    for list in LISTS {
        if let Some(json) = doc.get(*list) {
            rules.extend(c.read_list(json, list));
        }
    }
    // With a schema, every rule's field is checked and made canonical (`price` ->
    // `price_incl`), so that a channel's override of an alias replaces the rule of its field.
    if let Some(schema) = options.schema {
        c.canonicalise(&mut rules, schema);
    }
    // Channels: every one is validated; the chosen one's rules replace base rules of the same
    // target field and add the others.
    let mut chosen = None;
    match doc.get("channels") {
        None => {}
        Some(Json::Object(channels)) => {
            for (name, channel) in channels {
                let mut overrides = c.read_channel(name, channel);
                if let Some(schema) = options.schema {
                    c.canonicalise(&mut overrides, schema);
                }
                if options.channel == Some(name.as_str()) {
                    chosen = Some(overrides);
                }
            }
        }
        Some(other) => c.errors.push(CompileError::at(
            "channels",
            format!("`channels` must be an object, found {other}"),
        )),
    }
    if let Some(name) = options.channel
        && chosen.is_none()
        && doc.get("channels").is_none_or(|ch| ch.get(name).is_none())
    {
        c.errors.push(CompileError::at(
            format!("channels.{name}"),
            format!("unknown channel `{name}`"),
        ));
    }
    for overriding in chosen.unwrap_or_default() {
        match rules
            .iter()
            .position(|r: &Rule| r.field.text == overriding.field.text)
        {
            Some(i) => rules[i] = overriding,
            None => rules.push(overriding),
        }
    }
    if !c.errors.is_empty() {
        return Err(CompileErrors { errors: c.errors });
    }
    Ok(Mapping {
        key,
        locale: c.locale,
        rules: Arc::new(rules),
        target,
        schema: options
            .schema
            .map(|schema| Arc::new(FieldRules::from_schema(schema))),
        document: document.clone(),
        channel: options.channel.map(str::to_owned),
        schema_name: options.schema.map(|schema| schema.name().to_owned()),
    })
}

impl Compiler {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(CompileError::at(path, message));
    }

    /// Checks every rule's field against the schema and rewrites it to its canonical form;
    /// an error names the rule (`product_mappings[2].lightspeed_field`).
    fn canonicalise(&mut self, rules: &mut [Rule], schema: &dyn TargetSchema) {
        for rule in rules {
            let here = format!("{}.lightspeed_field", rule.path);
            match schema.canonical_field(rule.field.as_str()) {
                Ok(canonical) if canonical != rule.field.as_str() => {
                    match FieldPath::parse(&canonical) {
                        Ok(field) => rule.field = field,
                        Err(message) => self.error(
                            here,
                            format!("{} names `{canonical}`: {message}", schema.name()),
                        ),
                    }
                }
                Ok(_) => {}
                Err(message) => self.error(here, message),
            }
        }
    }

    fn read_locale(&mut self, json: &Json) {
        let Some(map) = json.as_object() else {
            self.error(
                "source_locale",
                format!("`source_locale` must be an object, found {json}"),
            );
            return;
        };
        for (key, value) in map {
            let text = value.as_str().map(str::to_owned);
            match (key.as_str(), text) {
                ("decimal_separator", Some(t)) if !t.is_empty() => {
                    self.locale.decimal_separator = t
                }
                ("thousands_separator", Some(t)) => self.locale.thousands_separator = t,
                ("decimal_separator" | "thousands_separator", _) => self.error(
                    format!("source_locale.{key}"),
                    format!("`{key}` must be text, found {value}"),
                ),
                _ => self.error(
                    format!("source_locale.{key}"),
                    format!("unknown key `{key}`"),
                ),
            }
        }
    }

    fn read_sets(&mut self, json: &Json) {
        let Some(map) = json.as_object() else {
            self.error(
                "mapping_sets",
                format!("`mapping_sets` must be an object, found {json}"),
            );
            return;
        };
        for (name, set) in map {
            let path = format!("mapping_sets.{name}");
            let Some(set) = set.as_object() else {
                self.error(path, "a mapping set must be an object with `entries`");
                continue;
            };
            for key in set.keys() {
                if key != "entries" && key != "no_match" {
                    self.error(format!("{path}.{key}"), format!("unknown key `{key}`"));
                }
            }
            let table = table_from_json(set, &path, &mut self.errors);
            self.sets.insert(name.clone(), Arc::new(table));
        }
    }

    fn read_channel(&mut self, name: &str, json: &Json) -> Vec<Rule> {
        let path = format!("channels.{name}");
        let Some(map) = json.as_object() else {
            self.error(path, "a channel must be an object of mapping lists");
            return Vec::new();
        };
        let mut rules = Vec::new();
        for (key, list) in map {
            if LISTS.contains(&key.as_str()) {
                rules.extend(self.read_list(list, &format!("{path}.{key}")));
            } else {
                self.error(format!("{path}.{key}"), format!("unknown key `{key}`"));
            }
        }
        rules
    }

    fn read_list(&mut self, json: &Json, path: &str) -> Vec<Rule> {
        let Some(items) = json.as_array() else {
            self.error(
                path,
                format!("`{path}` must be a list of rules, found {json}"),
            );
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, rule)| self.read_rule(rule, &format!("{path}[{i}]")))
            .collect()
    }

    fn read_rule(&mut self, json: &Json, path: &str) -> Option<Rule> {
        let Some(map) = json.as_object() else {
            self.error(path, format!("a rule must be an object, found {json}"));
            return None;
        };
        for key in map.keys() {
            if !RULE_KEYS.contains(&key.as_str()) {
                self.error(format!("{path}.{key}"), format!("unknown key `{key}`"));
            }
        }
        let field = match map.get("lightspeed_field") {
            Some(Json::String(f)) => match FieldPath::parse(f) {
                Ok(field) => Some(field),
                Err(message) => {
                    self.error(format!("{path}.lightspeed_field"), message);
                    None
                }
            },
            Some(other) => {
                self.error(
                    format!("{path}.lightspeed_field"),
                    format!("`lightspeed_field` must be text, found {other}"),
                );
                None
            }
            None => {
                self.error(
                    format!("{path}.lightspeed_field"),
                    "missing `lightspeed_field`",
                );
                None
            }
        };
        let required = match map.get("required") {
            None => false,
            Some(Json::Bool(b)) => *b,
            Some(other) => {
                self.error(
                    format!("{path}.required"),
                    format!("`required` must be true or false, found {other}"),
                );
                false
            }
        };
        let flag = |c: &mut Self, key: &str| -> bool {
            match map.get(key) {
                None => false,
                Some(Json::Bool(b)) => *b,
                Some(other) => {
                    c.error(
                        format!("{path}.{key}"),
                        format!("`{key}` must be true or false, found {other}"),
                    );
                    false
                }
            }
        };
        let skip = flag(self, "skip");
        let empty = flag(self, "empty");
        let sources: Vec<&str> = ["pim_attribute", "value", "template", "rules"]
            .into_iter()
            .filter(|k| map.contains_key(*k))
            .collect();
        let chain = self.read_chain(map, path);
        let kind = if skip || empty {
            if skip && empty {
                self.error(path, "a rule cannot both `skip` and set `empty`");
            }
            if let Some(other) = sources.first() {
                self.error(
                    format!("{path}.{other}"),
                    format!(
                        "a rule that {} takes no `{other}`",
                        if skip { "skips" } else { "sets empty" }
                    ),
                );
            }
            if skip { Kind::Skip } else { Kind::Empty }
        } else {
            if sources.len() > 1 {
                self.error(path, format!("a rule takes one of `pim_attribute`, `value`, `template`, `rules`; found {}", sources.join(", ")));
            }
            let source = match sources.first().copied() {
                Some("rules") => {
                    Source::Rules(self.read_smart_rules(&map["rules"], &format!("{path}.rules")))
                }
                Some(other) => self.read_source(map, other, path)?,
                None => {
                    if chain.as_ref().is_none_or(|c| c.is_empty()) {
                        self.error(path, "a rule needs `pim_attribute`, `value`, `template`, `rules`, `skip` or `empty`");
                    }
                    Source::Nothing
                }
            };
            Kind::Map {
                source,
                chain: chain.clone().unwrap_or_default(),
            }
        };
        if matches!(kind, Kind::Skip | Kind::Empty) && chain.as_ref().is_some_and(|c| !c.is_empty())
        {
            self.error(
                path,
                "a rule that skips or sets empty takes no transformation",
            );
        }
        Some(Rule {
            field: field?,
            path: path.to_owned(),
            kind,
            required,
        })
    }

    fn read_source(&mut self, map: &Map<String, Json>, key: &str, path: &str) -> Option<Source> {
        let json = &map[key];
        Some(match key {
            "pim_attribute" => match json.as_str() {
                Some(a) if !a.is_empty() => Source::Attribute(Lookup::new(a)),
                _ => {
                    self.error(
                        format!("{path}.pim_attribute"),
                        format!("`pim_attribute` must be an attribute name, found {json}"),
                    );
                    return None;
                }
            },
            "value" => Source::Constant(Value::from_json(json)),
            "template" => match json.as_str().map(Template::parse) {
                Some(Ok(t)) => Source::Template(t),
                Some(Err(message)) => {
                    self.error(format!("{path}.template"), message);
                    return None;
                }
                None => {
                    self.error(
                        format!("{path}.template"),
                        format!("`template` must be text, found {json}"),
                    );
                    return None;
                }
            },
            _ => unreachable!("only called for sources"),
        })
    }

    fn read_smart_rules(&mut self, json: &Json, path: &str) -> Vec<SmartRule> {
        let Some(items) = json.as_array() else {
            self.error(path, format!("`rules` must be a list, found {json}"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let here = format!("{path}[{i}]");
            let Some(map) = item.as_object() else {
                self.error(
                    &here,
                    format!("a smart rule must be an object, found {item}"),
                );
                continue;
            };
            for key in map.keys() {
                if !SMART_RULE_KEYS.contains(&key.as_str()) {
                    self.error(format!("{here}.{key}"), format!("unknown key `{key}`"));
                }
            }
            let when = match (map.get("when"), map.get("otherwise")) {
                (Some(c), None) => {
                    Condition::compile(c, &format!("{here}.when"), &mut self.errors).map(Some)
                }
                (None, Some(Json::Bool(true))) => Some(None),
                (None, Some(other)) => {
                    self.error(
                        format!("{here}.otherwise"),
                        format!("`otherwise` must be true, found {other}"),
                    );
                    None
                }
                (Some(_), Some(_)) => {
                    self.error(&here, "a smart rule has `when` or `otherwise`, not both");
                    None
                }
                (None, None) => {
                    self.error(
                        &here,
                        "a smart rule needs `when` (a condition) or `otherwise: true`",
                    );
                    None
                }
            };
            let sources: Vec<&str> = ["pim_attribute", "value", "template"]
                .into_iter()
                .filter(|k| map.contains_key(*k))
                .collect();
            let chain = self.read_chain(map, &here).unwrap_or_default();
            let source = match sources.as_slice() {
                [one] => self.read_source(map, one, &here),
                [] if !chain.is_empty() => Some(Source::Nothing),
                [] => {
                    self.error(
                        &here,
                        "a smart rule gives `value`, `pim_attribute` or `template`",
                    );
                    None
                }
                _ => {
                    self.error(&here, format!("a smart rule gives one of `value`, `pim_attribute`, `template`; found {}", sources.join(", ")));
                    None
                }
            };
            if let (Some(when), Some(source)) = (when, source) {
                out.push(SmartRule {
                    when,
                    source,
                    chain,
                    path: here,
                });
            }
        }
        out
    }

    /// `transformation` (one) or `transformations` (a chain); `None` when neither is given.
    fn read_chain(&mut self, map: &Map<String, Json>, path: &str) -> Option<Vec<Step>> {
        match (map.get("transformation"), map.get("transformations")) {
            (Some(_), Some(_)) => {
                self.error(path, "give `transformation` or `transformations`, not both");
                None
            }
            (Some(one), None) => Some(
                self.read_transform(one, &format!("{path}.transformation"))
                    .into_iter()
                    .collect(),
            ),
            (None, Some(Json::Array(items))) => Some(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, t)| {
                        self.read_transform(t, &format!("{path}.transformations[{i}]"))
                    })
                    .collect(),
            ),
            (None, Some(other)) => {
                self.error(
                    format!("{path}.transformations"),
                    format!("`transformations` must be a list, found {other}"),
                );
                None
            }
            (None, None) => None,
        }
    }

    fn read_transform(&mut self, json: &Json, path: &str) -> Option<Step> {
        // Shorthand: `"transformation": "strip_html"` is `{"type": "strip_html"}`.
        let shorthand;
        let map = match json {
            Json::String(kind) => {
                let mut map = Map::new();
                map.insert("type".into(), Json::String(kind.clone()));
                shorthand = map;
                &shorthand
            }
            Json::Object(map) => map,
            other => {
                self.error(
                    path,
                    format!("a transformation must be an object with `type`, found {other}"),
                );
                return None;
            }
        };
        let Some(kind) = map.get("type").and_then(Json::as_str) else {
            self.error(format!("{path}.type"), "missing `type`");
            return None;
        };
        if !transform::TYPES.contains(&kind) {
            self.error(path, format!("unknown transformation type `{kind}`"));
            return None;
        }
        // Parameters under `parameters`, or written inline beside `type`.
        let inline: Map<String, Json> = map
            .iter()
            .filter(|(k, _)| k.as_str() != "type" && k.as_str() != "parameters")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let (params_json, params_path) = match map.get("parameters") {
            None if inline.is_empty() => (None, format!("{path}.parameters")),
            None => (Some(&inline), path.to_owned()),
            Some(Json::Object(p)) => {
                for key in inline.keys() {
                    self.error(format!("{path}.{key}"), format!("unknown key `{key}`"));
                }
                (Some(p), format!("{path}.parameters"))
            }
            Some(other) => {
                self.error(
                    format!("{path}.parameters"),
                    format!("`parameters` must be an object, found {other}"),
                );
                return None;
            }
        };
        let mut params = Params::new(params_json, params_path);
        let context = Context {
            locale: &self.locale,
            sets: &self.sets,
        };
        let compiled = transform::compile(kind, &mut params, &context);
        let errors = params.finish();
        let failed = !errors.is_empty();
        self.errors.extend(errors);
        if failed {
            return None;
        }
        compiled.map(|transform| Step {
            transform,
            path: path.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn mapping(doc: Json) -> Mapping {
        Document {
            root: Arc::new(doc),
        }
        .compile(&Options::default())
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn errors(doc: Json) -> CompileErrors {
        Document {
            root: Arc::new(doc),
        }
        .compile(&Options::default())
        .unwrap_err()
    }

    #[test]
    fn fields_nest_by_path() {
        let m = mapping(json!({"product_mappings": [
            {"pim_attribute": "name", "lightspeed_field": "title"},
            {"pim_attribute": "img", "lightspeed_field": "images[0].src"},
            {"pim_attribute": "img2", "lightspeed_field": "images[1].src"},
            {"pim_attribute": "skus", "lightspeed_field": "variants[].sku"},
            {"lightspeed_field": "content", "empty": true},
            {"lightspeed_field": "url", "skip": true}
        ]}));
        let out = m
            .apply(&json!({"name": "Watch", "img": "a.jpg", "img2": "b.jpg", "skus": ["S1", "S2"]}))
            .unwrap();
        assert_eq!(
            serde_json::to_value(out.nested()).unwrap(),
            json!({"title": "Watch", "images": [{"src": "a.jpg"}, {"src": "b.jpg"}],
                   "variants": [{"sku": "S1"}, {"sku": "S2"}], "content": null})
        );
    }

    #[test]
    fn compile_errors_carry_paths() {
        let e = errors(json!({
            "product_mappings": [
                {"pim_attribute": "a", "lightspeed_field": "b"},
                {"pim_attribute": "a", "lightspeed_field": "b", "transfomation": {}},
                {"pim_attribute": "a", "lightspeed_field": "b", "transformations": [{"type": "trim"}, {"type": "explode"}]},
                {"pim_attribute": "a", "lightspeed_field": "w", "transformation": {"type": "convert_unit", "parameters": {"from": "kg", "to": "cm"}}},
                {"pim_attribute": "a", "lightspeed_field": "x", "transformation": {"type": "regex_replace", "parameters": {"pattern": "(", "with": ""}}},
                {"pim_attribute": "a", "lightspeed_field": "y", "transformation": {"type": "lookup", "parameters": {"set": "nope"}}},
                {"pim_attribute": "a", "lightspeed_field": "z", "transformation": {"type": "multiply"}}
            ],
            "extra": 1
        }));
        for path in [
            "product_mappings[1].transfomation",
            "product_mappings[2].transformations[1]",
            "product_mappings[3].transformation.parameters.to",
            "product_mappings[4].transformation.parameters.pattern",
            "product_mappings[5].transformation.parameters.set",
            "product_mappings[6].transformation.parameters.by",
            "extra",
        ] {
            assert!(e.has_path(path), "no error at {path}: {e}");
        }
    }

    #[test]
    fn an_empty_key_given_twice_is_reported_at_the_document() {
        // Found by the mapping_json fuzz target: the error had an empty path.
        let e = Mapping::from_json("{\n  \"\": 1,\n  \"\": 1\n}", &Options::default()).unwrap_err();
        let twice = &e.errors[0];
        assert_eq!(twice.path, ".");
        assert_eq!(twice.line, Some(3));
        assert!(twice.message.contains("given twice"), "{twice}");
    }

    #[test]
    fn an_empty_unknown_key_is_reported_at_the_document() {
        // Found by the mapping_json fuzz target: the error had an empty path.
        let e = Mapping::from_json(r#"{"key": "sku", "": 1}"#, &Options::default()).unwrap_err();
        let unknown = e
            .errors
            .iter()
            .find(|e| e.message == "unknown key ``")
            .unwrap();
        assert_eq!(unknown.to_string(), ".: unknown key ``");
    }

    #[test]
    fn json_syntax_errors_have_line_and_column() {
        let e = Document::from_json("{\n  \"product_mappings\": [\n    {\"a\": 1,}\n  ]\n}")
            .unwrap_err();
        assert_eq!(e.errors[0].line, Some(3));
        assert!(e.errors[0].column.is_some());
    }
}

#[cfg(test)]
mod schema_tests {
    use serde_json::json;

    use super::*;
    use crate::schema::{FieldSpec, FieldType};

    struct Shop;

    impl TargetSchema for Shop {
        fn name(&self) -> &str {
            "shop.product"
        }

        fn fields(&self) -> Vec<FieldSpec> {
            vec![
                FieldSpec::new("title", FieldType::Text).translatable(),
                FieldSpec::new("description", FieldType::Text)
                    .translatable()
                    .alias("summary"),
                FieldSpec::new("price_incl", FieldType::Number).alias("price"),
                FieldSpec::new("variants[].price_incl", FieldType::Number)
                    .alias("variants[].price"),
            ]
        }
    }

    fn with<'a>(schema: &'a dyn TargetSchema, channel: Option<&'a str>) -> Options<'a> {
        Options {
            channel,
            schema: Some(schema),
        }
    }

    #[test]
    fn rules_write_canonical_fields_and_channels_override_by_canonical_field() {
        let doc = json!({"target": "shop.product", "product_mappings": [
            {"pim_attribute": "name", "lightspeed_field": "title"},
            {"pim_attribute": "price", "lightspeed_field": "price_incl"},
            {"pim_attribute": "summary_en", "lightspeed_field": "summary@en"},
            {"pim_attribute": "prices", "lightspeed_field": "variants[0].price"}
        ], "channels": {"web": {"product_mappings": [
            {"pim_attribute": "web_price", "lightspeed_field": "price"}
        ]}}})
        .to_string();
        let mapping = Mapping::from_json(&doc, &with(&Shop, Some("web"))).unwrap();
        assert_eq!(
            mapping.fields().collect::<Vec<_>>(),
            [
                "title",
                "price_incl",
                "description@en",
                "variants[0].price_incl"
            ]
        );
        let record = json!({"name": "W", "price": 1, "web_price": "2", "summary_en": "S",
                            "prices": 3});
        let mapped = mapping.apply(&record).unwrap();
        assert_eq!(mapped.get("price_incl"), Some(&Value::Number(2.into())));
        assert_eq!(
            mapped.nested().to_json(),
            json!({"title": "W", "price_incl": 2, "description@en": "S",
                   "variants": [{"price_incl": 3}]})
        );
        let field = mapped.fields().nth(1).unwrap();
        assert_eq!(
            (field.field, field.rule),
            ("price_incl", "channels.web.product_mappings[0]")
        );

        // Without a schema, fields stay as written and the override adds a field.
        let plain = Mapping::from_json(
            &doc,
            &Options {
                channel: Some("web"),
                schema: None,
            },
        )
        .unwrap();
        assert_eq!(plain.schema_name(), None);
        assert_eq!(plain.fields().count(), 5);
        // ... until it is compiled again with the schema, for the same channel.
        let again = plain.with_schema(&Shop).unwrap();
        assert_eq!(again.schema_name(), Some("shop.product"));
        assert_eq!(again.fields().count(), 4);
        assert_eq!(again.apply(&record).unwrap(), mapped);
    }

    #[test]
    fn errors_name_the_rule_and_every_channel_is_checked() {
        let doc = json!({"product_mappings": [
            {"pim_attribute": "a", "lightspeed_field": "title"},
            {"pim_attribute": "a", "lightspeed_field": "prise"}
        ], "channels": {"other": {"product_mappings": [
            {"pim_attribute": "a", "lightspeed_field": "titel@en"}
        ]}}})
        .to_string();
        let e = Mapping::from_json(&doc, &with(&Shop, None)).unwrap_err();
        assert_eq!(e.errors.len(), 2, "{e}");
        assert_eq!(e.errors[0].path, "product_mappings[1].lightspeed_field");
        assert!(
            e.errors[0].message.ends_with("did you mean `price`?"),
            "{e}"
        );
        assert_eq!(
            e.errors[1].path,
            "channels.other.product_mappings[0].lightspeed_field"
        );
        assert!(
            e.errors[1].message.ends_with("did you mean `title@en`?"),
            "{e}"
        );
    }

    #[test]
    fn a_document_for_another_target_is_refused() {
        let doc = |target: &str| {
            json!({"target": target, "product_mappings": [
                {"pim_attribute": "a", "lightspeed_field": "title"}
            ]})
            .to_string()
        };
        let e = Mapping::from_json(&doc("shop.prodcut"), &with(&Shop, None)).unwrap_err();
        assert!(e.has_path("target"), "{e}");
        assert_eq!(
            e.errors[0].message,
            "`shop.prodcut` is not this schema's target `shop.product`; did you mean `shop.product`?"
        );
        let e = Mapping::from_json(&doc("pool.item"), &with(&Shop, None)).unwrap_err();
        assert_eq!(
            e.errors[0].message,
            "`pool.item` is not this schema's target `shop.product`"
        );
        // Without a schema, any target is taken at its word.
        let plain = Mapping::from_json(&doc("pool.item"), &Options::default()).unwrap();
        assert_eq!(plain.target(), Some("pool.item"));
        assert!(plain.with_schema(&Shop).unwrap_err().has_path("target"));
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let json = "\u{FEFF}{\"product_mappings\": [{\"pim_attribute\": \"a\", \"lightspeed_field\": \"b\"}]}";
        assert!(Document::from_json(json).is_ok());
        let toml = "\u{FEFF}key = \"id\"\n[[product_mappings]]\npim_attribute = \"a\"\nlightspeed_field = \"b\"\n";
        let mapping = Document::from_toml(toml)
            .unwrap()
            .compile(&Options::default())
            .unwrap();
        assert_eq!(mapping.key_attribute(), "id");

        let dir = std::env::temp_dir().join(format!("bom-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in [("m.json", json), ("m.toml", toml)] {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            let loaded = Document::load(&path);
            assert!(loaded.is_ok(), "{name}: {loaded:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_key_given_twice_is_an_error_with_its_path_and_line() {
        let e = Document::from_json(
            "{\n  \"key\": \"sku\",\n  \"key\": \"id\",\n  \"product_mappings\": []\n}",
        )
        .unwrap_err();
        let error = &e.errors[0];
        assert_eq!((error.path.as_str(), error.line), ("key", Some(3)), "{e}");
        assert!(error.message.contains("`key` is given twice"), "{e}");
        assert!(e.to_string().contains("line 3"), "{e}");

        let e = Document::from_json(
            r#"{"product_mappings": [
                {"pim_attribute": "a", "lightspeed_field": "b"},
                {"pim_attribute": "a", "lightspeed_field": "b",
                 "transformation": {"type": "trim"}, "lightspeed_field": "c"}
            ]}"#,
        )
        .unwrap_err();
        let error = &e.errors[0];
        assert_eq!(error.path, "product_mappings[1].lightspeed_field", "{e}");
        assert_eq!(error.line, Some(4), "{e}");
        assert!(error.message.contains("given twice"), "{e}");

        // The same key in different objects is fine.
        assert!(
            Document::from_json(
                r#"{"product_mappings": [{"lightspeed_field": "a"}, {"lightspeed_field": "b"}]}"#
            )
            .is_ok()
        );

        let e = Document::from_toml("key = \"sku\"\nversion = 1\nkey = \"id\"\n").unwrap_err();
        let error = &e.errors[0];
        assert_eq!(error.line, Some(3), "{e}");
        assert_eq!(error.message, "not valid TOML: duplicate key `key`", "{e}");
        let e = Document::from_toml(
            "[[product_mappings]]\npim_attribute = \"a\"\nlightspeed_field = \"b\"\nlightspeed_field = \"c\"\n",
        )
        .unwrap_err();
        assert_eq!(e.errors[0].line, Some(4), "{e}");
        assert!(e.errors[0].message.ends_with("`lightspeed_field`"), "{e}");
    }
}
