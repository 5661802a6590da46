"""The vision-language judge against the fake OpenAI-compatible server, inside self-review."""

import json
from functools import partial

import pytest
from fake_openai import CHAT

from agent.batch_report import cost_note, draw_contact_sheet
from agent.context import Context
from agent.review import ReviewOptions, self_review
from agent.runner import make_video

JUDGEMENT = {
    "storytelling": {"score": 4, "reason": "one walk through the city, verse to chorus"},
    "visual_impression": {"score": 3, "reason": "clean flat colours, small figures"},
    "emotional_consistency": {"score": 2, "reason": "the chorus looks as calm as the verse"},
}


@pytest.fixture(scope="module")
def finished_run(demo_song, tmp_path_factory):
    root = tmp_path_factory.mktemp("judged")
    ctx = Context(run_dir=str(root / "run"), output=str(root / "out.mp4"),
                  width=96, height=54, fps=6)  # fmt: skip
    make_video(str(demo_song), "", ctx)
    return root / "run"


def test_judge_scores_the_papers_dimensions_from_the_sheet(fake_openai, finished_run):
    fake_openai.enqueue(CHAT, json.dumps(JUDGEMENT))
    options = ReviewOptions(judge="openai:gpt-4.1-mini")
    sheet = partial(draw_contact_sheet, finished_run)

    record = self_review(finished_run, options, sheet=sheet)

    (request,) = fake_openai.bodies()
    assert request["model"] == "gpt-4.1-mini"
    text_part, image = request["messages"][1]["content"]
    text = text_part["text"]
    assert image["image_url"]["url"].startswith("data:image/png;base64,")
    assert "BPM" in text and "s01" in text and "loudness by section" in text
    final = record["final"]["dimensions"]
    assert final["storytelling"]["score"] == 0.75
    assert "plan proxy" in final["storytelling"]["detail"]
    assert final["visual_impression"] == {
        "score": 0.5,
        "method": "judge openai:gpt-4.1-mini",
        "detail": JUDGEMENT["visual_impression"]["reason"],
    }
    assert final["emotional_consistency"]["score"] == 0.25  # under the bar of 0.6
    assert not record["final"]["passed"] and record["judge"] == "openai:gpt-4.1-mini"
    assert record["first"]["dimensions"]["visual_impression"]["score"] is None
    assert "judge openai:gpt-4.1-mini" in cost_note({"video": "procedural"}, judge=record["judge"])


def test_a_judge_without_credentials_is_refused_before_any_work(monkeypatch):
    from agent.cli import main

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert main(["batch", "nowhere", "-o", "out", "--review", "--judge", "openai"]) == 3
