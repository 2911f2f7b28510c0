"""What femsyn knows about each dataset: names and aliases, classes, normalization, mirrors."""

from __future__ import annotations

__all__ = ["DATASETS", "dataset_names"]

DATASETS = ("mnist", "fashion-mnist", "cifar10")

_ALIASES = {
    "mnist": "mnist",
    "fashion-mnist": "fashion-mnist",
    "fashion_mnist": "fashion-mnist",
    "fashionmnist": "fashion-mnist",
    "fmnist": "fashion-mnist",
    "cifar10": "cifar10",
    "cifar-10": "cifar10",
    "cifar_10": "cifar10",
}


_CLASSES = {
    "mnist": tuple(str(i) for i in range(10)),
    "fashion-mnist": (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    "cifar10": (
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ),
}

# Normalization constants (of the [0, 1]-scaled training pixels).
_MEAN = {"mnist": (0.1307,), "fashion-mnist": (0.2860,), "cifar10": (0.4914, 0.4822, 0.4465)}
_STD = {"mnist": (0.3081,), "fashion-mnist": (0.3530,), "cifar10": (0.2470, 0.2435, 0.2616)}

_PRETTY = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}

_MIRRORS = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    "fashion-mnist": (
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ),
    "cifar10": ("https://www.cs.toronto.edu/~kriz/",),
}


def dataset_names() -> tuple[str, ...]:
    """The datasets femsyn reads (canonical names)."""
    return DATASETS


def _canonical(name: str) -> str:
    key = str(name).strip().lower()
    if key not in _ALIASES:
        raise ValueError(f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}")
    return _ALIASES[key]
