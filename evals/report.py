"""The Markdown report of an evaluation run, and its comparison with an earlier results.json.

Every area's result has a `status` and, when it ran, a `summary` of headline figures. METRICS
says for each figure what it is, which way is better and how large a change must be before it
counts (smaller changes are noise); a change that large the wrong way is a regression.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Metric:
    label: str
    better: str  # "higher", "lower", or "" when neither is better
    tolerance: float = 0.0  # changes up to this are noise
    relative: bool = False  # the tolerance is a share of the earlier value


HIGHER, LOWER = "higher", "lower"
AREAS = ("music", "speed", "sync", "consistency", "rubric", "adherence", "reliability", "lyrics")
METRICS: dict[str, dict[str, Metric]] = {
    "music": {
        "beat_f": Metric("beat F-measure (70 ms), muldjord_*", HIGHER, 0.02),
        "downbeat_f": Metric("downbeat F-measure (70 ms)", HIGHER, 0.02),
        "tempo_octave_error_rate": Metric("tempo-octave error rate", LOWER, 0.0),
        "mood_valence_agreement_tags": Metric("valence direction agrees, emotion tags", HIGHER),
        "mood_arousal_agreement_tags": Metric("arousal direction agrees, emotion tags", HIGHER),
        "mood_valence_agreement_features": Metric("valence direction agrees, mode", HIGHER),
        "mood_arousal_agreement_features": Metric("arousal direction agrees, loud+fast", HIGHER),
        "energy_arousal_r": Metric("energy curve vs rated arousal, mean r", HIGHER, 0.05),
        "vocal_accuracy": Metric("vocal activity accuracy, vocadito_1", HIGHER, 0.02),
        "vocal_f": Metric("vocal activity F (voiced)", HIGHER, 0.02),
        "section_hit_f_0.5s": Metric("section boundary hit F @0.5 s (synth)", HIGHER, 0.03),
        "section_hit_f_3s": Metric("section boundary hit F @3 s (synth)", HIGHER, 0.03),
        "section_label_pairwise_f": Metric("section label pairwise F (synth)", HIGHER, 0.03),
    },
    "speed": {
        "longest_song_seconds": Metric("longest song (s)", ""),
        "make_ratio": Metric("make / ffmpeg encode", LOWER, 0.25, relative=True),
        "render_ratio": Metric("render (clips, summed) / ffmpeg", LOWER, 0.25, relative=True),
        "encode_ratio": Metric("final encode / ffmpeg", LOWER, 0.25, relative=True),
        "analysis_ratio": Metric("analysis in make / ffmpeg", LOWER, 0.25, relative=True),
        "make_seconds_per_song_minute": Metric("make s per song minute", LOWER, 0.25, True),
        "warm_analysis_realtime": Metric("warm analysis s per song s", LOWER, 0.25, True),
        "peak_rss_mb": Metric("peak memory of make (MB)", LOWER, 0.15, relative=True),
        "make_growth": Metric("make cost growth exponent (1 = linear)", LOWER, 0.15),
        "render_growth": Metric("render cost growth exponent", LOWER, 0.15),
        "encode_growth": Metric("final encode cost growth exponent", LOWER, 0.15),
        "warm_analysis_growth": Metric("warm analysis cost growth exponent", LOWER, 0.15),
        "memory_growth": Metric("peak memory growth exponent", LOWER, 0.15),
    },
    "sync": {
        "cut_beat_median_abs_ms": Metric("cut to nearest beat, median |ms|", LOWER, 10.0),
        "cuts_on_analysis_beat": Metric("cuts within 70 ms of a beat (analysis)", HIGHER, 0.05),
        "cuts_on_true_beat": Metric("cuts within 70 ms of a beat (truth)", HIGHER, 0.05),
        "true_boundaries_cut": Metric("true section changes with a cut ±0.5 s", HIGHER, 0.05),
        "analysis_boundaries_cut": Metric("analysed section changes with a cut", HIGHER, 0.05),
        "planned_cuts_seen": Metric("planned cuts the detector sees", HIGHER, 0.05),
        "seen_cuts_planned": Metric("detected cuts that were planned", HIGHER, 0.05),
        "max_duration_error_s": Metric("max |video or audio - song| (s)", LOWER, 0.05),
    },
    "consistency": {
        "style_mean": Metric("style score, mean over scenes", HIGHER, 0.03),
        "style_min": Metric("style score, worst scene", HIGHER, 0.05),
        "character_mean": Metric("character score, mean over scenes", HIGHER, 0.03),
        "character_min": Metric("character score, worst scene", HIGHER, 0.05),
        "drift_precision": Metric("drift detection precision (pixels)", HIGHER, 0.02),
        "drift_recall": Metric("drift detection recall (pixels)", HIGHER, 0.02),
        "needless_regeneration_rate": Metric("needless regenerations (pixels)", LOWER, 0.02),
        "views_needless_regeneration_rate": Metric(
            "needless regenerations, other views of a place (pixels)", LOWER, 0.02
        ),
        "views_style_recall": Metric(
            "style drift recall, other views of a place (pixels)", HIGHER, 0.02
        ),
        "e2e_drift_caught": Metric("end to end: drifted scenes regenerated", HIGHER, 0.0),
        "e2e_needless_regeneration_rate": Metric("end to end: needless regenerations", LOWER),
        "embedding_drift_precision": Metric("drift detection precision (embedding)", HIGHER, 0.02),
        "embedding_drift_recall": Metric("drift detection recall (embedding)", HIGHER, 0.02),
        "embedding_calibrated_threshold": Metric("embedding critic calibrated threshold", ""),
        "embedding_critic": Metric("drift benchmark, embedding critic", ""),
    },
    # 0..1 as tools.critique.review_metrics reports them (a judge's 1-5 is (score - 1) / 4)
    "rubric": {
        "storytelling": Metric("storytelling (judge)", HIGHER, 0.1),
        "visual_impression": Metric("visual impression (judge)", HIGHER, 0.1),
        "emotional_consistency": Metric("emotional consistency (judge)", HIGHER, 0.1),
        "character_consistency": Metric("self-review: character consistency", HIGHER, 0.05),
        "style_consistency": Metric("self-review: style consistency", HIGHER, 0.05),
        "beat_sync": Metric("self-review: planned cuts on a beat", HIGHER, 0.05),
        "lyric_alignment": Metric("self-review: lyric alignment", HIGHER, 0.05),
    },
    "adherence": {
        "requests": Metric("requests", ""),
        "elements": Metric("request elements annotated", ""),
        "plan_score": Metric("request elements in the shots (plan)", HIGHER, 0.02),
        "picture_score": Metric("request elements drawn (picture)", HIGHER, 0.02),
        "backdrops_per_minute": Metric("distinct backdrops per song minute (plan)", ""),
        "drawn_backdrops_per_minute": Metric("distinct backdrops per song minute (drawn)", ""),
        "distinct_actions": Metric("distinct actions per video", ""),
        "distinct_expressions": Metric("distinct expressions per video", ""),
        "wide_share": Metric("wide shots", ""),
        "medium_share": Metric("medium shots", ""),
        "close-up_share": Metric("close-ups", ""),
        "performance_share_sung": Metric("performance shots, sung tracks", ""),
    },
    "reliability": {
        "cases": Metric("bad inputs, faults and attacks tried", ""),
        "clean": Metric("handled cleanly", HIGHER),
        "cli_clean": Metric("command line: clean / tried", ""),
        "api_clean": Metric("HTTP API: clean / tried", ""),
        "kill_clean": Metric("kill -9 then resume: same frames / tried", ""),
    },
    "lyrics": {
        "mix_vocal_auc": Metric("vocal activity ROC AUC, voice over band mixes", HIGHER, 0.02),
        "mix_vocal_f": Metric("vocal activity F, mixes", HIGHER, 0.02),
        "mix_line_start_median_s": Metric("plain lyrics: median line start error (s)", LOWER, 0.1),
        "mix_lines_within_1s": Metric("plain lyrics: lines starting within 1 s", HIGHER, 0.03),
        "joined_line_start_median_s": Metric(
            "lines back to back: median line start error (s)", LOWER, 0.1
        ),
        "joined_lines_within_1s": Metric("lines back to back: lines within 1 s", HIGHER, 0.03),
        "fantasma_lines_within_1s": Metric("fantasma: lines starting within 1 s", HIGHER, 0.06),
        "fantasma_mean_overlap": Metric("fantasma: shown time overlapping sung", HIGHER, 0.03),
        "fantasma_vocal_auc": Metric("fantasma: vocal activity ROC AUC (words)", HIGHER, 0.02),
        "fantasma_variants_min_within_1s": Metric(
            "fantasma cut or padded (15 ways): fewest lines within 1 s", HIGHER, 0.06
        ),
        "fantasma_variants_mean_within_1s": Metric(
            "fantasma cut or padded: mean lines within 1 s", HIGHER, 0.03
        ),
        "fantasma_variants_min_overlap": Metric(
            "fantasma cut or padded: lowest shown-sung overlap", HIGHER, 0.03
        ),
        "fantasma_warps_min_within_1s": Metric(
            "fantasma 5-10 % slower or faster, or 2 semitones off: fewest lines within 1 s",
            HIGHER,
            0.06,
        ),
        "fantasma_warps_mean_within_1s": Metric(
            "fantasma at other tempos and keys: mean lines within 1 s", HIGHER, 0.03
        ),
    },
}


@dataclass(frozen=True)
class Row:
    area: str
    label: str
    value: Any
    previous: Any = None
    change: float | None = None
    verdict: str = ""  # "better", "REGRESSION" or ""


def verdict(metric: Metric, new: Any, old: Any) -> str:
    """ "better", "REGRESSION" or "" for a change of a figure from `old` to `new`."""
    if not metric.better or not _number(new) or not _number(old):
        return ""
    tolerance = metric.tolerance * abs(old) if metric.relative else metric.tolerance
    gain = (new - old) if metric.better == HIGHER else (old - new)
    if gain > tolerance + 1e-9:
        return "better"
    if -gain > tolerance + 1e-9:
        return "REGRESSION"
    return ""


def summary_rows(results: dict, previous: dict | None = None) -> list[Row]:
    """One row per headline figure (or one for an area that did not run), compared with
    `previous` results when given."""
    rows = []
    for area in AREAS:
        result = results.get(area, {"status": "not run: not selected"})
        if result["status"] != "ok":
            rows.append(Row(area, result["status"], None))
            continue
        before = (previous or {}).get(area, {}).get("summary", {})
        for key, value in result["summary"].items():
            metric = METRICS.get(area, {}).get(key, Metric(key, ""))
            old = before.get(key)
            change = value - old if _number(value) and _number(old) else None
            rows.append(Row(area, metric.label, value, old, change, verdict(metric, value, old)))
    return rows


def regressions(rows: list[Row]) -> list[Row]:
    return [row for row in rows if row.verdict == "REGRESSION"]


def settings_differ(results: dict, previous: dict) -> list[str]:
    """The run settings (other than which areas ran) that differ between two results files:
    figures made with different settings compare poorly."""
    new = results.get("meta", {}).get("settings", {})
    old = previous.get("meta", {}).get("settings", {})
    return [
        f"{key}: {old.get(key)!r} then, {new.get(key)!r} now"
        for key in new
        if key != "areas" and new.get(key) != old.get(key)
    ]


def markdown(results: dict, previous: dict | None = None) -> str:
    """The whole report: a header, the summary table (with the comparison) and detail tables."""
    meta = results["meta"]
    lines = ["# sound2sight evaluations", "", _header(meta), ""]
    if previous is not None:
        lines += [f"Compared with the run of {previous['meta'].get('started', '?')} "
                  f"(commit {previous['meta'].get('commit') or '?'})."]  # fmt: skip
        lines += [f"- settings differ: {d}" for d in settings_differ(results, previous)] + [""]
    rows = summary_rows(results, previous)
    lines += _summary_table(rows, compared=previous is not None)
    if previous is not None:
        flagged = regressions(rows)
        lines += ["", f"**{len(flagged)} regression(s)**" + (": " if flagged else "")
                  + "; ".join(f"{r.area} {r.label}" for r in flagged)]  # fmt: skip
    lines += _details(results)
    return "\n".join(lines) + "\n"


def _header(meta: dict) -> str:
    s = meta["settings"]
    return (
        f"{meta['started']}, commit {meta.get('commit') or '?'}, "
        f"{'quick' if s['quick'] else 'full'} run at {s['resolution']} {s['fps']} fps, "
        f"{meta['seconds'] / 60:.1f} min on {meta['machine']}"
    )


def _summary_table(rows: list[Row], *, compared: bool) -> list[str]:
    if compared:
        out = ["| area | figure | value | previous | change | |", "|---|---|---|---|---|---|"]
        for r in rows:
            change = "" if r.change is None else f"{r.change:+.3g}"
            out.append(
                f"| {r.area} | {_fmt(r.label)} | {_fmt(r.value)} | {_fmt(r.previous)} | {change} "
                f"| {r.verdict} |"
            )
        return out
    return ["| area | figure | value |", "|---|---|---|"] + [
        f"| {r.area} | {_fmt(r.label)} | {_fmt(r.value)} |" for r in rows
    ]


def _details(results: dict) -> list[str]:
    """Per-track, per-song and per-critic tables of the areas that ran."""
    return (
        _beats_table(results.get("music", {}))
        + _speed_table(results.get("speed", {}))
        + _sync_table(results.get("sync", {}))
        + _drift_table(results.get("consistency", {}))
        + _adherence_tables(results.get("adherence", {}))
        + _reliability_table(results.get("reliability", {}))
    )


def area_markdown(area: str, result: dict) -> str:
    """One area's headline figures and tables, for an evaluation run on its own."""
    rows = [row for row in summary_rows({area: result}) if row.area == area]
    return "\n".join(_summary_table(rows, compared=False) + _details({area: result})) + "\n"


def _beats_table(music: dict) -> list[str]:
    if music.get("beats", {}).get("status") != "ok":
        return []
    columns = ["track", "beat_f", "downbeat_f", "tempo", "reference_tempo", "octave_error"]
    return _table("Beats per track", music["beats"]["tracks"], columns)


def _speed_table(speed: dict) -> list[str]:
    if "songs" not in speed:
        return []
    columns = [
        "song", "song_seconds", "resolution", "ffmpeg_seconds", "make_seconds", "make_ratio",
        "analysis_seconds", "warm_analysis_seconds", "render_seconds", "render_ratio",
        "encode_seconds", "encode_ratio", "peak_rss_mb", "scenes",
    ]  # fmt: skip
    title = "Speed per song (ratios to ffmpeg encoding the same duration, same run)"
    return _table(title, speed["songs"], columns)


def _sync_table(sync: dict) -> list[str]:
    if "videos" not in sync:
        return []
    rows = [
        {
            "video": v["video"],
            "cuts": v["cuts_vs_analysis_beats"]["cuts"],
            "median |ms|": v["cuts_vs_analysis_beats"]["median_abs_ms"],
            "on beat": v["cuts_vs_analysis_beats"]["on_beat"],
            "chance": v["cuts_vs_analysis_beats"]["chance"],
            "planned seen": v["plan"]["planned_found"],
            "seen planned": v["plan"]["detected_planned"],
            "sections cut": v.get("true_boundaries_cut"),
            "video s": v["video_seconds"],
            "audio s": v["audio_seconds"],
            "song s": v["song_seconds"],
        }
        for v in sync["videos"]
    ]
    return _table("Sync per video (analysis beats; truth sections)", rows, list(rows[0]))


def _drift_table(consistency: dict) -> list[str]:
    rows = []
    for part in ("drift_pixels", "drift_views", "drift_embedding"):
        bench = consistency.get(part, {})
        if bench.get("status") == "ok":
            for key, which in (("at_threshold", "its own"), ("calibrated", "calibrated")):
                rows.append({"critic": bench["critic"], "threshold used": which, **bench[key]})
    if not rows:
        return []
    return _table("Drift benchmark (calibrated: in-sample, optimistic)", rows, list(rows[0]))


KIND_COLUMNS = ("kind", "elements", "plan", "picture", "plan_scenes", "picture_scenes")
MISS_COLUMNS = ("request", "kind", "element", "plan", "picture")


def _reliability_table(reliability: dict) -> list[str]:
    if reliability.get("status") != "ok" or not reliability["problems"]:
        return []
    rows = [
        f"| {p['kind']} | {_fmt(p['case'])} | {_fmt(p['problem'])} |"
        for p in reliability["problems"]
    ]
    return [
        "",
        "## reliability: not handled cleanly",
        "",
        "| kind | case | problem |",
        "|---|---|---|",
        *rows,
    ]


def _adherence_tables(adherence: dict) -> list[str]:
    if adherence.get("status") != "ok":
        return []
    requests = [
        {key: r[key] for key in ("id", "track", "minutes", "scenes", "plan_score", "picture_score")}
        | r["variety"]
        for r in adherence["results"]
    ]
    return (
        _table(
            "Adherence per element kind (share met; mean share of scenes with it)",
            adherence["kinds"],
            list(KIND_COLUMNS),
        )
        + _table("Adherence per request", requests, list(requests[0]) if requests else [])
        + _table(
            "Adherence misses (ok, or what was there instead)",
            adherence["misses"],
            list(MISS_COLUMNS),
        )
    )


def _table(title: str, rows: list[dict], columns: list[str]) -> list[str]:
    lines = ["", f"### {title}", "", "| " + " | ".join(_fmt(c) for c in columns) + " |"]
    lines.append("|" + "---|" * len(columns))
    lines += ["| " + " | ".join(_fmt(row.get(c)) for c in columns) + " |" for row in rows]
    return lines


def _fmt(value: Any) -> str:
    """A table cell: 3 significant digits, – for nothing, pipes escaped."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
        return "0" if text == "-0" else text
    return str(value).replace("|", "\\|")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
