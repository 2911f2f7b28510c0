"""SGD with momentum and weight decay, and learning-rate schedules.

The optimizer turns gradients into requested weight changes ``dw`` and hands them to the
synapses: one ``arr.step(dw, images=batch_size)`` per weighted layer per batch
(``SynapticLayer.apply_step``, which also refills the layer's weights in that pass). What the
device does with the request (quantization, pulse clipping, leak, transfers) is the device's
business; the float preset applies it exactly, so every preset goes through the same loop.
Biases live in the digital periphery and are updated exactly in float32.
"""

from __future__ import annotations

import math

import numpy as np

from femsyn.nn.layers import SynapticLayer

__all__ = ["SGD", "LR_SCHEDULES", "lr_at"]

LR_SCHEDULES = ("cosine", "step", "constant")


def lr_at(
    step: int,
    total_steps: int,
    base_lr: float,
    schedule: str,
    warmup_steps: int = 0,
    step_gamma: float = 0.1,
    step_milestones: tuple[float, ...] = (0.5, 0.75),
) -> float:
    """Learning rate at ``step`` (0-based) of ``total_steps``.

    Linear warmup over ``warmup_steps`` then ``cosine`` (to 0 at the end), ``step``
    (multiply by ``step_gamma`` at each fraction of training in ``step_milestones``) or
    ``constant``.
    """
    if schedule not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {schedule!r}")
    if warmup_steps > 0 and step < warmup_steps:
        return base_lr * (step + 1) / warmup_steps
    if schedule == "constant":
        return base_lr
    if schedule == "cosine":
        span = max(1, total_steps - warmup_steps)
        t = min(1.0, (step - warmup_steps) / span)
        return base_lr * 0.5 * (1.0 + math.cos(math.pi * t))
    frac = step / max(1, total_steps)
    return base_lr * step_gamma ** sum(1 for m in step_milestones if frac >= m)


class SGD:
    """SGD with (heavy-ball, PyTorch-style) momentum and L2 weight decay on synaptic weights.

    ``v = momentum * v + (grad + weight_decay * w)``; requested change ``dw = -lr * v``.
    Weight decay is not applied to biases.
    """

    def __init__(self, layers: list[SynapticLayer], momentum: float = 0.9, weight_decay: float = 0.0) -> None:
        self.layers = layers
        self.momentum = float(momentum)
        self.weight_decay = float(weight_decay)
        self.v_w = [np.zeros((layer.rows, layer.cols), dtype=np.float32) for layer in layers]
        self.v_b = [np.zeros(layer.rows, dtype=np.float32) for layer in layers]
        self._dw = [np.empty((layer.rows, layer.cols), dtype=np.float32) for layer in layers]

    def step(self, lr: float, images: int) -> list[int]:
        """Apply one update to every layer; returns the MSB writes each array reported."""
        from femsyn.nn.kernels import sgd_step

        writes = []
        for layer, vw, vb, dw in zip(self.layers, self.v_w, self.v_b, self._dw):
            # one pass over the cells (the float32 steps of vw = mu*vw + grad + wd*w, dw = -lr*vw)
            sgd_step(vw, layer.grad_w, layer.w, dw, self.momentum, self.weight_decay, lr)
            writes.append(layer.apply_step(dw, int(images)))
            if layer.use_bias:
                vb *= np.float32(self.momentum)
                vb += layer.grad_b
                layer.b -= np.float32(lr) * vb
        return writes

    def state_dict(self) -> dict[str, np.ndarray]:
        out = {}
        for i, (vw, vb) in enumerate(zip(self.v_w, self.v_b)):
            out[f"v_w{i}"] = vw.copy()
            out[f"v_b{i}"] = vb.copy()
        return out

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        for i in range(len(self.layers)):
            self.v_w[i][...] = state[f"v_w{i}"]
            self.v_b[i][...] = state[f"v_b{i}"]
