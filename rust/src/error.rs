//! The one error type of the core and its one mapping to Python exceptions.

/// Every failure the core reports. `Type` maps to Python `TypeError`, all others to `ValueError`.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    /// A device parameter has a value outside its allowed range.
    #[error("invalid device parameter {field} = {value}: allowed {allowed}")]
    InvalidParam {
        field: String,
        value: String,
        allowed: String,
    },
    /// A device parameter name that does not exist.
    #[error("unknown device parameter '{name}'; valid names: {valid}")]
    UnknownParam { name: String, valid: String },
    /// An argument of the wrong type or dtype.
    #[error("{arg}: expected {expected}, got {got}")]
    Type {
        arg: String,
        expected: String,
        got: String,
    },
    /// An argument with a wrong value (shape, NaN, out of range ...).
    #[error("{arg}: {msg}")]
    Value { arg: String, msg: String },
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn param(field: &str, value: impl std::fmt::Display, allowed: &str) -> Error {
        Error::InvalidParam {
            field: field.to_string(),
            value: value.to_string(),
            allowed: allowed.to_string(),
        }
    }

    pub fn value(arg: &str, msg: impl Into<String>) -> Error {
        Error::Value {
            arg: arg.to_string(),
            msg: msg.into(),
        }
    }

    pub fn type_(arg: &str, expected: &str, got: impl Into<String>) -> Error {
        Error::Type {
            arg: arg.to_string(),
            expected: expected.to_string(),
            got: got.into(),
        }
    }
}

#[cfg(feature = "python")]
impl From<Error> for pyo3::PyErr {
    fn from(e: Error) -> pyo3::PyErr {
        match e {
            Error::Type { .. } => pyo3::exceptions::PyTypeError::new_err(e.to_string()),
            _ => pyo3::exceptions::PyValueError::new_err(e.to_string()),
        }
    }
}
