"""Loading pretrained Hugging Face transformers models for the real backends.

torch and transformers come with the `ml` extra and are imported only when a model backend is
built. Nothing is downloaded unless a backend is asked to (`download=True`, e.g.
`--set critic.download=true`): a model is a local folder or already in the local Hugging Face
cache. A missing extra, a model that is not there (the error names the command that fetches
it), a folder that holds no model of the right kind and a device that is not there each end in
one `BackendUnavailableError` line.
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


def download_command(model: str) -> str:
    """The command that fetches a transformers model without its TensorFlow, Flax and ONNX
    copies, which these loaders never read."""
    return f"hf download {model} --exclude '*.h5' '*.msgpack' '*.onnx' 'onnx/*'"


def load_pretrained(
    load: Callable[..., Loaded], model: str, *, download: bool = False, **options: Any
) -> Loaded:
    """`load(model, **options)` for a `from_pretrained` loader (or `transformers.pipeline`),
    from local files only unless `download`; a model that cannot be found or is of the wrong
    kind is reported in one line."""
    try:
        return load(model, local_files_only=not download, **options)
    except OSError as error:
        raise BackendUnavailableError(
            f"model {model!r} is not available locally: give a local folder, or download it "
            f"once with `{download_command(model)}` ({_first_line(error)})"
        ) from error
    except ValueError as error:
        if "torch.load" in str(error):  # transformers will not torch.load .bin before torch 2.6
            raise BackendUnavailableError(
                f"{model!r} ships .bin weights, which transformers loads only with torch >= 2.6: "
                f"{ML_EXTRA} ({_first_line(error)})"
            ) from error
        raise BackendUnavailableError(
            f"{model!r} cannot be loaded as this kind of model: {_first_line(error)}"
        ) from error


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
