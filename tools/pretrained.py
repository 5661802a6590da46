"""Loading pretrained Hugging Face transformers models for the real backends.

torch and transformers come with the `ml` extra and are imported only when a model backend is
built. A missing extra, a model that is neither a local folder nor in the local Hugging Face
cache, a folder that holds no model of the right kind and a device that is not there each end
in one `BackendUnavailableError` line.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from tools.errors import BackendUnavailableError

ML_EXTRA = "pip install 'sound2sight[ml]'"

Loaded = TypeVar("Loaded")


def require_ml(backend: str) -> None:
    """Fail with one line naming the extra to install when torch or transformers is missing."""
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as error:
        raise BackendUnavailableError(
            f"the {backend} backend needs torch and transformers: {ML_EXTRA} ({error})"
        ) from error


def torch_device(device: str) -> str:
    """`"auto"` is the first CUDA GPU where there is one, else the CPU; other names as given."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise BackendUnavailableError(f"device {device!r} was asked for but no CUDA GPU is visible")
    return device


def torch_dtype(device: str) -> Any:
    """The checkpoint's own precision on a GPU (bf16 for most recent models); float32 on the
    CPU, where half precision is slow or unsupported."""
    import torch

    return "auto" if device.startswith("cuda") else torch.float32


def load_pretrained(load: Callable[..., Loaded], model: str, **options: Any) -> Loaded:
    """`load(model, **options)` for a `from_pretrained` loader, with a model that cannot be
    found or is of the wrong kind reported in one line."""
    try:
        return load(model, **options)
    except OSError as error:
        raise BackendUnavailableError(
            f"model {model!r} is not available locally: give a local folder, or download it "
            f"once with `hf download {model}` ({_first_line(error)})"
        ) from error
    except ValueError as error:
        raise BackendUnavailableError(
            f"{model!r} cannot be loaded as this kind of model: {_first_line(error)}"
        ) from error


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
