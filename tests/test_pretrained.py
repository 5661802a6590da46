"""Loading pretrained models: local files only unless asked, and one-line errors."""

import pytest

from tools.errors import BackendUnavailableError
from tools.pretrained import download_command, load_pretrained


def test_nothing_is_downloaded_unless_asked():
    seen = []

    def load(model, **options):
        seen.append(options)
        return model

    load_pretrained(load, "org/model", dtype="auto")
    load_pretrained(load, "org/model", download=True)
    assert seen == [{"local_files_only": True, "dtype": "auto"}, {"local_files_only": False}]


def test_a_model_not_in_the_cache_names_the_download_command():
    def load(model, **options):
        raise OSError("We couldn't connect to 'https://huggingface.co' to load the files")

    with pytest.raises(BackendUnavailableError, match="not available locally") as error:
        load_pretrained(load, "openai/clip-vit-base-patch32")
    assert download_command("openai/clip-vit-base-patch32") in str(error.value)
    assert "--exclude '*.h5' '*.msgpack'" in str(error.value)


def test_bin_weights_under_an_old_torch_say_which_torch():
    def load(model, **options):
        raise ValueError(
            "Due to a serious vulnerability issue in `torch.load`, even with `weights_only=True`,"
            " we now require users to upgrade torch to at least v2.6"
        )

    with pytest.raises(BackendUnavailableError, match=r"torch >= 2\.6: pip install"):
        load_pretrained(load, "laion/larger_clap_music")


def test_a_model_of_the_wrong_kind_is_one_line():
    def load(model, **options):
        raise ValueError("Unrecognized configuration class\nmore detail")

    with pytest.raises(BackendUnavailableError, match="cannot be loaded as this kind of model"):
        load_pretrained(load, "org/model")
