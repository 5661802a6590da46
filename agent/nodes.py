"""The video graph's nodes: each does one step and returns only what it changed."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.context import Context
from agent.report import write_report
from agent.state import ClipTask, State, best_attempt, merge_attempts
from tools.assembly.assemble import assemble as assemble_video
from tools.audio.analysis import analyze_audio, kernels_compiled
from tools.audio.loading import load_audio, song_credits
from tools.audio.sections import parse_sections, user_sections
from tools.critique.pixels import frames_for_critique, strengthen_prompt
from tools.files import write_json
from tools.lyrics.export import write_lyrics_files
from tools.lyrics.lines import read_lyrics_file, read_plain_stanzas
from tools.types import Attempt, Plan, Scene
from tools.writing.planning import make_plan


def analyze(state: State, runtime: Runtime[Context]) -> dict:
    """Beats, downbeats, sections, energy and vocal curves of the song."""
    t0 = time.perf_counter()
    first = "" if kernels_compiled() else " (first run: compiling librosa's kernels, once)"
    _progress("analyze", f"listening to the song: beats, sections, energy{first}")
    audio, sr = load_audio(state["song"], max_duration=runtime.context.max_duration)
    analysis = analyze_audio(audio, sr, path=state["song"])
    if credits := song_credits(state["song"]):
        analysis = {**analysis, "credits": credits}
    if runtime.context.sections:
        marks = parse_sections(runtime.context.sections)
        analysis = {**analysis, "sections": user_sections(marks, analysis)}
    _save(runtime, "analysis.json", analysis)
    _progress(
        "analyze",
        f"{analysis['duration']:.1f} s, {analysis['tempo']:.0f} BPM, "
        f"{len(analysis['sections'])} sections"
        + (" (yours, from --sections)" if runtime.context.sections else ""),
    )
    return {"analysis": analysis, "timings": {"analyze": time.perf_counter() - t0}}


def tag(state: State, runtime: Runtime[Context]) -> dict:
    """Pipeline 1: style, content and emotion labels per section and for the song."""
    t0 = time.perf_counter()
    with runtime.context.stage("tagger") as tagger:
        _progress("tag", f"labelling style, content and emotion ({tagger.name})")
        audio, sr = load_audio(state["song"], max_duration=runtime.context.max_duration)
        tags = tagger.tag(audio, sr, state["analysis"])
    _save(runtime, "tags.json", tags)
    return {"tags": tags, "timings": {"tag": time.perf_counter() - t0}}


def listen(state: State, runtime: Runtime[Context]) -> dict:
    """Pipeline 2: a story for the whole song, one scene description per section."""
    t0 = time.perf_counter()
    with runtime.context.stage("listener") as listener:
        _progress("listen", f"writing a story from the audio ({listener.name})")
        audio, sr = load_audio(state["song"], max_duration=runtime.context.max_duration)
        story = listener.listen(audio, sr, state["analysis"], request=state["request"])
    _save(runtime, "story.json", story)
    return {"story": story, "timings": {"listen": time.perf_counter() - t0}}


def lyrics(state: State, runtime: Runtime[Context]) -> dict:
    """The sung words as timed lines: from the user's file, else heard by a transcriber."""
    t0 = time.perf_counter()
    ctx = runtime.context
    stanzas = read_plain_stanzas(ctx.lyrics_file) if ctx.lyrics_file and ctx.aligner else None
    if stanzas:
        with ctx.stage("aligner") as aligner:
            _progress("lyrics", f"aligning {Path(ctx.lyrics_file).name} ({aligner.name})")
            audio, sr = load_audio(state["song"], max_duration=runtime.context.max_duration)
            lines = aligner.align(audio, sr, stanzas)
    elif ctx.lyrics_file:
        _progress("lyrics", f"reading the lyrics from {Path(ctx.lyrics_file).name}")
        lines = read_lyrics_file(ctx.lyrics_file, analysis=state["analysis"])
    else:
        with ctx.stage("lyrics") as transcriber:
            _progress("lyrics", f"listening for the lyrics ({transcriber.name})")
            audio, sr = load_audio(state["song"], max_duration=runtime.context.max_duration)
            lines = transcriber.transcribe(audio, sr, state["analysis"])
    _save(runtime, "lyrics.json", lines)
    _progress("lyrics", f"{len(lines)} lyric lines")
    return {"lyrics": lines, "timings": {"lyrics": time.perf_counter() - t0}}


def write(state: State, runtime: Runtime[Context]) -> dict:
    """Style bible, characters and a beat-aligned shot list."""
    t0 = time.perf_counter()
    ctx = runtime.context
    video = ctx.backend("video")  # its clip length only: a model loads its weights when used
    with ctx.stage("writer") as writer:
        _progress("write", f"writing the script ({writer.name})")
        script = writer.write(
            analysis=state["analysis"],
            tags=state.get("tags"),
            story=state.get("story"),
            request=state["request"],
            lyrics=state.get("lyrics"),
        )
    plan = make_plan(
        script,
        state["analysis"],
        request=state["request"],
        max_clip_seconds=video.max_clip_seconds,
        lyrics=state.get("lyrics"),
        captions=ctx.captions,
    )
    _save(runtime, "plan.json", plan)
    _progress(
        "write", f"“{plan['title']}”: {len(plan['scenes'])} scenes", scenes=len(plan["scenes"])
    )
    return {"plan": plan, "timings": {"write": time.perf_counter() - t0}}


def anchor(state: State, runtime: Runtime[Context]) -> dict:
    """Visual anchors made once per video: the look and a sheet per character."""
    t0 = time.perf_counter()
    ctx = runtime.context
    out_dir = Path(ctx.run_dir, "anchors")
    out_dir.mkdir(parents=True, exist_ok=True)
    _progress("anchor", "drawing the style reference and character sheets")
    with ctx.stage("video") as video:
        anchors = video.anchors(state["plan"], out_dir=str(out_dir), size=ctx.size, seed=ctx.seed)
    return {"anchors": anchors, "timings": {"anchor": time.perf_counter() - t0}}


def generate(task: ClipTask, runtime: Runtime[Context]) -> dict:
    """Render one clip. A clip file that exists was finished by an earlier, interrupted run;
    what its renderer said it drew is kept beside it (`sNN.aN.json`)."""
    ctx = runtime.context
    scene, n = task["scene"], task["attempt"]
    path = Path(ctx.run_dir, "clips", f"{scene['id']}.a{n}.mp4")
    notes = path.with_suffix(".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    seconds = 0.0
    if not path.exists():
        with ctx.stage("video") as video, _render_slot(ctx.workers):
            t0 = time.perf_counter()
            rendered = video.render(
                scene,
                plan=task["plan"],
                analysis=task["analysis"],
                anchors=task["anchors"],
                out_path=str(path),
                size=ctx.size,
                fps=ctx.fps,
                seed=task["seed"],
            )
            seconds = time.perf_counter() - t0
        if rendered:
            write_json(notes, rendered)
    attempt: Attempt = {
        "attempt": n,
        "seed": task["seed"],
        "prompt": scene["prompt"],
        "path": str(path),
        "seconds": round(seconds, 3),
    }
    if notes.exists():
        attempt.update(json.loads(notes.read_text(encoding="utf-8")))
    _progress("generate", f"{scene['id']} attempt {n + 1} rendered", scene=scene["id"])
    return {"clips": {scene["id"]: [attempt]}, "timings": {"generate": seconds}}


def critique(state: State, runtime: Runtime[Context]) -> dict:
    """Score every new clip against the style and character anchors (clips in parallel), and
    write a stronger prompt for each scene that drifted and has retries left."""
    t0 = time.perf_counter()
    ctx = runtime.context
    plan, anchors = state["plan"], state["anchors"]
    todo = [
        (scene, attempt)
        for scene in plan["scenes"]
        for attempt in state.get("clips", {}).get(scene["id"], [])
        if attempt is not None and "scores" not in attempt
    ]

    def judge(item: tuple[Scene, Attempt]) -> Attempt:
        scene, attempt = item
        frames = frames_for_critique(attempt["path"])
        scores = critic.score(frames, scene=scene, plan=plan, anchors=anchors)
        scores = {k: round(float(v), 4) for k, v in scores.items()}
        return {**attempt, "scores": scores, "passed": scores["overall"] >= critic.threshold}

    scored: dict[str, list[Attempt]] = {}
    with ctx.stage("critic") as critic, ThreadPoolExecutor(max_workers=ctx.workers) as pool:
        for (scene, _), attempt in zip(todo, pool.map(judge, todo), strict=True):
            scored.setdefault(scene["id"], []).append(attempt)
    failing = [sid for sid, attempts in scored.items() if not any(a["passed"] for a in attempts)]
    rounds = state.get("critique_rounds", 0) + 1
    _progress(
        "critique",
        f"round {rounds}: {len(todo)} clips scored, "
        + (f"drift in {', '.join(failing)}" if failing else "all consistent"),
    )
    retries = retry_prompts(
        plan,
        merge_attempts(state.get("clips"), scored),
        threshold=critic.threshold,
        max_retries=ctx.max_retries,
    )
    return {
        "clips": scored,
        "critique_rounds": rounds,
        "retry_prompts": retries,
        "timings": {"critique": time.perf_counter() - t0},
    }


def retry_prompts(
    plan: Plan, clips: dict[str, list[Attempt]], *, threshold: float, max_retries: int
) -> dict[str, str]:
    """Scene id -> the prompt of its next attempt, for the scenes none of whose scored
    attempts passed and that have retries left: each aspect that drifted in its last attempt
    restated first (`strengthen_prompt`)."""
    retries = {}
    for scene in plan["scenes"]:
        attempts = [a for a in clips.get(scene["id"], []) if a is not None and "scores" in a]
        if not needs_retry(attempts, max_retries=max_retries):
            continue
        retries[scene["id"]] = strengthen_prompt(
            scene["prompt"],
            scores=attempts[-1]["scores"],
            plan=plan,
            scene=scene,
            threshold=threshold,
        )
    return retries


def needs_retry(attempts: list[Attempt], *, max_retries: int) -> bool:
    """Whether the scene was scored, no attempt passed and it has retries left."""
    return (
        bool(attempts)
        and not any(a.get("passed") for a in attempts)
        and len(attempts) <= max_retries
    )


def assemble(state: State, runtime: Runtime[Context]) -> dict:
    """Cut the best clip of every scene on the beat grid and mux the song."""
    t0 = time.perf_counter()
    ctx = runtime.context
    _progress("assemble", "cutting the clips on the beat and muxing the song")
    clips = [
        (scene, best_attempt(state["clips"][scene["id"]])["path"])
        for scene in state["plan"]["scenes"]
    ]
    assemble_video(
        clips,
        audio_path=state["song"],
        out_path=ctx.output,
        fps=ctx.fps,
        size=ctx.size,
        duration=state["analysis"]["duration"],
        work_dir=ctx.run_dir,
    )
    if state.get("lyrics"):  # as subtitles too, to correct and give back with --lyrics
        written = write_lyrics_files(state["lyrics"], ctx.output)
        _progress("assemble", "timed lyrics: " + ", ".join(Path(p).name for p in written))
    return {"video": ctx.output, "timings": {"assemble": time.perf_counter() - t0}}


def report(state: State, runtime: Runtime[Context]) -> dict:
    """run.json and a human-readable report in the run folder."""
    path = write_report(state, runtime.context)
    _progress("report", f"report written to {path}")
    return {"report": path}


_RENDER_SLOTS: dict[int, threading.BoundedSemaphore] = {}


def _render_slot(workers: int) -> threading.BoundedSemaphore:
    """At most `workers` clips render at once in this process."""
    return _RENDER_SLOTS.setdefault(workers, threading.BoundedSemaphore(workers))


def _save(runtime: Runtime[Context], name: str, data: object) -> None:
    """Write `name` in the run folder, made here when the graph runs without the runner (as
    behind the LangGraph server)."""
    folder = Path(runtime.context.run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / name, data)


def _progress(stage: str, message: str, **extra: object) -> None:
    get_stream_writer()({"stage": stage, "message": message, **extra})
