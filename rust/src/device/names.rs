//! The named choices of a device (enums that cross the boundary as strings).

use crate::error::{Error, Result};

/// An enum of named choices with `parse` (the error names the field and lists the valid
/// names), `as_str` and `NAMES`.
macro_rules! named_choice {
    ($(#[$doc:meta])* $name:ident, $field:literal, { $($(#[$vdoc:meta])* $var:ident = $s:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vdoc])* $var),+
        }

        impl $name {
            /// The valid names, quoted, for error messages.
            pub const NAMES: &'static str = concat!($("'", $s, "', "),+);

            pub fn parse(s: &str) -> Result<$name> {
                match s {
                    $($s => Ok($name::$var),)+
                    _ => Err(Error::param(
                        $field,
                        format!("'{s}'"),
                        Self::NAMES.trim_end_matches(", "),
                    )),
                }
            }

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$var => $s),+
                }
            }
        }
    };
}

pub(crate) use named_choice;

named_choice!(Kind, "kind", { Float = "float", Ideal = "ideal", Hybrid = "hybrid" });

named_choice!(Mapping, "signed_mapping", {
    /// N levels (m + 0.5) * D - w_max, D = 2 w_max / N (no zero level)
    Offset = "offset",
    /// 2N - 1 levels d * D, d in -(N-1)..N-1, D = w_max / (N - 1) (zero level exists)
    Differential = "differential",
});

named_choice!(Rounding, "rounding", { Stochastic = "stochastic", Nearest = "nearest" });

named_choice!(
    /// What a transfer leaves in the LSB: `keep` the residual (charge conserving) or `reset`
    /// it to mid-rail (the charge is discarded and counted).
    Residual, "residual", { Keep = "keep", Reset = "reset" }
);

named_choice!(
    /// When the LSB is carried into the MSB.
    TransferProtocol, "transfer_protocol", {
    /// carry a cell when its LSB leaves the band |lsb| <= carry_threshold * N_L
    Overflow = "overflow",
    /// every `transfer_every_images` images read every LSB (ADC, read noise) and carry it
    PeriodicReadAll = "periodic-read-all",
    /// both of the above
    OverflowPeriodic = "overflow+periodic",
    /// only an explicit `transfer()` call carries
    None = "none",
});

impl TransferProtocol {
    /// Whether the overflow trigger acts inside `update`.
    pub fn overflow(self) -> bool {
        matches!(
            self,
            TransferProtocol::Overflow | TransferProtocol::OverflowPeriodic
        )
    }

    /// Whether `step` runs a read-all transfer every `transfer_every_images` images.
    pub fn periodic(self) -> bool {
        matches!(
            self,
            TransferProtocol::PeriodicReadAll | TransferProtocol::OverflowPeriodic
        )
    }

    /// The protocol a first-release device (state format 1) ran: the overflow trigger was on
    /// for `carry_threshold > 0`, the periodic transfer for `transfer_every_images > 0`.
    pub fn from_first_release(carry_threshold: f64, transfer_every_images: u64) -> Self {
        match (carry_threshold > 0.0, transfer_every_images > 0) {
            (true, true) => TransferProtocol::OverflowPeriodic,
            (true, false) => TransferProtocol::Overflow,
            (false, true) => TransferProtocol::PeriodicReadAll,
            (false, false) => TransferProtocol::None,
        }
    }
}
