"""OpenAIListener against the fake OpenAI-compatible server: the song goes out as input_audio,
a story comes back; long songs are heard in parts and merged."""

import base64
import io
import json

import numpy as np
import pytest
import soundfile as sf
from fake_openai import CHAT, error_reply

from tools.errors import BackendUnavailableError, TransientBackendError
from tools.listening.chunked import audio_parts
from tools.listening.openai_listener import AUDIO_SR, OpenAIListener
from tools.types import Analysis, Section

MODEL = "gpt-4o-audio-preview"
SR = 22050
UNSUPPORTED = (
    "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model."
)


def sections_at(bounds: list[float]) -> list[Section]:
    labels = ("intro", "verse", "chorus", "bridge", "outro", "chorus")
    return [
        {"start": a, "end": b, "label": labels[i % len(labels)], "energy": 0.5}
        for i, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False))
    ]


def make_song(bounds: list[float]) -> tuple[np.ndarray, Analysis]:
    t = np.arange(int(bounds[-1] * SR)) / SR
    audio = (0.3 * np.sin(2 * np.pi * 220.0 * t)).astype(np.float32)
    analysis: Analysis = {
        "path": "song.wav",
        "duration": bounds[-1],
        "tempo": 100.0,
        "beats": [],
        "downbeats": [],
        "sections": sections_at(bounds),
        "curve_hz": 1.0,
        "energy": [],
        "onset": [],
        "vocal": [],
        "features": {},
    }
    return audio, analysis


def story_json(n: int) -> str:
    return json.dumps(
        {
            "title": "Tidal Lights",
            "logline": "A keeper of a lighthouse waits for a ship.",
            "text": "A keeper climbs the lighthouse. A ship appears. They meet at dawn.",
            "sections": [{"section": i, "scene": f" scene {i} on the pier "} for i in range(n)],
        }
    )


def notes_json(numbers: list[int]) -> str:
    return json.dumps(
        {
            "heard": "warm synth pads and a slow drum machine",
            "words": "",
            "sections": [{"section": i, "note": f"note on section {i}"} for i in numbers],
        }
    )


def audio_parts_of(body: dict) -> list[dict]:
    content = body["messages"][-1]["content"]
    return (
        [part for part in content if part["type"] == "input_audio"]
        if isinstance(content, list)
        else []
    )


def decoded(part: dict) -> tuple[np.ndarray, int]:
    assert part["input_audio"]["format"] == "wav"
    data, sr = sf.read(io.BytesIO(base64.b64decode(part["input_audio"]["data"])))
    return data, sr


def text_of(body: dict) -> str:
    content = body["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return "\n".join(part["text"] for part in content if part["type"] == "text")


def test_short_song_is_heard_whole(fake_openai):
    audio, analysis = make_song([0.0, 6.0, 14.0, 20.0])
    fake_openai.enqueue(CHAT, story_json(3))
    story = OpenAIListener(MODEL).listen(audio, SR, analysis, request="a lighthouse at night")

    assert story == {
        "source": f"openai:{MODEL}",
        "title": "Tidal Lights",
        "logline": "A keeper of a lighthouse waits for a ship.",
        "text": "A keeper climbs the lighthouse. A ship appears. They meet at dawn.",
        "sections": ["scene 0 on the pier", "scene 1 on the pier", "scene 2 on the pier"],
    }
    (body,) = fake_openai.bodies()
    assert body["model"] == MODEL
    (part,) = audio_parts_of(body)
    samples, sr = decoded(part)
    assert sr == AUDIO_SR and samples.ndim == 1
    assert samples.shape[0] == pytest.approx(20.0 * AUDIO_SR, abs=2)
    prompt = text_of(body)
    assert "a lighthouse at night" in prompt
    assert "write exactly 3 scenes" in prompt and "1. verse: 6.0-14.0 s" in prompt
    schema = body["response_format"]["json_schema"]["schema"]["properties"]["sections"]
    assert schema["minItems"] == schema["maxItems"] == 3


def test_long_song_is_heard_in_parts_and_merged(fake_openai):
    audio, analysis = make_song([0.0, 15.0, 30.0, 42.0, 50.0])
    for numbers in ([0], [1], [2, 3]):
        fake_openai.enqueue(CHAT, notes_json(numbers))
    fake_openai.enqueue(CHAT, story_json(4))
    listener = OpenAIListener(MODEL, max_audio_seconds=20.0)
    story = listener.listen(audio, SR, analysis, request="")

    assert len(story["sections"]) == 4
    *parts, merge = fake_openai.bodies()
    seconds = [decoded(audio_parts_of(body)[0])[0].shape[0] / AUDIO_SR for body in parts]
    assert seconds == pytest.approx([15.0, 15.0, 20.0], abs=1e-3)
    assert "part 3: song time 30.0-50.0 s" in text_of(parts[2])
    assert "2. chorus: 30.0-42.0 s" in text_of(parts[2]) and "0. intro" not in text_of(parts[2])
    assert audio_parts_of(merge) == []
    notes = text_of(merge)
    assert "Part 3 (30.0-50.0 s)" in notes and "section 3: note on section 3" in notes
    assert "write exactly 4 scenes" in notes


def test_part_notes_for_the_wrong_sections_are_repaired(fake_openai):
    audio, analysis = make_song([0.0, 15.0, 30.0])
    fake_openai.enqueue(CHAT, notes_json([1]))
    fake_openai.enqueue(CHAT, notes_json([0]))
    fake_openai.enqueue(CHAT, notes_json([1]))
    fake_openai.enqueue(CHAT, story_json(2))
    OpenAIListener(MODEL, max_audio_seconds=20.0).listen(audio, SR, analysis, request="")

    repair = fake_openai.bodies()[1]["messages"][-1]["content"]
    assert "sections must be numbered [0] in this order, got [1]" in repair


def test_audio_model_without_structured_outputs_gets_the_schema_in_the_prompt(fake_openai):
    audio, analysis = make_song([0.0, 10.0, 20.0])
    fake_openai.enqueue(CHAT, error_reply(400, UNSUPPORTED))
    fake_openai.enqueue(CHAT, story_json(2))
    story = OpenAIListener(MODEL).listen(audio, SR, analysis, request="")

    assert story["title"] == "Tidal Lights"
    retry = fake_openai.bodies()[1]
    assert "response_format" not in retry
    assert "JSON schema" in retry["messages"][0]["content"]
    assert len(audio_parts_of(retry)) == 1


def test_rejected_key_is_backend_unavailable(fake_openai):
    audio, analysis = make_song([0.0, 10.0])
    fake_openai.enqueue(CHAT, error_reply(403, "Project does not have access"))
    with pytest.raises(BackendUnavailableError, match="API key was rejected by"):
        OpenAIListener(MODEL).listen(audio, SR, analysis, request="")


def test_rate_limit_is_transient(fake_openai):
    audio, analysis = make_song([0.0, 10.0])
    fake_openai.enqueue(CHAT, error_reply(429, "Rate limit reached"))
    with pytest.raises(TransientBackendError, match="HTTP 429"):
        OpenAIListener(MODEL, max_retries=0).listen(audio, SR, analysis, request="")


@pytest.mark.parametrize(
    ("bounds", "max_seconds", "expected"),
    [
        ([0.0, 20.0], 120.0, [(0.0, 20.0)]),
        ([0.0, 15.0, 30.0, 42.0, 50.0], 20.0, [(0.0, 15.0), (15.0, 30.0), (30.0, 50.0)]),
        ([0.0, 5.0, 50.0], 20.0, [(0.0, 5.0), (5.0, 20.0), (20.0, 35.0), (35.0, 50.0)]),
    ],
)
def test_audio_parts_follow_sections_and_stay_short(bounds, max_seconds, expected):
    parts = audio_parts(sections_at(bounds), bounds[-1], max_seconds=max_seconds)
    assert np.allclose(parts, expected)
    assert all(end - start <= max_seconds + 1e-9 for start, end in parts)
