"""Tiny random-weight Qwen2 checkpoints for the transformers backends, built without the hub.

The tokenizer is a byte-level BPE trained with the `tokenizers` library on the project's own
prompt templates (so prompts stay a few thousand tokens) and wrapped as transformers'
`Qwen2Tokenizer` with Qwen's chat markers; the models are one-layer networks of width 16.
Each builder saves to a folder that the backends load exactly as a user's model folder.
"""

import json
from pathlib import Path

from tokenizers import Tokenizer, models, pre_tokenizers, trainers

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"
CHAT_MARKERS = ["<|im_start|>", "<|im_end|>"]
AUDIO_MARKERS = ["<|AUDIO|>", "<|audio_bos|>", "<|audio_eos|>"]
VOCAB_SIZE = 800
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
TINY = {
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


def save_tiny_qwen_lm(folder: Path) -> Path:
    """A tiny Qwen2ForCausalLM with its chat tokenizer, saved to `folder`."""
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    tokenizer = qwen_tokenizer(chat_template=CHAT_TEMPLATE)
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    config = Qwen2Config(vocab_size=len(tokenizer), eos_token_id=end, **TINY)
    model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(eos_token_id=end, pad_token_id=end)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def save_tiny_qwen2_audio(folder: Path) -> Path:
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
        text_config={"model_type": "qwen2", "vocab_size": len(tokenizer), **TINY},
        audio_token_index=tokenizer.convert_tokens_to_ids("<|AUDIO|>"),
    )
    model = Qwen2AudioForConditionalGeneration(config)
    model.generation_config = GenerationConfig(eos_token_id=end, pad_token_id=end)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder
