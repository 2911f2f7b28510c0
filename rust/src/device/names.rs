//! The named choices of a device (enums that cross the boundary as strings).

use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Float,
    Ideal,
    Hybrid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mapping {
    /// N levels (m + 0.5) * D - w_max, D = 2 w_max / N (no zero level)
    Offset,
    /// 2N - 1 levels d * D, d in -(N-1)..N-1, D = w_max / (N - 1) (zero level exists)
    Differential,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    Stochastic,
    Nearest,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Residual {
    Keep,
    Reset,
}

impl Kind {
    pub const NAMES: &'static str = "'float', 'ideal', 'hybrid'";
    pub fn parse(s: &str) -> Result<Kind> {
        match s {
            "float" => Ok(Kind::Float),
            "ideal" => Ok(Kind::Ideal),
            "hybrid" => Ok(Kind::Hybrid),
            _ => Err(Error::param("kind", format!("'{s}'"), Self::NAMES)),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Float => "float",
            Kind::Ideal => "ideal",
            Kind::Hybrid => "hybrid",
        }
    }
}

impl Mapping {
    pub const NAMES: &'static str = "'offset', 'differential'";
    pub fn parse(s: &str) -> Result<Mapping> {
        match s {
            "offset" => Ok(Mapping::Offset),
            "differential" => Ok(Mapping::Differential),
            _ => Err(Error::param(
                "signed_mapping",
                format!("'{s}'"),
                Self::NAMES,
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Mapping::Offset => "offset",
            Mapping::Differential => "differential",
        }
    }
}

impl Rounding {
    pub const NAMES: &'static str = "'stochastic', 'nearest'";
    pub fn parse(s: &str) -> Result<Rounding> {
        match s {
            "stochastic" => Ok(Rounding::Stochastic),
            "nearest" => Ok(Rounding::Nearest),
            _ => Err(Error::param("rounding", format!("'{s}'"), Self::NAMES)),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Rounding::Stochastic => "stochastic",
            Rounding::Nearest => "nearest",
        }
    }
}

impl Residual {
    pub const NAMES: &'static str = "'keep', 'reset'";
    pub fn parse(s: &str) -> Result<Residual> {
        match s {
            "keep" => Ok(Residual::Keep),
            "reset" => Ok(Residual::Reset),
            _ => Err(Error::param("residual", format!("'{s}'"), Self::NAMES)),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Residual::Keep => "keep",
            Residual::Reset => "reset",
        }
    }
}
