"""Tiny random-weight models for the tests, built without the hub: one public builder per model
(diffusers' `get_dummy_components` style), each saving to a folder that the backends load
exactly as a user's model folder.

Every builder seeds torch itself (`seed`, 0 by default), so a folder's weights do not depend on
what ran before it; `seed=None` draws them from torch's generator as it stands (several models
from one seed). The sizes are the smallest that still run the real loading and inference
code; what these models hear, write or draw means nothing.

- audio: `save_tiny_clap` (tagger), `save_tiny_whisper` (lyrics), `save_tiny_wav2vec2` (CTC
  aligner), `save_tiny_qwen2_audio` (listener);
- text: `save_tiny_qwen_lm` (writer and chat model);
- images: `save_tiny_clip`, `save_tiny_siglip`, `save_tiny_dinov2` (embedding critics);
- video: `save_tiny_ltx`, `save_tiny_wan`, `save_tiny_pixart` (keyframes), `save_tiny_kontext`
  (scene keyframes).
"""

import json
import re
from collections.abc import Sequence
from pathlib import Path

from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from prompts import template
from tests.plans import rooftop_plan, rooftop_scene

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"
IMAGE_SIZE = 32  # the embedding critics' image size


def _seed(seed: int | None) -> None:
    """Seed torch (imported here, so that a test module can import this one and still skip
    when torch is absent); None leaves torch's generator where it is."""
    import torch

    if seed is not None:
        torch.manual_seed(seed)


def byte_vocab() -> dict[str, int]:
    """Roberta's special tokens and the 256 byte-level symbols: every text tokenizes."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    shifted = [b for b in range(256) if b not in printable]
    symbols = [chr(b) for b in printable] + [chr(256 + i) for i in range(len(shifted))]
    return {t: i for i, t in enumerate(["<s>", "<pad>", "</s>", "<unk>", "<mask>", *symbols])}


# ---------------------------------------------------------------- audio


def save_tiny_clap(folder: Path, *, fusion: bool, seed: int | None = 0) -> Path:
    """A tiny ClapModel with its processor; the feature extractor keeps its default
    truncation ("fusion") as hub checkpoints do, so the tagger must pick it from the model."""
    from transformers import (
        ClapConfig,
        ClapFeatureExtractor,
        ClapModel,
        ClapProcessor,
        RobertaTokenizer,
    )

    vocab = byte_vocab()
    config = ClapConfig(
        text_config={
            "vocab_size": len(vocab),
            "hidden_size": 16,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "intermediate_size": 16,
            "max_position_embeddings": 128,
            "pad_token_id": vocab["<pad>"],
        },
        audio_config={
            "spec_size": 256,
            "num_mel_bins": 64,
            "window_size": 8,
            "depths": [1, 1],
            "num_attention_heads": [1, 1],
            "patch_embeds_hidden_size": 8,
            "hidden_size": 16,
            "enable_fusion": fusion,
        },
        projection_dim=8,
    )
    _seed(seed)
    ClapModel(config).save_pretrained(folder)
    ClapProcessor(
        feature_extractor=ClapFeatureExtractor(feature_size=64, max_length_s=2),
        tokenizer=RobertaTokenizer(vocab=vocab, merges=[], model_max_length=120),
    ).save_pretrained(folder)
    return folder


WHISPER_WORDS = ["Ġla", "Ġlo", "Ġsun", "Ġsky", "Ġsea", "Ġrain", "Ġfly", "Ġhome", "Ġnight", "Ġup"]
WHISPER_SPECIALS = [
    "<|endoftext|>",
    "<|startoftranscript|>",
    "<|en|>",
    "<|translate|>",
    "<|transcribe|>",
    "<|startoflm|>",
    "<|startofprev|>",
    "<|nospeech|>",
    "<|notimestamps|>",
]


def save_tiny_whisper(
    folder: Path, vocabulary: Sequence[str] = WHISPER_WORDS, *, seed: int | None = 0
) -> Path:
    """A tiny random WhisperForConditionalGeneration with its processor, saved to `folder`.

    The vocabulary holds whole words only (by default), so even random weights decode to
    words; the generation config has what timestamps need (the no-timestamps token,
    alignment heads)."""
    from tokenizers import AddedToken
    from transformers import (
        GenerationConfig,
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizer,
    )

    _seed(seed)
    tokenizer = WhisperTokenizer(vocab={word: i for i, word in enumerate(vocabulary)}, merges=[])
    tokenizer.add_special_tokens({"additional_special_tokens": WHISPER_SPECIALS[1:]})
    tokenizer.add_tokens(
        [AddedToken(f"<|{i * 0.02:.2f}|>", special=False, normalized=False) for i in range(1501)]
    )
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in WHISPER_SPECIALS}
    end, start = ids["<|endoftext|>"], ids["<|startoftranscript|>"]
    config = WhisperConfig(
        vocab_size=len(tokenizer),
        num_mel_bins=80,
        encoder_layers=1,
        decoder_layers=1,
        d_model=16,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        pad_token_id=end,
        bos_token_id=end,
        eos_token_id=end,
        decoder_start_token_id=start,
    )
    model = WhisperForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=start,
        no_timestamps_token_id=ids["<|notimestamps|>"],
        is_multilingual=False,
        alignment_heads=[[0, 0]],
        max_length=24,
        begin_suppress_tokens=[end],
        suppress_tokens=[],
        eos_token_id=end,
        pad_token_id=end,
    )
    model.save_pretrained(folder)
    processor = WhisperProcessor(WhisperFeatureExtractor(feature_size=80), tokenizer)
    processor.save_pretrained(folder)
    return folder


CTC_LETTERS = "abcdefghijklmnopqrstuvwxyz'"


def save_tiny_wav2vec2(folder: Path, *, seed: int | None = 0) -> Path:
    """A tiny random Wav2Vec2ForCTC with a lower-case letter vocabulary and its processor."""
    from transformers import (
        Wav2Vec2Config,
        Wav2Vec2CTCTokenizer,
        Wav2Vec2FeatureExtractor,
        Wav2Vec2ForCTC,
        Wav2Vec2Processor,
    )

    _seed(seed)
    vocab = {"<pad>": 0, "<unk>": 1, "|": 2} | {ch: 3 + i for i, ch in enumerate(CTC_LETTERS)}
    (folder / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = Wav2Vec2CTCTokenizer(str(folder / "vocab.json"), word_delimiter_token="|")
    config = Wav2Vec2Config(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        conv_dim=(16, 16),
        conv_stride=(5, 64),
        conv_kernel=(10, 64),
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2,
        pad_token_id=0,
    )
    Wav2Vec2ForCTC(config).save_pretrained(folder)
    features = Wav2Vec2FeatureExtractor(sampling_rate=16000, return_attention_mask=False)
    Wav2Vec2Processor(feature_extractor=features, tokenizer=tokenizer).save_pretrained(folder)
    return folder


# ---------------------------------------------------------------- Qwen2 (text, audio)
# The tokenizer is a byte-level BPE trained with the `tokenizers` library on the project's own
# prompt templates (so prompts stay a few thousand tokens) and wrapped as transformers'
# `Qwen2Tokenizer` with Qwen's chat markers; the models are one-layer networks of width 16.

CHAT_MARKERS = ["<|im_start|>", "<|im_end|>"]
AUDIO_MARKERS = ["<|AUDIO|>", "<|audio_bos|>", "<|audio_eos|>"]
VOCAB_SIZE = 800
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
TINY_QWEN = {
    "hidden_size": 16,
    "intermediate_size": 32,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "num_key_value_heads": 1,
    "max_position_embeddings": 32768,
}


def qwen_tokenizer(*, markers: list[str] = CHAT_MARKERS, chat_template: str | None = None):
    """A Qwen2Tokenizer with a BPE vocabulary learnt from prompts/*.txt plus JSON punctuation."""
    from transformers import Qwen2Tokenizer

    corpus = [path.read_text() for path in sorted(PROMPTS.glob("*.txt"))]
    corpus.append('{"title": "", "sections": [{"section": 0}], "#0f1a2b": null}')
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=["<|endoftext|>"],
    )
    bpe.train_from_iterator(corpus, trainer)
    learnt = json.loads(bpe.to_str())["model"]
    tokenizer = Qwen2Tokenizer(
        vocab=learnt["vocab"],
        merges=[tuple(merge) for merge in learnt["merges"]],
        chat_template=chat_template,
    )
    tokenizer.add_special_tokens({"additional_special_tokens": markers})
    return tokenizer


def save_tiny_qwen_lm(folder: Path, *, seed: int | None = 0) -> Path:
    """A tiny Qwen2ForCausalLM with its chat tokenizer, saved to `folder`."""
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    _seed(seed)
    tokenizer = qwen_tokenizer(chat_template=CHAT_TEMPLATE)
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    config = Qwen2Config(vocab_size=len(tokenizer), eos_token_id=end, **TINY_QWEN)
    model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(eos_token_id=end, pad_token_id=end)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def save_tiny_qwen2_audio(folder: Path, *, seed: int | None = 0) -> Path:
    """A tiny Qwen2AudioForConditionalGeneration (Whisper-like encoder, 30 s window) with
    its processor (WhisperFeatureExtractor with 128 mel bins + tokenizer with the audio
    markers + the processor's default chat template), saved to `folder`."""
    from transformers import (
        GenerationConfig,
        Qwen2AudioConfig,
        Qwen2AudioForConditionalGeneration,
        Qwen2AudioProcessor,
        WhisperFeatureExtractor,
    )

    _seed(seed)
    tokenizer = qwen_tokenizer(markers=CHAT_MARKERS + AUDIO_MARKERS)
    processor = Qwen2AudioProcessor(
        feature_extractor=WhisperFeatureExtractor(feature_size=128), tokenizer=tokenizer
    )
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    config = Qwen2AudioConfig(
        audio_config={
            "model_type": "qwen2_audio_encoder",
            "d_model": 16,
            "encoder_layers": 1,
            "encoder_attention_heads": 2,
            "encoder_ffn_dim": 32,
            "num_mel_bins": 128,
            "max_source_positions": 1500,
        },
        text_config={"model_type": "qwen2", "vocab_size": len(tokenizer), **TINY_QWEN},
        audio_token_index=tokenizer.convert_tokens_to_ids("<|AUDIO|>"),
    )
    model = Qwen2AudioForConditionalGeneration(config)
    model.generation_config = GenerationConfig(eos_token_id=end, pad_token_id=end)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


# ---------------------------------------------------------------- image embeddings (critics)


def _tower(**extra: object) -> dict[str, object]:
    """The options of one tiny transformer tower (text or vision)."""
    return {
        "hidden_size": 32,
        "intermediate_size": 37,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        **extra,
    }


def _text_tower(max_positions: int) -> dict[str, object]:
    tokens = {"vocab_size": len(byte_vocab()), "pad_token_id": 1, "bos_token_id": 0}
    return _tower(max_position_embeddings=max_positions, eos_token_id=2, **tokens)


def _vision_tower() -> dict[str, object]:
    return _tower(image_size=IMAGE_SIZE, patch_size=8)


def _save_roberta_tokenizer(folder: Path) -> None:
    from transformers import RobertaTokenizer

    RobertaTokenizer(vocab=byte_vocab(), merges=[]).save_pretrained(folder)


def save_tiny_clip(folder: Path, *, seed: int | None = 0) -> Path:
    """A tiny CLIPModel with its image processor and a byte-level tokenizer, saved to `folder`."""
    from transformers import CLIPConfig, CLIPImageProcessorPil, CLIPModel

    config = CLIPConfig(
        text_config=_text_tower(77), vision_config=_vision_tower(), projection_dim=16
    )
    _seed(seed)
    CLIPModel(config).save_pretrained(folder)
    CLIPImageProcessorPil(
        size={"shortest_edge": IMAGE_SIZE}, crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE}
    ).save_pretrained(folder)
    _save_roberta_tokenizer(folder)
    return folder


def save_tiny_siglip(folder: Path, *, seed: int | None = 0) -> Path:
    """A tiny SiglipModel with its image processor and a byte-level tokenizer."""
    from transformers import SiglipConfig, SiglipImageProcessorPil, SiglipModel

    config = SiglipConfig(text_config=_text_tower(64), vision_config=_vision_tower())
    _seed(seed)
    SiglipModel(config).save_pretrained(folder)
    SiglipImageProcessorPil(size={"height": IMAGE_SIZE, "width": IMAGE_SIZE}).save_pretrained(
        folder
    )
    _save_roberta_tokenizer(folder)
    return folder


def save_tiny_dinov2(folder: Path, *, seed: int | None = 0) -> Path:
    """A tiny Dinov2Model with its image processor (no text side)."""
    from transformers import BitImageProcessorPil, Dinov2Config, Dinov2Model

    _seed(seed)
    Dinov2Model(
        Dinov2Config(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, mlp_ratio=2)
    ).save_pretrained(folder)
    BitImageProcessorPil(
        size={"shortest_edge": IMAGE_SIZE}, crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE}
    ).save_pretrained(folder)
    return folder


# ---------------------------------------------------------------- video and keyframe pipelines


def _t5_tokenizer():
    """A T5 (unigram) tokenizer whose vocabulary is every word of the video prompts and of the
    hand-made rooftop plan (tests/plans.py)."""
    from transformers import T5Tokenizer

    texts = [
        template(name)
        for name in (
            "video_negative",
            "keyframe_negative",
            "keyframe_style",
            "keyframe_character",
            "keyframe_scene_cast",
            "keyframe_scene_look",
        )
    ]
    texts.append(json.dumps(rooftop_plan([rooftop_scene()])))
    words = sorted(set(re.findall(r"[a-z]+", " ".join(texts).lower())))
    specials = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    pieces = [(f"▁{w}", -1.0 - i / 1000) for i, w in enumerate(words)]
    letters = [(c, -10.0) for c in "abcdefghijklmnopqrstuvwxyz0123456789.,:;()\"'-▁"]
    return T5Tokenizer(vocab=specials + pieces + letters, extra_ids=0)


def _t5_options(tokenizer) -> dict:
    return {"vocab_size": len(tokenizer), "d_model": 32, "d_kv": 8, "d_ff": 37, "num_heads": 4}


def save_tiny_ltx(folder: Path, *, seed: int | None = 0) -> Path:
    """A tiny LTX-Video text/image-to-video pipeline with the real VAE compression (32x in
    space, 8x in time)."""
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel

    tokenizer = _t5_tokenizer()
    _seed(seed)
    text_encoder = T5EncoderModel(T5Config(num_layers=2, **_t5_options(tokenizer)))
    transformer = LTXVideoTransformer3DModel(
        in_channels=8,
        out_channels=8,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=4,
        attention_head_dim=8,
        cross_attention_dim=32,
        num_layers=1,
        caption_channels=32,
    )
    vae = AutoencoderKLLTXVideo(
        latent_channels=8,
        block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, True, False),
        decoder_spatio_temporal_scaling=(True, True, True, False),
        patch_size=4,
        patch_size_t=1,
    )
    pipe = LTXPipeline(
        transformer=transformer,
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
    )
    pipe.save_pretrained(folder)
    return folder


def save_tiny_wan(folder: Path, *, ti2v: bool = False, seed: int | None = 0) -> Path:
    """A tiny Wan 2.1 text-to-video pipeline, or (`ti2v`) a Wan 2.2 TI2V-like one: a 16x
    patchified VAE with 48 latent channels and `expand_timesteps`, text and image in one."""
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanPipeline,
        WanTransformer3DModel,
    )
    from transformers import UMT5Config, UMT5EncoderModel

    tokenizer = _t5_tokenizer()
    _seed(seed)
    text_encoder = UMT5EncoderModel(UMT5Config(num_layers=2, **_t5_options(tokenizer)))
    latent = 48 if ti2v else 16
    vae_options = {
        "in_channels": 12,
        "out_channels": 12,
        "is_residual": True,
        "patch_size": 2,
        "latents_mean": [0.0] * latent,
        "latents_std": [1.0] * latent,
        "scale_factor_spatial": 16,
    }
    vae = AutoencoderKLWan(
        base_dim=3,
        z_dim=latent,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        temperal_downsample=[False, True, True],
        **(vae_options if ti2v else {}),
    )
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=latent,
        out_channels=latent,
        text_dim=32,
        freq_dim=256,
        ffn_dim=32,
        num_layers=2,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
    )
    pipe = WanPipeline(
        transformer=transformer,
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        expand_timesteps=ti2v,
    )
    pipe.save_pretrained(folder)
    return folder


def save_tiny_pixart(folder: Path, *, seed: int | None = 0) -> Path:
    """A tiny PixArt-Sigma text-to-image pipeline (256 px bins, 8x VAE) for the keyframes."""
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        PixArtSigmaPipeline,
        PixArtTransformer2DModel,
    )
    from transformers import T5Config, T5EncoderModel

    tokenizer = _t5_tokenizer()
    _seed(seed)
    text_encoder = T5EncoderModel(T5Config(num_layers=2, **_t5_options(tokenizer)))
    transformer = PixArtTransformer2DModel(
        sample_size=32,
        num_layers=1,
        patch_size=2,
        attention_head_dim=8,
        num_attention_heads=3,
        caption_channels=32,
        in_channels=4,
        cross_attention_dim=24,
        out_channels=8,
        attention_bias=True,
        activation_fn="gelu-approximate",
        num_embeds_ada_norm=1000,
        norm_type="ada_norm_single",
        norm_elementwise_affine=False,
        norm_eps=1e-6,
    )
    vae = AutoencoderKL(
        block_out_channels=(8, 8, 8, 8),
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        norm_num_groups=8,
    )
    pipe = PixArtSigmaPipeline(
        transformer=transformer,
        vae=vae,
        scheduler=DDIMScheduler(),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
    )
    pipe.save_pretrained(folder)
    return folder


def save_tiny_kontext(folder: Path, *, seed: int | None = 0) -> Path:
    """A tiny FLUX.1 Kontext image-editing pipeline (diffusers' own test components, with an
    8x VAE, a CLIP tokenizer over byte symbols and the T5 tokenizer of these prompts)."""
    from diffusers import (
        AutoencoderKL,
        FlowMatchEulerDiscreteScheduler,
        FluxKontextPipeline,
        FluxTransformer2DModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer, T5Config, T5EncoderModel

    symbols = [chr(c) for c in range(ord("!"), ord("~") + 1)]
    specials = ["<|startoftext|>", "<|endoftext|>"]
    vocab = {t: i for i, t in enumerate([*specials, *symbols, *[f"{c}</w>" for c in symbols]])}
    t5_tokenizer = _t5_tokenizer()
    t5_tokenizer.model_max_length = 128  # FLUX: 512; shorter here, for speed
    _seed(seed)
    pipe = FluxKontextPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=AutoencoderKL(
            block_out_channels=(4, 4, 4, 4),
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
            latent_channels=1,
            norm_num_groups=1,
            use_quant_conv=False,
            use_post_quant_conv=False,
            shift_factor=0.0609,
            scaling_factor=1.5035,
        ),
        text_encoder=CLIPTextModel(
            CLIPTextConfig(
                vocab_size=len(vocab),
                bos_token_id=0,
                eos_token_id=1,
                pad_token_id=1,
                hidden_size=32,
                intermediate_size=37,
                num_attention_heads=4,
                num_hidden_layers=1,
                projection_dim=32,
            )
        ),
        tokenizer=CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77),
        text_encoder_2=T5EncoderModel(T5Config(num_layers=1, **_t5_options(t5_tokenizer))),
        tokenizer_2=t5_tokenizer,
        transformer=FluxTransformer2DModel(
            patch_size=1,
            in_channels=4,
            num_layers=1,
            num_single_layers=1,
            attention_head_dim=16,
            num_attention_heads=2,
            joint_attention_dim=32,
            pooled_projection_dim=32,
            axes_dims_rope=[4, 4, 8],
        ),
    )
    pipe.save_pretrained(folder)
    return folder
