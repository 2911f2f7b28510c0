"""Native core of femsyn (Rust): synapse arrays and their kernels.

Users import these names from :mod:`femsyn`, never from ``femsyn._core``.

Conventions of every method:

* Arrays go in as ``numpy.ndarray`` of the exact dtype (``float32`` for weights) and shape
  ``(rows, cols)``. A non-array or another dtype raises ``TypeError``; a wrong shape or a
  NaN/inf value raises ``ValueError`` naming the argument. Non-contiguous arrays are accepted
  (copied once). Nothing is converted silently (no float64 -> float32 casts).
* Every O(cells) kernel releases the GIL and runs on femsyn's own thread pool
  (:func:`set_num_threads` or the ``FEMSYN_NUM_THREADS`` environment variable). Results are
  bit-identical for any thread count: every random number is a pure function of
  (seed, stream, step counter, cell index).
* Time is physical seconds. LSB leak is applied lazily (exactly, as ``exp(-t / tau_i)``);
  reading weights never changes the state or the future trajectory.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Literal, final

import numpy as np
import numpy.typing as npt
from typing_extensions import Self

__all__ = [
    "SynapseArray",
    "validate_device",
    "set_num_threads",
    "get_num_threads",
    "device_fields",
    "fe_switched_fraction",
    "STATE_FORMAT",
    "nn_conv2d_forward",
    "nn_conv2d_backward",
    "nn_linear_forward",
    "nn_linear_backward",
    "nn_maxpool2_forward",
    "nn_maxpool2_backward",
    "nn_sgd_step",
    "nn_use_blas",
    "nn_use_builtin_gemm",
    "nn_gemm_backend",
]

STATE_FORMAT: int

def validate_device(device: Any) -> None:
    """Validate device parameters (a DeviceParams, a mapping of field names, or any object with
    those attributes). Raises ValueError (bad value or unknown name, listing the valid names) or
    TypeError (wrong type). Used by ``DeviceParams.__post_init__``."""

def set_num_threads(n: int) -> None:
    """Set the number of worker threads used by the kernels (1..1024). Results do not depend
    on it. Overrides ``FEMSYN_NUM_THREADS`` (read at import; invalid values raise there)."""

def get_num_threads() -> int:
    """Number of worker threads used by the kernels."""

def device_fields() -> list[str]:
    """Names of all device parameters in declaration order."""

def fe_switched_fraction(
    device: Any,
    voltages: Sequence[float],
    widths: Sequence[float],
    cells: int = 256,
    seed: int = 0,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Switched fraction of a ``msb_model="domains"`` device's FE layer after one pulse of each
    amplitude (V) and width (s) from the erased state: ``(sampled, nominal)``, each of shape
    ``(len(voltages), len(widths))``. Sampled: the mean over ``cells`` devices (their own
    activation fields, NLS thresholds drawn from ``seed``); nominal: the expectation over the
    activation-field distribution. ValueError for another store or a negative grid value."""

# A PyO3 class is not subclassable (@final; a final class needs no @disjoint_base) and is
# constructed by ``__new__`` (PyO3's ``#[new]``), so the stub declares ``__new__``, not ``__init__``.
@final
class SynapseArray:
    """The synapses of one layer: a ``rows x cols`` weight matrix on a synapse design.

    Kinds (``device.kind``):

    * ``"float"``: float32 weights; ``update`` adds ``dw``.
    * ``"ideal"``: weights on the ``2**msb_bits`` levels of the signed mapping; ``update``
      rounds ``dw / D`` (stochastic or nearest) to whole steps, truncated at
      ``max_pulses_per_update`` and clipped at the rails. No noise, leak or transfer.
    * ``"hybrid"``: per cell a non-volatile MSB level ``m`` (FeMFET polarization), a volatile
      LSB charge ``lsb`` in pulse units, an MSB programming error and a write counter.
      Training weight ``level(m) + msb_error + D_L * lsb``; inference weight
      ``level(m) + msb_error`` (LSBs are gone); ``msb_error`` holds the static level offset
      plus the programming error of the last write.

    Device-to-device variation (LSB up/down step scale, leak time constant, MSB level offset,
    the exp model's nonlinearity) is drawn once here from ``seed``. Initial weights are the level nearest 0 (float: 0);
    call :meth:`program` to write initial weights.

    Args:
        rows, cols: shape of the weight matrix (>= 1).
        device: a :class:`femsyn.DeviceParams`, a mapping of its field names (missing fields take
            the defaults; unknown names raise ValueError), or an object with those attributes.
        seed: seed of every random stream of this array (integer in [0, 2**64 - 1]).
        w_max: weight range ``[-w_max, w_max]`` of this layer (> 0).
    """

    def __new__(
        cls,
        rows: int,
        cols: int,
        device: Any,
        *,
        seed: int = 0,
        w_max: float = 1.0,
    ) -> Self: ...
    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
    @property
    def size(self) -> int:
        """rows * cols."""
    @property
    def kind(self) -> Literal["float", "ideal", "hybrid"]:
        """The device kind."""
    @property
    def device(self) -> dict[str, Any]:
        """The validated device parameters as a dict (``DeviceParams(**arr.device)`` rebuilds)."""
    @property
    def w_max(self) -> float:
        """Weight range of this array."""
    @property
    def seed(self) -> int:
        """Seed of this array's random streams."""
    @property
    def levels(self) -> npt.NDArray[np.float64]:
        """Weight of every MSB (ideal: quantization) level index, ascending."""
    @property
    def msb_step(self) -> float:
        """D_M: spacing of the MSB (ideal) levels in weight units."""
    @property
    def lsb_step(self) -> float:
        """D_L = D_M / N_L: weight change of one LSB pulse (ideal: D; float: D_M of the mapping)."""

    def program(self, w: npt.NDArray[np.float32]) -> None:
        """Initial write of the weights (not counted as MSB writes / endurance).

        float: copied. ideal: rounded to a level (per ``rounding``), clipped at the rails.
        hybrid: MSB = nearest level, LSB = residual in pulses (rounded per ``rounding``, clipped
        at ``+-min(N_L / 2, L_max)``: inside the no-carry band, so a programmed cell with no
        update never carries), MSB programming error drawn; pending leak is cleared.
        """
    def update(self, dw: npt.NDArray[np.float32]) -> None:
        """Apply a requested weight change (one mini-batch).

        hybrid, per cell, in one pass: pending leak; ``n = round(dw / D_L)`` (stochastic by
        default), ``|n|`` truncated at ``max_pulses_per_update`` (counted as
        ``truncated_pulses``); the LSB moves by ``n`` pulses of the cell's step scale
        ``s = (1 +- a) * d2d`` along the device's ``lsb_response`` curve: ``linear`` ``n * s``
        pulse units (with ``step_c2c_rel`` noise, the sum of ``n`` noisy pulses ``n + sigma
        sqrt(n) xi``, and optional soft saturation, as in the first release), ``exp`` / ``soft-
        bounds`` / ``table`` the closed form of the curve for ``n`` pulses (``P_max = 2 L_max /
        s`` pulses end to end); with ``lsb_c2c_rel``, Gaussian noise of sigma
        ``lsb_c2c_rel * 2 L_max * sqrt(|n|)`` (drawn per update and cell with pulses). The LSB
        is clipped at ``+-L_max`` (pulses beyond the rail or the curve's end:
        ``clipped_pulses``);
        then, with an overflow ``transfer_protocol``, the overflow carry: a cell whose LSB left
        the band, ``|lsb| > h = carry_threshold * N_L`` (strict), moves its MSB by
        ``round(lsb / N_L)`` steps (a comparator on the analog charge: no ADC, no read noise)
        and keeps its residual (``|lsb| <= N_L / 2`` afterwards) or resets it.
        """
    def advance(self, seconds: float) -> None:
        """Let simulated time pass (>= 0, finite). The LSB leaks toward 0 as exp(-t / tau_i)."""
    def transfer(self) -> int:
        """A read-all transfer now, under any ``transfer_protocol`` (e.g. a final consolidation);
        returns the MSB writes done. The periodic protocols run the same transfer from
        :meth:`step`.

        Per cell: read the LSB (``lsb_read_noise_steps`` drawn per transfer and cell, then the
        ``adc_bits`` ADC), ``c = round(read / N_L)`` with ties toward zero (a charge of exactly
        ``+-N_L / 2``, where :meth:`program` may leave it, carries nothing); if ``c != 0`` and the
        cell is not worn: ``m <- clip(m + c)``, one write per level change (programming error
        redrawn, write counter and wear-out updated), ``carries += |moved|``, a carry the rails
        stopped counted in ``blocked_carries``; then residual ``keep`` (``lsb -= moved * N_L``)
        or ``reset`` (every LSB, carried or not, back to 0; the charge thrown away, including the
        part below half a step, added to ``lsb_discarded_pulses``).
        float/ideal: no-op, returns 0.
        """
    def step(self, dw: npt.NDArray[np.float32], images: int = 1, *, out: npt.NDArray[np.float32] | None = None) -> int:
        """One training step: ``advance(images * t_image_s)``, ``update(dw)``, then, with a
        periodic ``transfer_protocol``, a read-all :meth:`transfer` when the image counter crosses
        a multiple of ``transfer_every_images``. Returns the MSB writes of this step.

        ``out`` (float32 ``(rows, cols)``, C-contiguous, writable, not ``dw``): also write the
        training weights after the step into it, bit-identical to a following ``weights()``,
        in the update's pass over the cells (a step with a periodic transfer reads out after
        the transfer). Saves the separate readout pass of a training loop.
        """
    def weights(self, inference: bool = False, retention_s: float = 0.0) -> npt.NDArray[np.float32]:
        """Current weights, float32 ``(rows, cols)``.

        ``inference=False``: training weights (MSB + LSB with leak applied).
        ``inference=True``: MSB only, ``(level + msb_error) * exp(-retention_s /
        tau_retention_s)`` plus per-readout read noise (``msb_read_noise_rel``; each noisy
        readout advances the read-noise stream). The state is not modified.
        """
    def counters(self) -> dict[str, int | float]:
        """Event counters, one meaning each:

        * ``pulses``: LSB pulses applied; ``clipped_pulses``: lost at the LSB rails (ideal: at
          the level rails); ``truncated_pulses``: dropped by ``max_pulses_per_update``;
          ``latency_pulses``: sum over updates of the largest ``|n|``;
        * ``msb_writes``: MSB program events (what endurance counts), of which
          ``overflow_writes`` by the overflow trigger inside ``update``; ``carries``: MSB steps
          moved (a carry of c levels counts ``|c|``); ``max_cell_writes``, ``worn_cells``;
        * ``blocked_carries``: carry attempts the MSB rails stopped (fully or in part), each
          counted once: with ``keep`` the same blocked charge is not counted again until it has
          returned inside the band (``|lsb| <= N_L / 2`` with a periodic protocol, else ``h``) or
          the MSB has moved; with ``reset`` every attempt is new charge;
        * ``lsb_discarded_pulses`` (float): charge thrown away by ``reset`` residuals, pulse units
          (sum of the magnitudes of the analog LSB charge reset, not rounded);
        * ``transfers`` (read-all events), ``updates``, ``images``, ``time_s`` (float);
        * ``msb_program_pulses``: program pulses of the MSB writes as the store counts them
          (``levels``: one per program operation; ``pcm``: its pulse trains plus RESETs);
          ``msb_verify_iterations``: program-and-verify iterations of closed-loop writes (0 open
          loop), each one program operation (counted in the cell's write count, what endurance
          counts) and one verify read.
        """
    def msb_write_counts(self) -> npt.NDArray[np.uint32]:
        """Per-cell MSB write counts, what endurance counts: program operations (one per
        open-loop write, the iterations of a program-verify write); zeros for float/ideal."""
    def lsb(self) -> npt.NDArray[np.float32]:
        """Per-cell LSB charge in pulse units, pending leak applied (zeros for float/ideal)."""
    def msb_levels(self) -> npt.NDArray[np.int16]:
        """Per-cell MSB level: ``m`` in 0..N_M-1 (offset mapping) or the signed ``d`` in
        -(N_M-1)..N_M-1 (differential); ideal: the level index likewise; float: zeros."""
    def tau_leak(self) -> npt.NDArray[np.float32]:
        """Per-cell leak time constants in seconds (inf when there is no leak)."""
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically: ``format``, ``kind``, ``rows``,
        ``cols``, ``seed``, ``w_max``, ``device`` (dict), ``pending_dt_s``, ``counters`` (dict),
        ``rng_steps`` (dict of stream positions) and the per-cell arrays of the kind (float:
        ``w``; ideal: ``msb`` (level index, u16); hybrid: ``msb`` (level index, u16), ``lsb``
        (pulse units, leak not yet applied for ``pending_dt_s``), ``msb_error`` (deviation of
        the MSB weight from its nominal level: static offset + programming error of the last
        write, weight units), ``msb_writes`` u32, ``step_up``, ``step_down`` (pulse size incl.
        asymmetry and d2d spread), ``leak_rate`` (1/tau, 1/s), ``msb_offset`` (static level
        offset, weight units), and for ``msb_model`` ``"domains"`` ``domain_mask`` (uint64, bit
        k set: FE domain k polarized up; the domains' activation fields are a pure function of
        the seed)); all per-cell arrays have shape ``(rows, cols)``."""
    @staticmethod
    def from_state(state: Mapping[str, Any]) -> SynapseArray:
        """Rebuild an array from :meth:`state_dict` (numpy 0-d scalars accepted, e.g. from
        ``np.load``). Reads this version's format (:data:`STATE_FORMAT`) and format 1 (the first
        release: its device gets the ``transfer_protocol`` its ``carry_threshold`` and
        ``transfer_every_images`` implied, its ``lost_carries``/``overflow_carries`` counters are
        dropped, no carry is marked blocked; the carry rule of this version applies from then
        on). Raises ValueError/TypeError naming the missing or malformed entry."""
    def __reduce__(self) -> tuple[Any, ...]: ...

# --- layer kernels (used by femsyn.nn_kernels; not a public API) -------------------------------
# Activations are channels-last: images (N, H, W, C); all float arrays of one call are float32
# or all float64. Results are bit-identical for any thread count (BLAS on one thread).
_Real = npt.NDArray[np.float32] | npt.NDArray[np.float64]

def nn_conv2d_forward(
    x: _Real, w: _Real, k: int, stride: int, padding: int, bias: _Real | None = None, relu: bool = False
) -> _Real:
    """Convolution: x (N, H, W, C), w (O, k*k*C) with columns in (kh, kw, c) order -> (N, Ho, Wo, O);
    bias added and ReLU applied when given."""

def nn_conv2d_backward(
    x: _Real,
    w: _Real,
    y: _Real | None,
    grad: _Real,
    k: int,
    stride: int,
    padding: int,
    need_bias: bool = False,
    need_dx: bool = True,
) -> tuple[_Real, _Real | None, _Real | None]:
    """(grad_w (O, k*k*C), grad_b (O) or None, grad_x (N, H, W, C) or None); ``y`` is the forward
    output when the ReLU was fused (its mask is applied to ``grad``)."""

def nn_linear_forward(x: _Real, w: _Real, bias: _Real | None = None, relu: bool = False) -> _Real:
    """Fully connected: x (N, in), w (out, in) -> (N, out)."""

def nn_linear_backward(
    x: _Real, w: _Real, y: _Real | None, grad: _Real, need_bias: bool = False, need_dx: bool = True
) -> tuple[_Real, _Real | None, _Real | None]:
    """(grad_w (out, in), grad_b (out) or None, grad_x (N, in) or None)."""

def nn_maxpool2_forward(x: _Real) -> tuple[_Real, npt.NDArray[np.uint8]]:
    """2x2/stride-2 max pooling of (N, H, W, C) -> (y (N, H//2, W//2, C), winner index 0..3 uint8)."""

def nn_maxpool2_backward(grad: _Real, arg: npt.NDArray[np.uint8], h: int, w: int) -> _Real:
    """Input gradient (N, h, w, C) of :func:`nn_maxpool2_forward`."""

def nn_sgd_step(
    v: npt.NDArray[np.float32],
    grad: npt.NDArray[np.float32],
    w: npt.NDArray[np.float32],
    dw: npt.NDArray[np.float32],
    momentum: float,
    weight_decay: float,
    lr: float,
) -> None:
    """In place, float32, one pass: ``v = momentum * v + grad + weight_decay * w``; ``dw = -lr * v``
    (bit-identical to those steps in numpy; ``v`` and ``dw`` must be C-contiguous)."""

def nn_use_blas(path: str) -> str:
    """Call the cblas GEMMs of the shared library at ``path``; returns the symbol used."""

def nn_use_builtin_gemm() -> None:
    """Call the built-in pure-Rust GEMM (matrixmultiply)."""

def nn_gemm_backend() -> str:
    """The GEMM the layer kernels call."""
