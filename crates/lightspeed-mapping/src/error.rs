//! Errors: of a mapping document (found once, when it is compiled) and of a record (found each
//! time one is mapped; they never affect another record).

use std::fmt;

/// One problem of a mapping document, at its path (`product_mappings[3].transformations[1]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// Where in the document (`.` for the whole document).
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// The line of a syntax error (1-based), when the document could not be read.
    pub line: Option<usize>,
    /// The column of a syntax error (1-based).
    pub column: Option<usize>,
}

impl CompileError {
    pub(crate) fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
            line: None,
            column: None,
        }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "line {line}, column {column}: {}", self.message)
            }
            (Some(line), None) => write!(f, "line {line}: {}", self.message),
            _ => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// Every problem of a mapping document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CompileErrors {
    /// The problems, in document order.
    pub errors: Vec<CompileError>,
}

impl fmt::Display for CompileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.errors.len();
        write!(
            f,
            "the mapping document has {count} error{}",
            if count == 1 { "" } else { "s" }
        )?;
        for error in &self.errors {
            write!(f, "\n  {error}")?;
        }
        Ok(())
    }
}

impl CompileErrors {
    /// Whether any error is at `path`.
    pub fn has_path(&self, path: &str) -> bool {
        self.errors.iter().any(|e| e.path == path)
    }
}

/// One problem of one record: the target field, the rule's path and a message naming the value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecordError {
    /// The target field (`price`).
    pub field: String,
    /// The rule's path in the document (`product_mappings[2].transformations[0]`).
    pub rule: String,
    /// What went wrong, naming the value (`parse_number could not read "12,5,0"`).
    pub message: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message, self.rule)
    }
}
