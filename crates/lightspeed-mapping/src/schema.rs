//! Target schemas: what fields a target has, of what type, which are required, how long they
//! may be, which values they allow, which other names they answer to and what part of the
//! target record they are. A mapping compiled with one is checked against it (unknown target
//! fields are compile errors, aliases are rewritten to their canonical names) and every result
//! is validated and normalised with it (a number written as text becomes a number).

use std::collections::HashMap;

use serde::Deserialize;

use crate::error::{CompileError, CompileErrors, RecordError};
use crate::mapping::FieldPath;
use crate::value::{Value, number_from_text};

/// The type of a target field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Text.
    Text,
    /// A number.
    Number,
    /// True or false.
    Boolean,
    /// A list.
    List,
    /// An object.
    Object,
    /// Anything.
    Any,
}

/// What part of the target record a field is: how the code that sends mapped records (the
/// sync) turns it into the target's records and calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldRole {
    /// A field of the record itself (a product's `title`).
    #[default]
    Record,
    /// A field of each of the record's variants (`price_incl`, `stock_level`, `sku`), written
    /// at the top level of a row or under `variants[]`.
    Variant,
    /// Names another record by its title, which the target resolves or creates (`brand`,
    /// `supplier`, `type`, `tags`).
    Reference,
    /// A reference written as a path, parents first (`Men > Shoes`): `categories`.
    PathReference,
    /// Media given by URL (`images[].src`) and what describes it (`images[].title`).
    Media,
    /// Says how source rows group into one record and names its variants (`parent`,
    /// `options`, `variant_title`, `variants[].options`, `variants[].title`).
    Grouping,
    /// A list or object whose parts are other fields (`images`, `variants`).
    Container,
}

/// One field of a target. Build one with [`FieldSpec::new`] and the chainable methods:
///
/// ```
/// use lightspeed_mapping::{FieldRole, FieldSpec, FieldType};
///
/// let price = FieldSpec::new("price_incl", FieldType::Number)
///     .alias("price")
///     .role(FieldRole::Variant);
/// assert_eq!(price.aliases, ["price"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FieldSpec {
    /// The field, with `[]` for list indices (`images[].src`): its canonical name.
    #[serde(default)]
    pub name: String,
    /// Its type.
    #[serde(rename = "type", default = "any")]
    pub kind: FieldType,
    /// Whether every record must have it.
    #[serde(default)]
    pub required: bool,
    /// The most characters a text may have.
    #[serde(default)]
    pub max_length: Option<usize>,
    /// The only values allowed (compared as text).
    #[serde(default)]
    pub allowed: Option<Vec<String>>,
    /// Other shapes a mapping may write for this field (`price` for `price_incl`,
    /// `variants[].price` for `variants[].price_incl`); a compiled mapping carries the
    /// canonical [`name`](Self::name) instead.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Whether the field exists per language: a mapping may then write `title@en` (a
    /// two-letter lowercase code), and an alias takes the suffix too (`summary@en`).
    #[serde(default)]
    pub translatable: bool,
    /// What part of the target record it is.
    #[serde(default)]
    pub role: FieldRole,
}

fn any() -> FieldType {
    FieldType::Any
}

impl FieldSpec {
    /// A field of this name and type: optional, of any length and value, without aliases, in
    /// one language, of the record itself ([`FieldRole::Record`]).
    pub fn new(name: impl Into<String>, kind: FieldType) -> Self {
        Self {
            name: name.into(),
            kind,
            required: false,
            max_length: None,
            allowed: None,
            aliases: Vec::new(),
            translatable: false,
            role: FieldRole::Record,
        }
    }

    /// Every record must have it.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// A text of at most `length` characters.
    pub fn max_length(mut self, length: usize) -> Self {
        self.max_length = Some(length);
        self
    }

    /// Only these values are allowed.
    pub fn allowed(mut self, values: &[&str]) -> Self {
        self.allowed = Some(values.iter().map(|v| (*v).to_owned()).collect());
        self
    }

    /// Another shape a mapping may write for it (call again for more).
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.aliases.push(alias.into());
        self
    }

    /// It exists per language (`title@en`).
    pub fn translatable(mut self) -> Self {
        self.translatable = true;
        self
    }

    /// What part of the target record it is.
    pub fn role(mut self, role: FieldRole) -> Self {
        self.role = role;
        self
    }
}

/// What a target accepts. Implemented by the code that owns a target type (the eCom product
/// and variant, the inventory pool item) and by [`JsonSchema`].
///
/// Only [`name`](Self::name) and [`fields`](Self::fields) are needed: the provided methods
/// read the field list, so aliases, languages and object parts work for every schema.
pub trait TargetSchema: Send + Sync {
    /// The target's name, for messages (`ecom.product`).
    fn name(&self) -> &str;

    /// Every field the target has.
    fn fields(&self) -> Vec<FieldSpec>;

    /// Whether a mapping may write `shape` (a field path with `[]` for indices). Accepted: a
    /// field's name or one of its aliases; either with a language suffix (`title@en`,
    /// `summary@en`) when the field is translatable; and any part of an
    /// [`Object`](FieldType::Object) field (`options.size`, `variants[].options.colour`).
    /// Otherwise the error names the field and the schema, and suggests the closest known
    /// field when one is close (`descripton`: did you mean `description`?).
    fn check_field(&self, shape: &str) -> Result<(), String> {
        check(self.name(), &self.fields(), shape)
    }

    /// The canonical form of a field path a mapping may write: an alias is rewritten to its
    /// field's name, indices and a language suffix are kept (`price` -> `price_incl`,
    /// `summary@en` -> `description@en`, `variants[0].price` -> `variants[0].price_incl`;
    /// `images[0].src` is already canonical). An error when [`check_field`](Self::check_field)
    /// refuses the path.
    fn canonical_field(&self, path: &str) -> Result<String, String> {
        let (whole, indices) = shape_and_indices(path);
        self.check_field(&whole)?;
        let fields = self.fields();
        // The shape as a whole (a name with an `@` in it, a part of an object), else the shape
        // without its language suffix.
        let (found, shape, language) = match find(&fields, &whole) {
            Some(found) => (found, whole.as_str(), None),
            None => {
                let (body, language) = split_language(&whole);
                match find(&fields, body) {
                    Some(found) => (found, body, language),
                    None => return Ok(path.to_owned()),
                }
            }
        };
        let canonical = match found {
            Found::Field(spec) => spec.name.clone(),
            Found::Under(spec, rest) => format!("{}{}", spec.name, &shape[rest..]),
        };
        if canonical == shape {
            return Ok(path.to_owned());
        }
        let mut out = fill_indices(&canonical, &indices);
        if let Some(language) = language {
            out.push('@');
            out.push_str(language);
        }
        Ok(out)
    }

    /// The field a path belongs to, by name or alias, with or without indices and a language
    /// suffix: `variants[0].price` gives `variants[].price_incl`, `title@en` gives `title`,
    /// `options.size` gives the `options` object. `None` when the schema has no such field.
    fn field_spec(&self, path: &str) -> Option<FieldSpec> {
        let fields = self.fields();
        let (shape, _) = shape_and_indices(path);
        let found = find(&fields, &shape).or_else(|| {
            let (body, language) = split_language(&shape);
            language?;
            match find(&fields, body)? {
                Found::Field(spec) if spec.translatable => Some(Found::Field(spec)),
                _ => None,
            }
        })?;
        Some(match found {
            Found::Field(spec) | Found::Under(spec, _) => spec.clone(),
        })
    }
}

/// How a shape relates to a schema's fields.
enum Found<'a> {
    /// The field itself, by name or alias.
    Field(&'a FieldSpec),
    /// A part of an object field (`options.size`): the object, and where in the shape the
    /// part begins (at its `.`).
    Under(&'a FieldSpec, usize),
}

/// The field named `shape` (names win over aliases), else the object field `shape` is part of.
fn find<'a>(fields: &'a [FieldSpec], shape: &str) -> Option<Found<'a>> {
    let named = |name: &str| {
        fields
            .iter()
            .find(|f| f.name == name)
            .or_else(|| fields.iter().find(|f| f.aliases.iter().any(|a| a == name)))
    };
    if let Some(spec) = named(shape) {
        return Some(Found::Field(spec));
    }
    shape
        .rmatch_indices('.')
        .filter(|(i, _)| i + 1 < shape.len())
        .find_map(|(i, _)| {
            named(&shape[..i])
                .filter(|spec| spec.kind == FieldType::Object)
                .map(|spec| Found::Under(spec, i))
        })
}

/// `title@en` -> (`title`, `en`): a language suffix is an `@` in the last part of a path.
fn split_language(path: &str) -> (&str, Option<&str>) {
    match path.rsplit_once('@') {
        Some((body, language)) if !language.contains(['.', '[', ']']) => (body, Some(language)),
        _ => (path, None),
    }
}

/// `variants[0].images[1].src` -> (`variants[].images[].src`, [`0`, `1`]).
fn shape_and_indices(path: &str) -> (String, Vec<&str>) {
    let mut shape = String::with_capacity(path.len());
    let mut indices = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        shape.push_str(&rest[..=open]);
        let Some(close) = rest[open..].find(']') else {
            shape.push_str(&rest[open + 1..]);
            return (shape, indices);
        };
        indices.push(&rest[open + 1..open + close]);
        shape.push(']');
        rest = &rest[open + close + 1..];
    }
    shape.push_str(rest);
    (shape, indices)
}

/// Writes `indices` back into the `[]` of a shape, in order (more `[]` than indices stay `[]`).
fn fill_indices(shape: &str, indices: &[&str]) -> String {
    let mut out = String::with_capacity(shape.len() + 4);
    let mut indices = indices.iter();
    let mut parts = shape.split("[]").peekable();
    while let Some(part) = parts.next() {
        out.push_str(part);
        if parts.peek().is_some() {
            out.push('[');
            out.push_str(indices.next().copied().unwrap_or(""));
            out.push(']');
        }
    }
    out
}

/// Whether `code` is a language as a field suffix takes it: two lowercase letters.
fn is_language(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase())
}

/// At most this many known fields are listed when a field is unknown and none is close.
const LISTED_FIELDS: usize = 24;

/// The default [`TargetSchema::check_field`].
fn check(schema: &str, fields: &[FieldSpec], shape: &str) -> Result<(), String> {
    if find(fields, shape).is_some() {
        return Ok(());
    }
    let (body, language) = split_language(shape);
    let Some(language) = language else {
        return Err(unknown(schema, fields, shape, None));
    };
    match find(fields, body) {
        Some(Found::Field(spec)) if spec.translatable => {
            if is_language(language) {
                Ok(())
            } else {
                Err(format!(
                    "`{shape}`: a language is a two-letter lowercase code (`{body}@en`)"
                ))
            }
        }
        Some(Found::Field(spec) | Found::Under(spec, _)) => {
            let translatable: Vec<&str> = fields
                .iter()
                .filter(|f| f.translatable)
                .map(|f| f.name.as_str())
                .collect();
            let mut message = format!(
                "`{shape}`: `{}` of {schema} is not written per language",
                spec.name
            );
            if !translatable.is_empty() {
                message.push_str(&format!("; fields that are: {}", translatable.join(", ")));
            }
            Err(message)
        }
        None => Err(unknown(schema, fields, body, Some(language))),
    }
}

fn unknown(schema: &str, fields: &[FieldSpec], body: &str, language: Option<&str>) -> String {
    let suffix = language.map(|l| format!("@{l}")).unwrap_or_default();
    let mut message = format!("`{body}{suffix}` is not a field of {schema}");
    let known = fields
        .iter()
        .flat_map(|f| std::iter::once(&f.name).chain(&f.aliases))
        .map(String::as_str);
    if let Some(close) = closest(body, known.clone()) {
        message.push_str(&format!("; did you mean `{close}{suffix}`?"));
    } else if known.clone().count() <= LISTED_FIELDS {
        let mut known: Vec<&str> = known.collect();
        known.sort_unstable();
        message.push_str(&format!("; known fields: {}", known.join(", ")));
    }
    message
}

/// The candidate closest to `written` when one is close enough to be a typo of it: the
/// normalized Damerau-Levenshtein similarity (case aside) is at least 0.8, or one edit apart
/// in words of three letters or more (`titel` -> `title`, `descripton` -> `description`;
/// `prijs` is not `price`). When both have the same parent (`images[].`), only the last parts
/// are compared, so a long shared prefix does not make unrelated names look alike.
pub(crate) fn closest<'a>(
    written: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let written_lower = written.to_lowercase();
    let (written_parent, written_leaf) = split_parent(&written_lower);
    let mut best: Option<(&str, f64)> = None;
    for candidate in candidates {
        let lower = candidate.to_lowercase();
        let (parent, leaf) = split_parent(&lower);
        let (a, b) = if parent == written_parent {
            (written_leaf, leaf)
        } else {
            (written_lower.as_str(), lower.as_str())
        };
        let similarity = strsim::normalized_damerau_levenshtein(a, b);
        let one_edit =
            strsim::damerau_levenshtein(a, b) <= 1 && a.chars().count().min(b.chars().count()) >= 3;
        if (similarity >= 0.8 || one_edit) && best.is_none_or(|(_, s)| similarity > s) {
            best = Some((candidate, similarity));
        }
    }
    best.map(|(candidate, _)| candidate)
}

fn split_parent(shape: &str) -> (&str, &str) {
    shape.rsplit_once('.').unwrap_or(("", shape))
}

/// A schema read from JSON:
/// `{"name": "ecom.product", "fields": {"title": {"type": "text", "required": true,
/// "max_length": 255, "translatable": true}, "price_incl": {"type": "number", "aliases":
/// ["price"], "role": "variant"}, "visibility": {"type": "text", "allowed": ["hidden",
/// "visible", "auto"]}}}`. Every key of a field but `type` is optional; `role` is one of
/// `record` (the default), `variant`, `reference`, `path_reference`, `media`, `grouping`,
/// `container` (see [`FieldRole`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonSchema {
    name: String,
    fields: Vec<FieldSpec>,
}

impl JsonSchema {
    /// Reads a schema; errors name the field.
    pub fn from_json(text: &str) -> Result<Self, CompileErrors> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Wire {
            #[serde(default)]
            name: Option<String>,
            fields: serde_json::Map<String, serde_json::Value>,
        }
        let wire: Wire = serde_json::from_str(text).map_err(|e| CompileErrors {
            errors: vec![CompileError {
                path: ".".into(),
                message: format!("not a schema: {e}"),
                line: Some(e.line()),
                column: Some(e.column()),
            }],
        })?;
        let mut fields = Vec::new();
        let mut errors = Vec::new();
        for (name, spec) in wire.fields {
            match serde_json::from_value::<FieldSpec>(spec) {
                Ok(mut spec) => {
                    spec.name = name;
                    fields.push(spec);
                }
                Err(e) => errors.push(CompileError::at(format!("fields.{name}"), e.to_string())),
            }
        }
        if !errors.is_empty() {
            return Err(CompileErrors { errors });
        }
        Ok(Self {
            name: wire.name.unwrap_or_else(|| "the target".into()),
            fields,
        })
    }
}

impl TargetSchema for JsonSchema {
    fn name(&self) -> &str {
        &self.name
    }

    fn fields(&self) -> Vec<FieldSpec> {
        self.fields.clone()
    }
}

/// A value a rule wrote, as the schema validates and normalises it.
pub(crate) struct Written<'a> {
    /// The target field (canonical when compiled with a schema).
    pub(crate) field: &'a FieldPath,
    /// The rule's path in the document.
    pub(crate) rule: &'a str,
    /// The value, normalised in place to the field's type.
    pub(crate) value: &'a mut Value,
}

/// A schema's rules, ready to validate results.
#[derive(Debug, Clone)]
pub(crate) struct FieldRules {
    target: String,
    by_shape: HashMap<String, FieldSpec>,
    required: Vec<String>,
}

impl FieldRules {
    pub(crate) fn from_schema(schema: &dyn TargetSchema) -> Self {
        let fields = schema.fields();
        Self {
            target: schema.name().to_owned(),
            required: fields
                .iter()
                .filter(|f| f.required)
                .map(|f| f.name.clone())
                .collect(),
            by_shape: fields.into_iter().map(|f| (f.name.clone(), f)).collect(),
        }
    }

    /// Validates every value written, normalising it to its field's type first (a number
    /// written as text becomes a number, a number written to a text field its decimal
    /// text), then checks that every required field was given a value.
    pub(crate) fn validate<'a>(
        &self,
        fields: impl Iterator<Item = Written<'a>>,
    ) -> Vec<RecordError> {
        let mut errors = Vec::new();
        let mut seen = Vec::new();
        for written in fields {
            let shape = written.field.shape();
            // A text in another language (`title@en`) is checked like the field itself, but
            // does not stand in for it when the field is required.
            let (spec, per_language) = match self.by_shape.get(shape) {
                Some(spec) => (spec, false),
                None => match split_language(shape) {
                    (body, Some(_)) => match self.by_shape.get(body) {
                        Some(spec) if spec.translatable => (spec, true),
                        _ => continue,
                    },
                    _ => continue,
                },
            };
            if !per_language && !matches!(written.value, Value::Empty) {
                seen.push(shape);
            }
            let mut messages = Vec::new();
            self.check_value(
                spec,
                written.field.as_str(),
                written.value,
                written.field.each_count(),
                &mut messages,
            );
            errors.extend(messages.into_iter().map(|message| RecordError {
                field: written.field.as_str().to_owned(),
                rule: written.rule.to_owned(),
                message,
            }));
        }
        for required in &self.required {
            if !seen.contains(&required.as_str()) {
                errors.push(RecordError {
                    field: required.clone(),
                    rule: "schema".into(),
                    message: format!(
                        "{} requires `{required}`, and no rule gave it a value",
                        self.target
                    ),
                });
            }
        }
        errors
    }

    /// Normalises and checks one value; a list written through `[]` (`variants[].sku`) is
    /// checked item by item, as it is spread over the list's elements.
    fn check_value(
        &self,
        spec: &FieldSpec,
        field: &str,
        value: &mut Value,
        each: usize,
        messages: &mut Vec<String>,
    ) {
        if each > 0
            && let Value::List(items) = value
        {
            for item in items {
                self.check_value(spec, field, item, each - 1, messages);
            }
            return;
        }
        normalise(spec.kind, value);
        let type_ok = matches!(
            (spec.kind, &*value),
            (_, Value::Empty | Value::Missing)
                | (FieldType::Any, _)
                | (FieldType::Text, Value::Text(_))
                | (FieldType::Number, Value::Number(_))
                | (FieldType::Boolean, Value::Bool(_))
                | (FieldType::List, Value::List(_))
                | (FieldType::Object, Value::Object(_))
        );
        if !type_ok {
            let mut message = format!(
                "{field} must be {:?} ({}), found {}",
                spec.kind,
                self.target,
                value.describe()
            );
            if let (FieldType::Number, Value::Text(text)) = (spec.kind, &*value)
                && text.bytes().any(|b| b.is_ascii_digit())
            {
                message
                    .push_str("; a `parse_number` transformation can say which separators it uses");
            }
            messages.push(message);
            return;
        }
        if let (Some(max), Value::Text(t)) = (spec.max_length, &*value)
            && t.chars().count() > max
        {
            messages.push(format!(
                "{} is {} characters, more than the {max} allowed",
                value.describe(),
                t.chars().count()
            ));
        }
        if let (Some(allowed), Some(text)) = (&spec.allowed, value.as_text())
            && !allowed.contains(&text)
        {
            messages.push(format!(
                "{} is not one of {}",
                value.describe(),
                allowed.join(", ")
            ));
        }
    }
}

/// A number written as text to a number field becomes a number (`"1,299.99"` -> 1299.99,
/// read with [`number_from_text`]); a number written to a text field becomes its decimal
/// text (an EAN kept as a JSON number). Anything else is left for the type check.
fn normalise(kind: FieldType, value: &mut Value) {
    match (kind, &*value) {
        (FieldType::Number, Value::Text(text)) => {
            if let Some(number) = number_from_text(text) {
                *value = Value::Number(number);
            }
        }
        (FieldType::Text, Value::Number(number)) => {
            *value = Value::Text(number.normalize().to_string());
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{Mapping, Options};

    /// A small product schema with an alias, a translatable field, an object and variants.
    struct Shop;

    impl TargetSchema for Shop {
        fn name(&self) -> &str {
            "shop.product"
        }

        fn fields(&self) -> Vec<FieldSpec> {
            vec![
                FieldSpec::new("title", FieldType::Text)
                    .required()
                    .max_length(10)
                    .translatable(),
                FieldSpec::new("description", FieldType::Text)
                    .translatable()
                    .alias("summary"),
                FieldSpec::new("brand", FieldType::Text).role(FieldRole::Reference),
                FieldSpec::new("ean", FieldType::Text).role(FieldRole::Variant),
                FieldSpec::new("price_incl", FieldType::Number)
                    .alias("price")
                    .role(FieldRole::Variant),
                FieldSpec::new("variants", FieldType::List).role(FieldRole::Container),
                FieldSpec::new("variants[].sku", FieldType::Text).role(FieldRole::Variant),
                FieldSpec::new("variants[].price_incl", FieldType::Number)
                    .alias("variants[].price")
                    .role(FieldRole::Variant),
                FieldSpec::new("variants[].options", FieldType::Object).role(FieldRole::Grouping),
                FieldSpec::new("options", FieldType::Object).role(FieldRole::Grouping),
                FieldSpec::new("images[].src", FieldType::Text).role(FieldRole::Media),
                FieldSpec::new("visibility", FieldType::Text).allowed(&["hidden", "visible"]),
            ]
        }
    }

    #[test]
    fn fields_are_accepted_by_name_alias_language_and_object_part() {
        for shape in [
            "title",
            "price",
            "price_incl",
            "title@en",
            "summary@de",
            "description@nl",
            "options.size",
            "variants[].options.colour",
            "variants[].price",
            "images[].src",
        ] {
            assert_eq!(Shop.check_field(shape), Ok(()), "{shape}");
        }
    }

    #[test]
    fn unknown_fields_name_the_schema_and_suggest_a_close_one() {
        let error = |shape: &str| Shop.check_field(shape).unwrap_err();
        assert_eq!(
            error("descripton"),
            "`descripton` is not a field of shop.product; did you mean `description`?"
        );
        assert!(error("titel").ends_with("did you mean `title`?"));
        assert!(error("titel@en").ends_with("did you mean `title@en`?"));
        assert!(error("prise").ends_with("did you mean `price`?"));
        assert!(error("images[].scr").ends_with("did you mean `images[].src`?"));
        assert!(error("Title").ends_with("did you mean `title`?"));
        // Not close to anything: the known fields, since there are few.
        let prijs = error("prijs");
        assert!(!prijs.contains("did you mean"), "{prijs}");
        assert!(
            prijs.contains("known fields: brand, description, ean"),
            "{prijs}"
        );
        assert!(
            error("title@english").contains("a language is a two-letter lowercase code"),
            "{}",
            error("title@english")
        );
        assert!(error("title@EN").contains("two-letter"));
        let brand = error("brand@en");
        assert!(brand.contains("not written per language"), "{brand}");
        assert!(brand.contains("title, description"), "{brand}");
        // An object's part needs a name.
        assert!(Shop.check_field("ean.x").is_err());
        assert!(Shop.check_field("variants[].colour").is_err());
    }

    #[test]
    fn many_fields_are_not_listed() {
        struct Big;
        impl TargetSchema for Big {
            fn name(&self) -> &str {
                "big"
            }
            fn fields(&self) -> Vec<FieldSpec> {
                (0..30)
                    .map(|i| FieldSpec::new(format!("field_number_{i}"), FieldType::Text))
                    .collect()
            }
        }
        assert_eq!(
            Big.check_field("x").unwrap_err(),
            "`x` is not a field of big"
        );
    }

    #[test]
    fn paths_are_made_canonical_keeping_indices_and_languages() {
        for (path, canonical) in [
            ("price", "price_incl"),
            ("price_incl", "price_incl"),
            ("summary", "description"),
            ("summary@en", "description@en"),
            ("title@en", "title@en"),
            ("variants[0].price", "variants[0].price_incl"),
            ("variants[].price", "variants[].price_incl"),
            ("variants[3].options.size", "variants[3].options.size"),
            ("images[0].src", "images[0].src"),
            ("options.colour", "options.colour"),
        ] {
            assert_eq!(
                Shop.canonical_field(path).as_deref(),
                Ok(canonical),
                "{path}"
            );
        }
        assert!(Shop.canonical_field("prijs").is_err());
    }

    #[test]
    fn a_path_finds_the_spec_it_belongs_to() {
        let spec = |path: &str| Shop.field_spec(path).map(|s| (s.name, s.role));
        assert_eq!(
            spec("variants[0].price"),
            Some(("variants[].price_incl".into(), FieldRole::Variant))
        );
        assert_eq!(spec("title@en"), Some(("title".into(), FieldRole::Record)));
        assert_eq!(
            spec("options.size"),
            Some(("options".into(), FieldRole::Grouping))
        );
        assert_eq!(spec("brand@en"), None);
        assert_eq!(spec("nothing"), None);
    }

    #[test]
    fn suggestions_need_a_close_name() {
        let names = ["description", "title", "price", "sku", "ecom.product"];
        assert_eq!(closest("descripton", names), Some("description"));
        assert_eq!(closest("titel", names), Some("title"));
        assert_eq!(closest("sku", names), Some("sku"));
        assert_eq!(closest("skv", names), Some("sku"));
        assert_eq!(closest("ecom.prodcut", names), Some("ecom.product"));
        assert_eq!(closest("prijs", names), None);
        assert_eq!(closest("ecom.variant", names), None);
        assert_eq!(closest("x", names), None);
    }

    #[test]
    fn json_schemas_read_aliases_languages_and_roles() {
        let schema = JsonSchema::from_json(
            &json!({"name": "s", "fields": {
                "title": {"type": "text", "translatable": true},
                "price_incl": {"type": "number", "aliases": ["price"], "role": "variant"},
                "categories": {"type": "list", "role": "path_reference"}
            }})
            .to_string(),
        )
        .unwrap();
        assert_eq!(schema.canonical_field("price").as_deref(), Ok("price_incl"));
        assert_eq!(
            schema.field_spec("categories").map(|s| s.role),
            Some(FieldRole::PathReference)
        );
        assert_eq!(schema.check_field("title@fr"), Ok(()));
        let bad = JsonSchema::from_json(r#"{"fields": {"a": {"role": "owner"}}}"#).unwrap_err();
        assert!(bad.has_path("fields.a"), "{bad}");
    }

    fn shop(doc: serde_json::Value) -> Result<Mapping, crate::CompileErrors> {
        Mapping::from_json(
            &doc.to_string(),
            &Options {
                channel: None,
                schema: Some(&Shop),
            },
        )
    }

    #[test]
    fn values_are_normalised_to_the_fields_type() {
        let mapping = shop(json!({"product_mappings": [
            {"value": "Watch", "lightspeed_field": "title"},
            {"pim_attribute": "price", "lightspeed_field": "price"},
            {"pim_attribute": "ean", "lightspeed_field": "ean"},
            {"pim_attribute": "prices", "lightspeed_field": "variants[].price"},
            {"pim_attribute": "skus", "lightspeed_field": "variants[].sku"}
        ]}))
        .unwrap();
        for (price, number) in [
            (json!("19.90"), json!(19.9)),
            (json!("-3"), json!(-3)),
            (json!("1,299.99"), json!(1299.99)),
            (json!("1.299,99"), json!(1299.99)),
            (json!("19,90"), json!(19.9)),
            (json!(5), json!(5)),
        ] {
            let mapped = mapping
                .apply(&json!({"price": price, "ean": 8712345678906_u64}))
                .unwrap();
            let nested = mapped.nested().to_json();
            assert_eq!(nested["price_incl"], number, "{price}");
            assert_eq!(nested["ean"], json!("8712345678906"));
        }
        let mapped = mapping
            .apply(&json!({"prices": ["1,50", 2], "skus": ["A", 7]}))
            .unwrap();
        assert_eq!(
            mapped.nested().to_json()["variants"],
            json!([{"price_incl": 1.5, "sku": "A"}, {"price_incl": 2, "sku": "7"}])
        );

        let errors = mapping.apply(&json!({"price": "1,299"})).unwrap_err();
        assert!(
            errors[0]
                .message
                .contains("found \"1,299\"; a `parse_number`"),
            "{errors:?}"
        );

        let errors = mapping
            .apply(&json!({"price": "cheap", "ean": true, "prices": ["1", "x"]}))
            .unwrap_err();
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 3, "{messages:?}");
        assert!(messages[0].starts_with("price_incl: "), "{messages:?}");
        assert!(messages[0].contains("\"cheap\""), "{messages:?}");
        assert!(
            messages[0].ends_with("(product_mappings[1])"),
            "{messages:?}"
        );
        assert!(messages[1].contains("the boolean true"), "{messages:?}");
        assert!(messages[2].contains("\"x\""), "{messages:?}");
    }

    #[test]
    fn texts_in_other_languages_are_checked_like_the_field_but_do_not_replace_it() {
        let mapping = shop(json!({"product_mappings": [
            {"pim_attribute": "t", "lightspeed_field": "title"},
            {"pim_attribute": "en", "lightspeed_field": "title@en"}
        ]}))
        .unwrap();
        let errors = mapping
            .apply(&json!({"en": "far too long a title"}))
            .unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].field, "title@en");
        assert!(errors[0].message.contains("more than the 10 allowed"));
        assert_eq!(
            (errors[1].field.as_str(), errors[1].rule.as_str()),
            ("title", "schema")
        );
    }
}
