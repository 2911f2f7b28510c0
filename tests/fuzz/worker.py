"""One fuzz batch, run in its own process by ``test_fuzz.py`` (so an abort of the interpreter
fails that test instead of killing pytest).

``python worker.py TARGET EXAMPLES SEED`` drives one target with hypothesis-generated input
and prints one JSON line: calls made, exceptions by type, and every message that names none
of the arguments of its call (``unnamed``) or is of a type the API must not raise (``bad``).

Targets: ``construct`` (SynapseArray(...)), ``methods`` (every method with fuzzed arguments),
``from_state`` (mutated state dicts), ``device`` (validate_device / set_num_threads),
``checkpoint_file`` (byte-mutated checkpoint files), ``checkpoint_state`` (mutated checkpoint
states through the run's validation and restore).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
import warnings
from collections import Counter
from pathlib import Path

import femsyn
import numpy as np
from femsyn import SynapseArray, preset
from femsyn._core import device_fields, set_num_threads, validate_device
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DEVICES = ["femfet-6b", "ideal-6b", "float", "3t1c2pcm-6b", "2t1fefet-6b"]
FIELDS = list(device_fields())
# exceptions the API may raise for bad input: TypeError / ValueError (CheckpointError is one)
ALLOWED = (TypeError, ValueError)

# any Python value a careless caller might pass; sizes kept small (numbers beyond the size cap
# or the memory check are errors, never allocations)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, 1, 2, 3, 5, 17, -1, -(2**63), 2**63 - 1, 2**63, 2**64, 10**30, 3 * 10**5, 2**35]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -0.0, 5e-324, float("nan"), 1.18e21]),
    st.text(max_size=5),
    st.binary(max_size=4),
    st.sampled_from([np.int64(3), np.float32(0.5), np.bool_(True), np.uint8(200), np.float64("nan")]),
)
_arrays = st.builds(
    lambda dtype, shape, fill: np.full(shape, fill).astype(dtype),
    st.sampled_from([np.float32, np.float64, np.int16, np.uint8, np.bool_, np.complex64]),
    st.sampled_from([(), (3,), (3, 4), (4, 3), (3, 4, 1), (0, 4), (2, 2)]),
    st.sampled_from([0.0, 1.0, -1e30, float("nan"), float("inf"), 0.25]),
)
ANY = st.one_of(
    _scalars, _arrays, st.lists(_scalars, max_size=3), st.dictionaries(st.text(max_size=3), _scalars, max_size=2)
)


class Tally:
    def __init__(self) -> None:
        self.calls = 0
        self.types: Counter[str] = Counter()
        self.unnamed: list[str] = []
        self.bad: list[str] = []

    def call(self, names: list[str], f, *args, **kw) -> object:
        """Call f; an error must be TypeError/ValueError naming one of ``names``."""
        self.calls += 1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return f(*args, **kw)
        except ALLOWED as e:
            self.types[type(e).__name__] += 1
            msg = str(e)
            if not any(n in msg for n in names):
                self.unnamed.append(f"{type(e).__name__}: {msg[:200]}")
        except Exception as e:  # noqa: BLE001 - the point: anything else is a finding
            self.bad.append(f"{type(e).__name__}: {str(e)[:200]}")
        return None

    def report(self) -> dict:
        return {"calls": self.calls, "types": dict(self.types), "unnamed": self.unnamed[:20], "bad": self.bad[:20],
                "n_unnamed": len(self.unnamed), "n_bad": len(self.bad)}  # fmt: skip


T = Tally()
DEVICE_NAMES = ["device", *FIELDS]


def _array(name: str = "femfet-6b", rows: int = 3, cols: int = 4) -> SynapseArray:
    a = SynapseArray(rows, cols, preset(name), seed=1, w_max=0.5)
    a.program(np.linspace(-0.4, 0.4, rows * cols, dtype=np.float32).reshape(rows, cols))
    a.step(np.full((rows, cols), 0.01, np.float32), images=8)
    return a


def _run(test, n: int, seed: int) -> None:
    s = settings(max_examples=n, database=None, deadline=None, derandomize=False,
                 suppress_health_check=list(HealthCheck), phases=[p for p in __import__("hypothesis").Phase
                                                                  if p.name in ("generate",)])  # fmt: skip
    from hypothesis import seed as hseed

    hseed(seed)(s(test))()


@given(rows=ANY, cols=ANY, dev=st.one_of(st.sampled_from(DEVICES).map(preset), ANY), seed=ANY, w_max=ANY)
def construct(rows, cols, dev, seed, w_max) -> None:
    T.call(["rows", "cols", "device", *FIELDS, "seed", "w_max"], SynapseArray, rows, cols, dev, seed=seed, w_max=w_max)


METHODS = {
    "program": ["w"],
    "update": ["dw"],
    "step": ["dw", "images"],
    "advance": ["seconds"],
    "weights": ["inference", "retention_s"],
}


@given(dev=st.sampled_from(DEVICES), method=st.sampled_from(sorted(METHODS)), a1=ANY, a2=ANY, kw=st.booleans())
def methods(dev, method, a1, a2, kw) -> None:
    arr = ARRAYS[dev]
    names = METHODS[method]
    args = [a1, a2][: len(names)]
    f = getattr(arr, method)
    if kw:
        T.call(names, f, **dict(zip(names, args)))
    else:
        T.call(names, f, *args)
    for m in ("transfer", "counters", "lsb", "msb_levels", "tau_leak", "msb_write_counts", "state_dict"):
        T.call([m], getattr(arr, m))


@given(dev=st.sampled_from(DEVICES), key=st.integers(0, 40), value=ANY, how=st.sampled_from(["set", "del", "scale"]))
def from_state(dev, key, value, how) -> None:
    state = STATES[dev]()
    keys = sorted(state)
    k = keys[key % len(keys)]
    if how == "del":
        del state[k]
    elif how == "scale" and isinstance(state[k], np.ndarray):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            with np.errstate(all="ignore"):
                state[k] = (state[k].astype(np.float64) * float(value)).astype(state[k].dtype)
        else:
            state[k] = state[k].T
    elif how == "scale" and k in ("rows", "cols"):
        state[k] = 100000
    else:
        state[k] = value
    T.call(["state", *DEVICE_NAMES], SynapseArray.from_state, state)


@given(field=st.sampled_from(FIELDS + ["no_such_field"]), value=ANY, threads=ANY)
def device(field, value, threads) -> None:
    d = dataclasses.asdict(preset("femfet-6b"))
    d[field] = value
    T.call([field, "device"], validate_device, d)
    T.call(["n"], set_num_threads, threads)
    set_num_threads(1)


def checkpoint_target(kind: str):
    from femsyn.run import CHECKPOINT, TrainConfig, train
    from femsyn.run.checkpoint import load_checkpoint, save_checkpoint
    from femsyn.run.inputs import build_config_net, load_training_data
    from femsyn.run.resume import restore_net
    from femsyn.run.validate import check_checkpoint

    tmp = Path(tempfile.mkdtemp())
    cfg = TrainConfig(net="mlp", hidden=[8], train_limit=128, val_size=64, epochs=2, stop_after_epochs=1,
                      progress=False, threads=1, out=str(tmp / "run"))  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        train(cfg)
        data = load_training_data(cfg)
    good = (tmp / "run" / CHECKPOINT).read_bytes()
    spe = -(-data.n_train // cfg.batch_size)
    path = tmp / "mutated.npz"

    def load_and_restore() -> None:
        state = load_checkpoint(path)
        net = build_config_net(cfg, data)
        check_checkpoint(path, cfg, state, net.synaptic_layers, spe)
        restore_net(net, state["model"], path)

    if kind == "file":

        @given(
            pos=st.integers(0, len(good) - 1), byte=st.integers(0, 255), how=st.sampled_from(["flip", "cut", "insert"])
        )
        def mutate(pos, byte, how) -> None:
            b = bytearray(good)
            if how == "flip":
                b[pos] ^= byte or 1
            elif how == "cut":
                del b[pos:]
            else:
                b[pos:pos] = bytes([byte])
            path.write_bytes(bytes(b))
            T.call([str(path)], load_and_restore)

        return mutate

    @given(where=st.integers(0, 10**6), value=ANY)
    def mutate_state(where, value) -> None:
        path.write_bytes(good)
        state = load_checkpoint(path)
        leaves = list(_leaves(state, ()))
        keys, _ = leaves[where % len(leaves)]
        _put(state, keys, value)
        try:
            save_checkpoint(path, state)
        except TypeError:
            return  # a value a checkpoint cannot hold (bytes, complex): nothing to load
        T.call([str(path)], load_and_restore)

    return mutate_state


def _leaves(obj, keys):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, (*keys, k))
    elif isinstance(obj, list) and obj:
        for i, v in enumerate(obj):
            yield from _leaves(v, (*keys, i))
    else:
        yield keys, obj


def _put(obj, keys, value):
    for k in keys[:-1]:
        obj = obj[k]
    obj[keys[-1]] = value


ARRAYS: dict[str, SynapseArray] = {}
STATES: dict = {}


def main() -> None:
    target, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    femsyn.set_num_threads(1)
    for name in DEVICES:
        ARRAYS[name] = _array(name)
        STATES[name] = ARRAYS[name].state_dict
    tests = {"construct": construct, "methods": methods, "from_state": from_state, "device": device}
    test = tests.get(target) or checkpoint_target(target.removeprefix("checkpoint_"))
    _run(test, n, seed)
    print(json.dumps(T.report()))


if __name__ == "__main__":
    main()
