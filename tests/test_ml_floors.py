"""The `ml` extra's version floors: what the code needs, and what is installed meets them."""

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
# the oldest release each package must be, and why
NEEDS = {
    "torch": ("2.6", "transformers refuses torch.load of .bin checkpoints before torch 2.6"),
    "transformers": ("5.0", "get_image_features(...).pooler_output"),
    "diffusers": (
        "0.40",
        "DiffusionPipeline.from_pretrained(dtype=...) (huggingface/diffusers#14162)",
    ),
}


def ml_extra() -> dict[str, Requirement]:
    extras = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]
    return {Requirement(line).name: Requirement(line) for line in extras["ml"]}


def floor(requirement: Requirement) -> Version:
    bounds = [Version(s.version) for s in requirement.specifier if s.operator in (">=", "==")]
    assert bounds, f"{requirement} has no floor"
    return max(bounds)


@pytest.mark.parametrize("name", sorted(NEEDS))
def test_floors_are_what_the_code_needs(name):
    needed, why = NEEDS[name]
    assert floor(ml_extra()[name]) >= Version(needed), why


def test_torch_stays_below_2_14():
    assert not ml_extra()["torch"].specifier.contains("2.14.0")  # the CPU wheel here is 2.13


@pytest.mark.parametrize("name", sorted(ml_extra()))
def test_installed_versions_meet_the_extra(name):
    installed = version(name)
    assert ml_extra()[name].specifier.contains(installed, prereleases=True), (name, installed)


def test_diffusers_loads_a_tiny_pipeline_in_the_dtype_asked(tmp_path):
    import torch
    from diffusers import DiffusionPipeline
    from tiny_models import save_tiny_ltx

    save_tiny_ltx(tmp_path)
    pipe = DiffusionPipeline.from_pretrained(tmp_path, dtype=torch.bfloat16)
    assert pipe.transformer.dtype == torch.bfloat16 and pipe.vae.dtype == torch.bfloat16


def test_transformers_image_features_have_a_pooler_output(tmp_path):
    import torch
    from tiny_models import save_tiny_clip
    from transformers import CLIPModel

    save_tiny_clip(tmp_path)
    model = CLIPModel.from_pretrained(tmp_path)
    with torch.inference_mode():
        features = model.get_image_features(pixel_values=torch.zeros(1, 3, 32, 32))
    assert features.pooler_output.shape == (1, 16)
