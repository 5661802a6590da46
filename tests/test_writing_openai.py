"""OpenAIWriter against the fake OpenAI-compatible server: schema out, Script back, repairs,
and server errors mapped to the project's exceptions."""

import json

import pytest
from fake_openai import CHAT, Reply, error_reply

from tools import shots
from tools.errors import (
    BackendUnavailableError,
    GenerationFailedError,
    InvalidInputError,
    TransientBackendError,
)
from tools.types import Analysis, Story, Tags
from tools.writing.openai_writer import OpenAIWriter
from tools.writing.planning import make_plan

MODEL = "gpt-4.1-mini"
FAST_RETRY = {"retry-after-ms": "1"}


def make_analysis(labels: tuple[str, ...] = ("intro", "verse", "chorus")) -> Analysis:
    bounds = [10.0 * i for i in range(len(labels) + 1)]
    return {
        "path": "song.wav",
        "duration": bounds[-1],
        "tempo": 120.0,
        "beats": [],
        "downbeats": [],
        "sections": [
            {"start": a, "end": b, "label": label, "energy": 0.2 + 0.3 * i}
            for i, (a, b, label) in enumerate(zip(bounds, bounds[1:], labels, strict=False))
        ],
        "curve_hz": 1.0,
        "energy": [],
        "onset": [],
        "vocal": [],
        "features": {"key": "A minor"},
    }


def make_tags(n: int) -> Tags:
    def tag_set(style: str, content: str, emotion: str):
        return {
            "style": [{"label": style, "score": 0.8}],
            "content": [{"label": content, "score": 0.7}],
            "emotion": [{"label": emotion, "score": 0.6}],
        }

    return {
        "source": "features",
        "song": tag_set("synthwave", "city at night", "melancholic"),
        "sections": [tag_set("synthwave", f"place {i}", f"feeling {i}") for i in range(n)],
    }


def make_story(n: int) -> Story:
    return {
        "source": "features",
        "title": "Neon Tide",
        "logline": "A courier races the dawn.",
        "text": "A courier crosses the city before sunrise.",
        "sections": [f"story scene {i}" for i in range(n)],
    }


def script_json(n: int = 3, **changes: object) -> str:
    """A valid ScriptReply for n sections, with top-level keys replaced by `changes`."""
    reply = {
        "title": "Neon Tide",
        "story": "A courier crosses a sleeping city and reaches the sea at dawn.",
        "bible": {
            "medium": "flat vector animation with soft paper grain.",
            "palette": [
                {"hex": "#0F1A2B", "name": "midnight blue"},
                {"hex": "#243b55", "name": "slate blue"},
                {"hex": "#5b7083", "name": "rain grey"},
                {"hex": "#d9a441", "name": "lamplight amber"},
                {"hex": "#e8eef2", "name": "mist white"},
            ],
            "lighting": "low cold light with one warm lamp",
            "camera": "slow gliding moves",
            "mood": "melancholic",
            "look": "Flat",
        },
        "characters": [
            {
                "id": "c1",
                "name": "The Courier",
                "figure": "person",
                "description": "a young woman with short black hair in a red raincoat",
                "colors": {
                    "skin": "#c99a6e",
                    "hair": "#1a1410",
                    "outfit": "#e63946",
                    "accent": "#ffd60a",
                },
            }
        ],
        "sections": [
            {
                "section": i,
                "shot": shot_reply(
                    place="rooftop" if i < 2 else "a misty harbour pier",
                    view=i,
                    action="run" if i % 2 == 0 else "running across the roof",
                    move="slow push-in" if i % 2 == 0 else "orbit",
                    description=f"The courier runs across roof {i}.",
                ),
                "performance": (
                    shot_reply(
                        place="stage",
                        view=0,
                        action="sing",
                        move="handheld",
                        description="The courier sings.",
                        props=["microphone"],
                    )
                    if i == 2
                    else None
                ),  # fmt: skip
                "caption": "Neon Tide" if i == 0 else None,
            }
            for i in range(n)
        ],
    }
    reply.update(changes)
    return json.dumps(reply)


def shot_reply(
    *, place: str, view: int, action: str, move: str, description: str, props=("umbrella",)
) -> dict:
    """A ShotReply: one courier (c1) at `place` in the rain at night."""
    return {
        "setting": {"place": place, "time": "at night", "weather": "Rain"},
        "view": view,
        "subjects": [{"character": "c1", "action": action, "expression": "determined"}],
        "props": list(props),
        "camera": {"framing": "Wide shot", "move": move},
        "lighting": "neon signs in the rain",
        "mood": "tense",
        "description": description,
    }


@pytest.fixture
def writer(fake_openai):
    return OpenAIWriter(MODEL)


def write(writer: OpenAIWriter, **options):
    options = {"tags": None, "story": None, "request": "a melancholic city night"} | options
    return writer.write(analysis=make_analysis(), **options)


def test_valid_reply_becomes_a_script(writer, fake_openai):
    fake_openai.enqueue(CHAT, script_json())
    script = write(writer, tags=make_tags(3))

    assert script["writer"] == f"openai:{MODEL}"
    assert script["title"] == "Neon Tide"
    assert script["bible"]["palette"][0] == "#0f1a2b"
    assert script["bible"]["text"].startswith("Flat vector animation with soft paper grain. ")
    assert "midnight blue" in script["bible"]["text"]
    assert ".." not in script["bible"]["text"]
    assert script["characters"][0]["colors"]["outfit"] == "#e63946"
    assert len(script["sections"]) == 3
    assert script["sections"][0]["caption"] == "Neon Tide"
    assert "caption" not in script["sections"][1]
    assert script["sections"][1]["camera"] == "orbit"


def test_the_reply_shots_round_trip_in_the_names_of_shots(writer, fake_openai):
    fake_openai.enqueue(CHAT, script_json())
    script = write(writer)

    assert script["bible"]["look"] == "flat"
    first, second, third = script["sections"]
    assert first["shot"] == {
        "kind": "story",
        "setting": {"place": "rooftop", "time": "night", "weather": "rain"},
        "view": 0,
        "subjects": [{"character": "c1", "action": "run", "expression": "fierce"}],
        "props": ["umbrella"],
        "camera": {"framing": "wide", "move": "slow push-in"},
        "lighting": "neon signs in the rain",
        "mood": "tense",
        "description": "The courier runs across roof 0.",
    }
    assert first["setting"] == shots.setting_text(first["shot"]["setting"])
    assert first["action"] == "The courier runs across roof 0."
    assert first["camera"] == "slow push-in" and first["characters"] == ["c1"]
    # free phrases are kept for the renderer to draw as the nearest known element
    assert second["shot"]["subjects"][0]["action"] == "running across the roof"
    assert third["shot"]["setting"]["place"] == "a misty harbour pier"
    assert "performance" not in first and "performance" not in second
    performance = third["performance"]
    assert performance["kind"] == "performance"
    assert performance["subjects"][0]["action"] == "sing"
    assert performance["props"] == ["microphone"]


def test_the_schema_asks_for_shots_and_the_prompt_offers_the_names(writer, fake_openai):
    fake_openai.enqueue(CHAT, script_json())
    write(writer, lyrics=[{"start": 21.0, "end": 24.0, "text": "la la la"}])

    (body,) = fake_openai.bodies()
    schema = body["response_format"]["json_schema"]["schema"]
    section = schema["$defs"]["SectionReply"]["properties"]
    assert {"shot", "performance", "caption", "section"} == set(section)
    shot = schema["$defs"]["ShotReply"]["properties"]
    assert {"setting", "view", "subjects", "props", "camera", "lighting", "mood",
            "description"} == set(shot)  # fmt: skip
    assert "look" in schema["$defs"]["BibleReply"]["properties"]
    system, user = body["messages"]
    for names in (shots.PLACES, shots.TIMES, shots.PROPS, shots.ACTIONS, shots.LOOKS):
        assert all(name in system["content"] for name in names)
    assert "2. chorus: 20.0-30.0 s" in user["content"] and ", sung" in user["content"]
    assert "1. verse: 10.0-20.0 s" in user["content"]
    assert "verse: 10.0-20.0 s, energy 0.50 (medium), dramatic role: tension\n" in user["content"]


def test_the_prompt_lists_what_the_request_names(writer, fake_openai):
    fake_openai.enqueue(CHAT, script_json())
    write(writer, request="two friends fishing on a lake at sunset, watercolor")

    prompt = fake_openai.bodies()[0]["messages"][1]["content"]
    assert (
        "look: watercolor; places, in order: lake; time of day: sunset; actions: fish; "
        "props: fishing rod; characters: 2 x friend"
    ) in prompt


def test_unknown_characters_in_shots_are_repaired(writer, fake_openai):
    bad = json.loads(script_json())
    bad["sections"][2]["performance"]["subjects"][0]["character"] = "c7"
    fake_openai.enqueue(CHAT, json.dumps(bad))
    fake_openai.enqueue(CHAT, script_json())
    write(writer)

    repair = fake_openai.bodies()[1]["messages"][-1]["content"]
    assert "sections[2].performance.subjects names ['c7']" in repair


def test_request_carries_schema_sections_tags_and_request(writer, fake_openai):
    fake_openai.enqueue(CHAT, script_json())
    write(writer, tags=make_tags(3))

    (body,) = fake_openai.bodies()
    assert body["model"] == MODEL
    response_format = body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    sections = response_format["json_schema"]["schema"]["properties"]["sections"]
    assert sections["minItems"] == sections["maxItems"] == 3
    system, user = body["messages"]
    assert system["role"] == "system" and "ONE style bible" in system["content"]
    prompt = user["content"]
    assert "a melancholic city night" in prompt
    assert "write exactly 3 section scripts" in prompt
    assert "2. chorus: 20.0-30.0 s" in prompt
    assert "A minor" in prompt
    assert "synthwave (0.80)" in prompt and "section 2:" in prompt and "place 2" in prompt
    assert "courier" not in prompt  # no story in pipeline 1


def test_story_reaches_the_prompt(writer, fake_openai):
    fake_openai.enqueue(CHAT, script_json())
    write(writer, story=make_story(3))

    prompt = fake_openai.bodies()[0]["messages"][1]["content"]
    assert "logline: A courier races the dawn." in prompt
    assert "section 1: story scene 1" in prompt


def test_invalid_json_is_repaired(writer, fake_openai):
    fake_openai.enqueue(CHAT, '{"title": "Neon')
    fake_openai.enqueue(CHAT, script_json())
    script = write(writer)

    assert script["title"] == "Neon Tide"
    first, second = fake_openai.bodies()
    assert second["messages"][:2] == first["messages"]
    assistant, repair = second["messages"][2:]
    assert assistant == {"role": "assistant", "content": '{"title": "Neon'}
    assert repair["role"] == "user" and "Invalid JSON" in repair["content"]


def test_schema_errors_and_post_checks_are_repaired(writer, fake_openai):
    bad = json.loads(script_json())
    bad["bible"]["palette"][2]["hex"] = "grey"
    bad["sections"][1]["shot"]["subjects"][0]["character"] = "c9"
    fake_openai.enqueue(CHAT, json.dumps(bad))  # fails the schema: hex pattern
    bad["bible"]["palette"][2]["hex"] = "#5b7083"
    fake_openai.enqueue(CHAT, json.dumps(bad))  # passes the schema, fails the post-check
    fake_openai.enqueue(CHAT, script_json())
    write(writer)

    repairs = [body["messages"][-1]["content"] for body in fake_openai.bodies()[1:]]
    assert "bible.palette.2.hex" in repairs[0]
    assert "['c9']" in repairs[1] and "not on the character sheet" in repairs[1]


def test_wrong_section_count_and_order_are_repaired(writer, fake_openai):
    shuffled = json.loads(script_json())
    shuffled["sections"][0]["section"] = 2
    fake_openai.enqueue(CHAT, script_json(n=2))
    fake_openai.enqueue(CHAT, json.dumps(shuffled))
    fake_openai.enqueue(CHAT, script_json())
    write(writer)

    repairs = [body["messages"][-1]["content"] for body in fake_openai.bodies()[1:]]
    assert "sections: List should have at least 3 items" in repairs[0]
    assert "sections must be numbered [0, 1, 2]" in repairs[1]


def test_outfit_lost_in_the_palette_is_repaired(writer, fake_openai):
    clash = json.loads(script_json())
    clash["characters"][0]["colors"]["outfit"] = "#5b7084"  # the palette's mid grey
    fake_openai.enqueue(CHAT, json.dumps(clash))
    fake_openai.enqueue(CHAT, script_json())
    write(writer)

    assert "outfit #5b7084 of c1" in fake_openai.bodies()[1]["messages"][-1]["content"]


def test_persistent_invalid_output_fails_after_the_bound(writer, fake_openai):
    for _ in range(3):
        fake_openai.enqueue(CHAT, "I'd love to help with your video!")
    with pytest.raises(GenerationFailedError, match=f"{MODEL} at .* no valid ScriptReply in 3"):
        write(writer)
    assert len(fake_openai.requests) == 3


def test_rejected_key_is_backend_unavailable(writer, fake_openai):
    fake_openai.enqueue(CHAT, error_reply(401, "Incorrect API key provided"))
    with pytest.raises(BackendUnavailableError, match="API key was rejected by http://127.0.0.1"):
        write(writer)
    assert len(fake_openai.requests) == 1  # no retries


def test_unknown_model_is_backend_unavailable(writer, fake_openai):
    fake_openai.enqueue(CHAT, error_reply(404, "The model does not exist", code="model_not_found"))
    with pytest.raises(BackendUnavailableError, match="model 'gpt-4.1-mini' was not found"):
        write(writer)


def test_rate_limit_is_transient_after_the_clients_retries(writer, fake_openai):
    for _ in range(3):
        fake_openai.enqueue(CHAT, error_reply(429, "Rate limit reached", headers=FAST_RETRY))
    with pytest.raises(TransientBackendError, match="HTTP 429"):
        write(writer)
    assert len(fake_openai.requests) == 3  # the first try and two retries by the client


def test_server_error_is_retried_by_the_client(writer, fake_openai):
    fake_openai.enqueue(CHAT, error_reply(500, "boom", headers=FAST_RETRY))
    fake_openai.enqueue(CHAT, script_json())
    assert write(writer)["title"] == "Neon Tide"


def test_exhausted_quota_is_not_transient(writer, fake_openai):
    for _ in range(3):
        fake_openai.enqueue(
            CHAT, error_reply(429, "quota", code="insufficient_quota", headers=FAST_RETRY)
        )
    with pytest.raises(BackendUnavailableError, match="no quota"):
        write(writer)


def test_song_without_sections_is_invalid_input(writer, fake_openai):
    with pytest.raises(InvalidInputError):
        writer.write(analysis=make_analysis(()), tags=None, story=None, request="")
    assert fake_openai.requests == []


def test_fake_server_answers_unscripted_paths_with_501(fake_openai):
    fake_openai.enqueue("/v1/videos", Reply(status=201, body={"id": "video_1"}))
    assert fake_openai.pending() == 1
    writer = OpenAIWriter(MODEL)
    with pytest.raises(GenerationFailedError, match="nothing queued for POST /v1/chat"):
        write(writer)
    assert fake_openai.pending("/v1/videos") == 1


def test_script_plans_with_the_bible_in_every_prompt(writer, fake_openai):
    fake_openai.enqueue(CHAT, script_json())
    analysis = make_analysis()
    script = writer.write(analysis=analysis, tags=None, story=None, request="")
    plan = make_plan(script, analysis, request="", max_clip_seconds=5.0)

    assert len(plan["scenes"]) >= 3
    for scene in plan["scenes"]:
        assert script["bible"]["text"] in scene["prompt"]
        assert script["characters"][0]["description"] in scene["prompt"]
