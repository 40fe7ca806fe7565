//! Target schemas: what fields a target has, of what type, which are required, how long they
//! may be and which values they allow. A compiled mapping is checked against one (unknown
//! target fields are compile errors) and validates every result with it.

use std::collections::HashMap;

use serde::Deserialize;

use crate::error::{CompileError, CompileErrors, RecordError};
use crate::mapping::MappedField;
use crate::value::Value;

/// The type of a target field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
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

/// One field of a target.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// The field, with `[]` for list indices (`images[].src`).
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
    /// Other shapes a mapping may write for this field.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Whether the field exists per language (`title@en`).
    #[serde(default)]
    pub translatable: bool,
    /// What the field is to the target's records.
    #[serde(default)]
    pub role: FieldRole,
}

/// What a field is to a catalog-like target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldRole {
    /// A field of the record itself.
    #[default]
    Record,
    /// A field of each of the record's variants.
    Variant,
    /// Another record by its title.
    Reference,
    /// Other records by path, parents first.
    PathReference,
    /// Media by URL.
    Media,
    /// How rows group into one record.
    Grouping,
    /// A list or object of other fields.
    Container,
}

impl FieldSpec {
    /// A field of this name and type.
    pub fn new(name: impl Into<String>, kind: FieldType) -> Self {
        FieldSpec {
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
    /// Required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// At most `n` characters.
    pub fn max_length(mut self, n: usize) -> Self {
        self.max_length = Some(n);
        self
    }
    /// Only these values.
    pub fn allowed(mut self, values: &[&str]) -> Self {
        self.allowed = Some(values.iter().map(|v| (*v).to_owned()).collect());
        self
    }
    /// Another spelling.
    pub fn alias(mut self, alias: &str) -> Self {
        self.aliases.push(alias.to_owned());
        self
    }
    /// Per language.
    pub fn translatable(mut self) -> Self {
        self.translatable = true;
        self
    }
    /// Its role.
    pub fn role(mut self, role: FieldRole) -> Self {
        self.role = role;
        self
    }
}

fn any() -> FieldType {
    FieldType::Any
}

/// What a target accepts. Implemented by the code that owns a target type (the eCom product
/// and variant, the inventory pool item) and by [`JsonSchema`].
pub trait TargetSchema: Send + Sync {
    /// The target's name, for messages (`ecom.product`).
    fn name(&self) -> &str;

    /// Every field the target has.
    fn fields(&self) -> Vec<FieldSpec>;

    /// Whether a mapping may write `shape` (a field path with `[]` for indices).
    fn check_field(&self, shape: &str) -> Result<(), String> {
        let fields = self.fields();
        if fields.iter().any(|f| f.name == shape) {
            return Ok(());
        }
        Err(format!("`{shape}` is not a field of {}", self.name()))
    }

    /// The canonical path of a field path (aliases resolved).
    fn canonical_field(&self, path: &str) -> String {
        path.to_owned()
    }
}

/// A schema read from JSON:
/// `{"name": "ecom.product", "fields": {"title": {"type": "text", "required": true,
/// "max_length": 255}, "visibility": {"type": "text", "allowed": ["hidden", "visible", "auto"]}}}`.
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

    pub(crate) fn validate<'a>(
        &self,
        fields: impl Iterator<Item = MappedField<'a>>,
    ) -> Vec<RecordError> {
        let mut errors = Vec::new();
        let mut seen = Vec::new();
        for field in fields {
            let shape = field.path().shape();
            let error = |message: String| RecordError {
                field: field.field.to_string(),
                rule: field.rule.to_string(),
                message,
            };
            let Some(spec) = self.by_shape.get(shape) else {
                continue;
            };
            if !matches!(field.value, Value::Empty) {
                seen.push(shape);
            }
            let value = field.value;
            let type_ok = matches!(
                (spec.kind, value),
                (_, Value::Empty | Value::Missing)
                    | (FieldType::Any, _)
                    | (FieldType::Text, Value::Text(_))
                    | (FieldType::Number, Value::Number(_))
                    | (FieldType::Boolean, Value::Bool(_))
                    | (FieldType::List, Value::List(_))
                    | (FieldType::Object, Value::Object(_))
            );
            if !type_ok {
                errors.push(error(format!(
                    "{} must be {:?} ({}), found {}",
                    field.field,
                    spec.kind,
                    self.target,
                    value.describe()
                )));
                continue;
            }
            if let (Some(max), Value::Text(t)) = (spec.max_length, value)
                && t.chars().count() > max
            {
                errors.push(error(format!(
                    "{} is {} characters, more than the {max} allowed",
                    value.describe(),
                    t.chars().count()
                )));
            }
            if let (Some(allowed), Some(text)) = (&spec.allowed, value.as_text())
                && !allowed.contains(&text)
            {
                errors.push(error(format!(
                    "{} is not one of {}",
                    value.describe(),
                    allowed.join(", ")
                )));
            }
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
}
