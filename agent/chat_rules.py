"""The offline chat model: a rule-based intent parser, not a language model.

`RuleBasedAgent` reads the user's message with keyword rules (the request tables of
`tools.writing.request` plus a small command vocabulary) and answers the way a tool-calling model
does: tool calls, one at a time, then a reply made of the tools' own reports. It handles the common
requests: make a video (mood, style, characters, places, format), change the style, mood or palette,
recolour a character, make scenes brighter or darker, move or redo scenes, switch the pipeline or
the format (vertical, square, 4:5…), show the plan, analyze the song and say where things stand. It
says which words it did not understand, and it never guesses beyond its rules.
"""

import re
from typing import Any, NamedTuple

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from agent.formats import asked_format
from tools.writing.place_words import setting_text
from tools.writing.request import parse_request

NAME = "the offline rule-based agent (keyword rules, not a language model)"
EXAMPLES = (
    '"make a melancholic video with a lone astronaut", "make the chorus brighter", '
    '"the singer should wear red", "redo scene 3", "move the bridge to the desert", '
    '"make it neon", "make it vertical", "square for instagram", "use the audio-LM pipeline", '
    '"show the plan", "analyze the song", "status"'
)
HELP = f"I am {NAME}. I understand requests such as {EXAMPLES}."

_HELP = re.compile(r"^\s*(help|\?)\s*[.!?]*\s*$|\bwhat can you do\b|\bhow do(es)? (i|this|it) work")
_STATUS = re.compile(r"\b(status|progress|how far|where are we|is it (done|ready)|done yet)\b")
_PLAN = re.compile(
    r"\b(plan|storyboard|shot ?list|(show|list|see)( me)?( all)?( the)? scenes)\b|"
    r"\bwhat happens\b"
)
_ANALYZE = re.compile(r"\b(analy[sz]e|analysis|tempo|bpm|what does (the|this) (song|track))\b")
_PIPELINES = (
    ("lalm", r"\b(audio[ -]?lm|lalm|audio[ -]language|pipeline 2|second pipeline|listen\w*)\b"),
    ("clap", r"\b(clap|pipeline 1|first pipeline|tag(s|ging)?|labels?)\b"),
    ("hybrid", r"\b(hybrid|both pipelines)\b"),
)
_PIPELINE_WORD = re.compile(r"\bpipelines?\b|\blalm\b|\baudio[ -]?lm\b|\bclap\b|\bhybrid\b")
_REDO = re.compile(
    r"\b(redo|re-do|regenerate|re-?render|rerun|re-?make|retake|another take|new take|"
    r"try again|again)\b"
)
_BRIGHTER = re.compile(r"\b(brighter|lighter|brighten|sunnier|more (light|sun))\b")
_DARKER = re.compile(r"\b(darker|dimmer|darken|gloomier|less light)\b")
_NUMBERED = re.compile(
    r"\b(?:scenes?|shots?|clips?)\s+(s?\d+(?:\s*(?:,|and|&|to|-)\s*s?\d+)*)|\b(s\d{1,2})\b"
)
_SECTIONS = re.compile(r"\b(intro|verse|chorus|bridge|outro)(?:e?s)?\b")
_ENDS = re.compile(r"\b(first|opening|last|final|closing)\s+(scene|shot|clip)\b")
_EVERY = re.compile(r"\b(every|all( the)?)\s+(scenes?|shots?|clips?)\b")
_NEW_VIDEO = re.compile(
    r"\b(make|create|generate|render|produce|want|give me|do|start)\b.*\b(video|clip)s?\b|"
    r"\b(new|another|fresh)\b.*\bvideo\b|\bstart over\b|\bfrom scratch\b"
)
CHAT_WORDS = frozenset(
    {
        "again", "all", "analyse", "analysis", "analyze", "another", "audio", "bpm", "brighten",
        "brighter", "both", "bridge", "bridges", "can", "change", "chorus", "choruses", "clap",
        "clip", "clips", "closing", "darken", "darker", "dimmer", "do", "done", "ending", "every",
        "far", "final", "first", "fresh", "gloomier", "help", "how", "hybrid", "instead", "intro",
        "intros", "is", "it", "keep", "labels", "lalm", "language", "last", "lighter", "list",
        "lm", "move", "new", "now", "opening", "outro", "outros", "over", "pipeline", "pipelines",
        "plan", "progress", "put", "ready", "redo", "regenerate", "remake", "rerender", "rerun",
        "retake", "s", "scene", "scenes", "scratch", "second", "see", "set", "shot", "shots",
        "start", "status", "storyboard", "sun", "sunnier", "switch", "take", "tagging", "tags",
        "tell", "tempo", "them", "try", "turn", "use", "verse", "verses", "what", "yet",
        # formats (agent.formats)
        "aspect", "feed", "for", "format", "frame", "horizontal", "insta", "instagram",
        "landscape", "mode", "my", "orientation", "phone", "portrait", "post", "posts", "reel",
        "reels", "screen", "screens", "shorts", "square", "tik", "tiktok", "tok", "vertical",
        "wide", "widescreen", "youtube",
    }
)  # fmt: skip


class Call(NamedTuple):
    name: str
    args: dict[str, Any]


class Reading(NamedTuple):
    calls: list[Call]
    unknown: list[str]  # words of the message that no rule knows
    notes: list[str]  # what the rules understood but will not do, and why


def read_message(text: str, *, has_video: bool) -> Reading:
    """The tool calls a message asks for, in the order they should run."""
    lowered = text.lower()
    intent = parse_request(text)
    unknown = _unknown(intent["unknown"])
    if not lowered.strip() or _HELP.search(lowered):
        return Reading([], unknown, [])
    calls: list[Call] = []
    notes: list[str] = []
    pipeline = _pipeline(lowered)
    frame = asked_format(text)
    described = any(
        intent[key] for key in ("moods", "styles", "characters", "places", "palette_colors")
    )
    if _ANALYZE.search(lowered):
        calls.append(Call("analyze_song", {}))
    if (
        _NEW_VIDEO.search(lowered)
        and not _scene_selectors(lowered)
        or (not has_video and (described or pipeline or frame))
    ):
        args = {"request": text.strip()} | ({"pipeline": pipeline} if pipeline else {})
        calls.append(Call("make_video", args | ({"format": frame} if frame else {})))
    elif has_video:
        if pipeline:
            calls.append(Call("set_pipeline", {"pipeline": pipeline}))
        if frame:
            calls.append(Call("set_format", {"format": frame}))
        calls += _revisions(lowered, intent, notes)
    if _PLAN.search(lowered):
        calls.append(Call("show_plan", {}))
    if _STATUS.search(lowered):
        calls.append(Call("status", {}))
    if not calls and not has_video and (_REDO.search(lowered) or _scene_selectors(lowered)):
        notes.append("there is no video to change yet: ask for one first")
    return Reading(calls, unknown, notes)


def _revisions(lowered: str, intent: dict, notes: list[str]) -> list[Call]:
    """The changes a message asks of an existing video: scenes (their light, place, camera),
    characters, look."""
    calls: list[Call] = []
    selectors = _scene_selectors(lowered)
    brightness = (
        "brighter" if _BRIGHTER.search(lowered) else "darker" if _DARKER.search(lowered) else None
    )
    scene_args: dict[str, Any] = {}
    if brightness:
        scene_args["brightness"] = brightness
    places = [p for p in intent["places"] if p not in selectors]  # "the bridge" is a section
    if selectors and places:
        scene_args["setting"] = setting_text(places[0], intent["time_of_day"])
    if intent["moves"]:
        scene_args["camera"] = intent["moves"][0]
    if selectors and _REDO.search(lowered) and not scene_args:
        scene_args["redo"] = True
    if scene_args:
        calls.append(Call("revise_scene", {"scenes": selectors or ["all"], **scene_args}))
    for character in intent["characters"]:
        if character["colors"]:
            noun = character["name"].split(" in ")[0]
            calls.append(Call("set_character", {"character": noun, **character["colors"]}))
    look = {
        "style": intent["styles"][0] if intent["styles"] else None,
        "mood": intent["mood"],
        "colors": intent["palette_colors"],
    }
    if any(look.values()):
        if selectors:
            notes.append(
                "the style, mood and palette are the same in every scene; to change them, "
                'ask without naming scenes (e.g. "make it neon")'
            )
        else:
            calls.append(Call("set_style", {k: v for k, v in look.items() if v}))
    if selectors and not calls and not notes:
        notes.append("say what to change in those scenes: brighter, darker, a place, or redo them")
    return calls


def _scene_selectors(lowered: str) -> list[str]:
    """Scene selectors for `revise_scene`: numbers, ids, section labels, first/last, all."""
    found: list[str] = []
    for match in _NUMBERED.finditer(lowered):
        listed = match.group(1) or match.group(2)
        for start, end in re.findall(r"s?(\d+)(?:\s*(?:to|-)\s*s?(\d+))?", listed):
            found += [str(n) for n in range(int(start), int(end or start) + 1)]
    found += [label for label in _SECTIONS.findall(lowered)]
    found += ["first" if m[0] in ("first", "opening") else "last" for m in _ENDS.findall(lowered)]
    if _EVERY.search(lowered):
        found.append("all")
    return list(dict.fromkeys(found))


def _pipeline(lowered: str) -> str | None:
    if not _PIPELINE_WORD.search(lowered):
        return None
    return next((name for name, words in _PIPELINES if re.search(words, lowered)), None)


def _unknown(words: list[str]) -> list[str]:
    return [w for w in words if w not in CHAT_WORDS and w != "&" and not re.fullmatch(r"s?\d+", w)]


# ---------------------------------------------------------------------------- the model


class RuleBasedAgent(BaseChatModel):
    """Tool calls from keyword rules, one per step; then an answer from the tools' reports.

    `has_video` says whether the conversation has a video already, which decides whether
    "make it neon" asks for a new video or for a new look of the current one.
    """

    has_video: bool = False

    @property
    def _llm_type(self) -> str:
        return "sound2sight-rules"

    def bind_tools(self, tools: Any, **kwargs: Any) -> "RuleBasedAgent":
        """The rules know the chat tools by name."""
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self.respond(messages))])

    def respond(self, messages: list[BaseMessage]) -> AIMessage:
        """The next step of the turn that the last human message started."""
        starts = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
        if not starts:
            return AIMessage(HELP)
        start = starts[-1]
        turn = messages[start + 1 :]
        planned = next((m for m in turn if isinstance(m, AIMessage)), None)
        if planned is not None:  # the plan is made once, when the turn starts
            reading = _reading_from(planned.additional_kwargs["rule_plan"])
        else:
            reading = read_message(_text(messages[start]), has_video=self.has_video)
        results = [m for m in turn if isinstance(m, ToolMessage)]
        failed = any(m.status == "error" for m in results)
        if failed or len(results) >= len(reading.calls):
            return AIMessage(answer(reading, results))
        name, args = reading.calls[len(results)]
        call = {"name": name, "args": args, "id": f"rules-{start}-{len(results)}"}
        return AIMessage("", tool_calls=[call], additional_kwargs={"rule_plan": reading._asdict()})


def answer(reading: Reading, results: list[ToolMessage]) -> str:
    """The reply: each tool's report, what was not understood, the video on the last line."""
    parts: list[str] = []
    video = None
    for message in results:
        if message.status == "error":
            parts.append(f"That did not work ({message.name}): {message.content}")
            break
        text = str(message.content)
        made = (message.artifact or {}).get("video") if message.artifact else None
        if made:
            video = made
            text = text.removesuffix(f"\n{made}")
        parts.append(text)
    parts += [f"Note: {note}." for note in reading.notes]
    if reading.unknown:
        words = ", ".join(f"“{w}”" for w in reading.unknown)
        parts.append(f"I did not understand {words}, so I left it out.")
    if not results and not reading.notes:
        parts.append(HELP)
    if video:
        parts.append(video)
    return "\n".join(parts)


def _reading_from(saved: dict) -> Reading:
    return Reading(
        calls=[Call(*call) for call in saved["calls"]],
        unknown=list(saved["unknown"]),
        notes=list(saved["notes"]),
    )


def _text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
