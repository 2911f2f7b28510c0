//! The domain state of a `domains` MSB store: built with the array, rebuilt from a state.

use super::SynapseArray;
use crate::device::msb::{DomainState, Masks};
use crate::device::{Kind, MsbKind};
use crate::error::{Error, Result};

impl SynapseArray {
    /// A fresh array's domain state (`domains` stores only): each cell holds its level (the
    /// one nearest 0) as an ideal write would leave it, the first `round(f_m N)` domains up,
    /// its error the quantization to whole domains. `program` then writes the weights by the
    /// physics (the initial state only stands until then, and costs no write).
    pub(super) fn init_domains(&mut self) {
        self.domains = None;
        if self.dev.kind != Kind::Hybrid || self.dev.msb_model != MsbKind::Domains {
            return;
        }
        let mut st = DomainState::new(&self.dev, self.seed, 0, self.geo.n_levels);
        let n = self.dev.fe_domains;
        let last = (self.geo.n_levels.max(2) - 1) as f64;
        let span = last * self.geo.d_m;
        let (msb, off, err) = (&self.msb, &self.msb_offset, &mut self.msb_error);
        let masks: Vec<u64> = msb
            .iter()
            .zip(off)
            .zip(err.iter_mut())
            .map(|((&m, &o), e)| {
                let f = m as f64 / last;
                let k = (f * n as f64).round() as u32;
                *e = (o as f64 + (k as f64 / n as f64 - f) * span) as f32;
                if k >= 64 {
                    u64::MAX
                } else {
                    (1u64 << k) - 1
                }
            })
            .collect();
        st.masks = Masks::from_vec(masks);
        self.domains = Some(st);
    }

    /// The domain masks of a state: exactly the cells' masks for a `domains` store (bits
    /// below `fe_domains`), empty otherwise.
    pub(super) fn set_domain_masks(&mut self, masks: Vec<u64>) -> Result<()> {
        let is_dom = self.dev.kind == Kind::Hybrid && self.dev.msb_model == MsbKind::Domains;
        if !is_dom {
            self.domains = None;
            if masks.is_empty() {
                return Ok(());
            }
            return Err(Error::value(
                "state['domain_mask']",
                "present, but the device's msb_model is not 'domains'".to_string(),
            ));
        }
        let n = self.dev.fe_domains;
        let valid = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
        if masks.len() != self.len() || masks.iter().any(|m| m & !valid != 0) {
            return Err(Error::value(
                "state['domain_mask']",
                format!(
                    "expected {} uint64 masks (shape ({}, {})) with bits below fe_domains = {n}",
                    self.len(),
                    self.rows,
                    self.cols
                ),
            ));
        }
        let mut st = DomainState::new(&self.dev, self.seed, 0, self.geo.n_levels);
        st.masks = Masks::from_vec(masks);
        self.domains = Some(st);
        Ok(())
    }

    /// The domain masks (empty unless the store is `domains`).
    pub fn domain_masks(&self) -> Vec<u64> {
        self.domains
            .as_ref()
            .map(|d| d.masks.to_vec())
            .unwrap_or_default()
    }
}
