"""A vision-language judge on an OpenAI-compatible server (spec `openai:<model>`).

It looks at a video's contact sheet (one keyframe per scene, sent as a PNG image part) with
the song's facts and the intended story, and scores the paper's three human-judged dimensions,
storytelling, visual impression and emotional consistency, 1 to 5 with a reason; the scores come
back as 0..1 ((score - 1) / 4). Any vision chat model the server offers will do (gpt-4.1-mini,
a Qwen2.5-VL behind vLLM, …).
"""

import base64
from pathlib import Path
from typing import Literal

from prompts import render
from tools.llm.openai_chat import OpenAIChat
from tools.llm.replies import StrictModel

DEFAULT_MODEL = "gpt-4.1-mini"


class Verdict(StrictModel):
    score: Literal[1, 2, 3, 4, 5]
    reason: str


class Judgement(StrictModel):
    storytelling: Verdict
    visual_impression: Verdict
    emotional_consistency: Verdict


class OpenAIJudge:
    """Scores a video from its contact sheet with a vision chat model."""

    def __init__(self, model: str = DEFAULT_MODEL) -> None:
        self.chat = OpenAIChat(model)
        self.name = f"openai:{model}"

    def judge(self, *, run: dict, sheet: str, music: str) -> dict[str, dict]:
        """{dimension: {"score": 0..1, "reason": str}} for the three judged dimensions."""
        scenes = "\n".join(
            f"{s['id']} {s['start']:.1f}-{s['end']:.1f} s ({s['section']}): "
            f"{s['prompt'].splitlines()[0]}"
            for s in run["scenes"]
        )
        text = render(
            "judge_user",
            duration=run["duration"],
            tempo=run["tempo"],
            music=music,
            sections=", ".join(s["label"] for s in run["sections"]),
            title=run["title"],
            story=run["story"],
            scenes=scenes,
        )
        image = base64.b64encode(Path(sheet).read_bytes()).decode("ascii")
        messages = [
            {"role": "system", "content": render("judge_system")},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": text},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{image}"}},
                ],
            },
        ]
        reply = self.chat.ask_json(messages, Judgement)
        return {
            name: {"score": (verdict.score - 1) / 4, "reason": verdict.reason}
            for name, verdict in reply
        }
