"""The batch's HTML: a page per song (contact sheet, review, timings, cost) and an index page.

Pages are self-contained static HTML with relative links, so OUT_DIR can be moved or served
as it is. A song's page lives in its run folder (runs/<slug>/report.html) beside its
contact_sheet.png and keyframes/<scene>.png; the index is OUT_DIR/index.html.
"""

import json
import os
from html import escape
from pathlib import Path

from tools.critique.contact_sheet import Tile, contact_sheet, keyframe
from tools.critique.review_metrics import DIMENSIONS
from tools.files import write_text

PAID_KINDS = {"openai"}  # backend kinds that call a paid API

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1180px;padding:0 16px;
color:#1d1d22;background:#fafafa}
h1{margin:0 0 4px}h2{margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555}table{border-collapse:collapse;margin:8px 0}
td,th{border-bottom:1px solid #e4e4e4;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f0f0f3}.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#1c7c35;font-weight:600}.bad{color:#b3261e;font-weight:600}.muted{color:#777}
.bar{display:inline-block;height:8px;background:#5b7bd5;vertical-align:middle}
.scenes{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:14px}
.scene{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px}
.scene img{width:100%;border-radius:3px;border-top:4px solid #1c7c35}
.scene.failed img{border-top-color:#b3261e}.scene h3{margin:6px 0 2px;font-size:15px}
.scene pre{white-space:pre-wrap;font-size:12px;background:#f4f4f6;padding:6px}
.scene table{width:100%;font-size:12px}.scene td,.scene th{padding:2px 4px}
tr.chosen td{font-weight:600;background:#eef3ff}
video{width:640px;max-width:100%;background:#000}img.sheet{max-width:100%}
"""


def write_song_page(entry: dict) -> str:
    """Write runs/<slug>/report.html (with its contact sheet); returns its path."""
    run_dir = Path(entry["run_dir"])
    draw_contact_sheet(run_dir)
    run = _load(run_dir / "run.json")
    review_path = run_dir / "review.json"
    review = _load(review_path) if review_path.exists() else None
    page = run_dir / "report.html"
    write_text(page, render_song_page(entry, run, review, page_dir=run_dir))
    return str(page)


def draw_contact_sheet(run_dir: Path) -> str:
    """keyframes/<scene>.png and contact_sheet.png from the chosen clips; returns the sheet."""
    run = _load(run_dir / "run.json")
    frames = run_dir / "keyframes"
    frames.mkdir(exist_ok=True)
    tiles = []
    for scene in run["scenes"]:
        image = keyframe(scene["attempts"][scene["chosen"]]["path"])
        image.save(frames / f"{scene['id']}.png")
        tiles.append(Tile(image, _caption(scene), passed=scene["passed"]))
    return contact_sheet(tiles, run_dir / "contact_sheet.png")


def write_index(out_dir: Path, summary: dict) -> str:
    """OUT_DIR/index.html: the batch at a glance, a row per song."""
    path = out_dir / "index.html"
    write_text(path, render_index(summary, out_dir=out_dir))
    return str(path)


# ---------------------------------------------------------------------------- song page


def render_song_page(entry: dict, run: dict, review: dict | None, *, page_dir: Path) -> str:
    video = _rel(run["video"], page_dir)
    backends = ", ".join(
        f"{role} <code>{escape(spec)}</code>" for role, spec in run["backends"].items()
    )
    parts = [
        f"<h1>{escape(run['title'])}</h1>",
        f"<p class=meta>{escape(Path(run['song']).name)} · {run['duration']:.1f} s · "
        f"{run['tempo']:.0f} BPM · request: {escape(run['request'] or '(none)')}<br>"
        f"pipeline {escape(run['pipeline'])} · {backends}</p>",
        f'<video controls preload=metadata src="{video}"></video>',
        f"<p>{escape(run['story'])}</p>",
        _review_html(review),
        "<h2>Contact sheet</h2>",
        f"<p class=muted>Critic threshold {run['critic_threshold']:.2f}; "
        f"{run['critique_rounds']} critique rounds; regenerated: "
        f"{escape(', '.join(run['regenerated']) or 'none')}. A keyframe is the middle frame of "
        "the scene's chosen clip; green: passed the critic, red: did not.</p>",
        '<img class=sheet src="contact_sheet.png" alt="contact sheet">',
        "<div class=scenes>",
        *[_scene_html(scene) for scene in run["scenes"]],
        "</div>",
        "<h2>Timings</h2>",
        _timings_html(run, entry),
        "<h2>Cost</h2>",
        f"<p>{escape(cost_note(run['backends'], judge=(review or {}).get('judge')))}</p>",
    ]
    return _page(
        run["title"], "\n".join(parts), back=_rel(page_dir.parent.parent / "index.html", page_dir)
    )


def cost_note(backends: dict[str, str], *, judge: str | None = None) -> str:
    used = {**backends, **({"judge": judge} if judge else {})}
    paid = [f"{role} {spec}" for role, spec in used.items() if _kind(spec) in PAID_KINDS]
    if not paid:
        return "No paid API: every backend of this run runs locally."
    return (
        f"Paid API used ({', '.join(paid)}); its cost is not recorded: the backends do not "
        "report token usage yet. See the provider's usage page."
    )


def _kind(spec: str) -> str:
    kind, _, model = spec.partition(":")
    return _kind(model) if kind == "ray" else kind  # ray:<spec> runs <spec>


def _review_html(review: dict | None) -> str:
    if review is None:
        return "<h2>Review</h2><p class=muted>Not reviewed (run the batch with --review).</p>"
    final = review["final"]
    verdict = (
        "<span class=ok>passes</span>"
        if final["passed"]
        else "<span class=bad>under the bar</span>"
    )
    overall = "n/a" if final["overall"] is None else f"{final['overall']:.2f}"
    rows = []
    for name in DIMENSIONS:
        d = final["dimensions"][name]
        if d["score"] is None:
            score = "<td class='num muted'>—</td><td></td>"
        else:
            cls = "num" if d["score"] >= final["bar"] else "num bad"
            score = (
                f"<td class='{cls}'>{d['score']:.2f}</td>"
                f"<td><span class=bar style='width:{d['score'] * 120:.0f}px'></span></td>"
            )
        rows.append(
            f"<tr><td>{name.replace('_', ' ')}</td>{score}"
            f"<td>{escape(d['method'] or '')}</td><td>{escape(d['detail'])}</td></tr>"
        )
    parts = [
        "<h2>Review</h2>",
        f"<p>Overall {overall} · bar {final['bar']:.2f} · {verdict}</p>",
        "<table><tr><th>dimension</th><th>score</th><th></th><th>method</th><th>detail</th></tr>",
        *rows,
        "</table>",
    ]
    revision = review.get("revision")
    if revision:
        turns = revision["max_retries"]
        first = review["first"]
        parts.append(
            f"<h3>Revised</h3><p>The first review ({first['overall']:.2f}) flagged "
            f"{len(first['flagged'])} scene(s); max retries raised from {turns['from']} to "
            f"{turns['to']} for them ({revision['seconds']:.1f} s), then reviewed again.</p>"
            "<table><tr><th>scene</th><th>why</th><th>attempts</th><th>overall</th>"
            "<th>result</th></tr>"
        )
        for s in revision["scenes"]:
            result = (
                "<span class=ok>passed</span>"
                if s["passed"]
                else "<span class=bad>still failing</span>"
            )
            parts.append(
                f"<tr><td>{s['scene']}</td><td>{escape(s['why'])}</td>"
                f"<td class=num>{s['attempts_before']} → {s['attempts_after']}</td>"
                f"<td class=num>{s['before'].get('overall', 0):.2f} → "
                f"{s['after'].get('overall', 0):.2f}</td><td>{result}</td></tr>"
            )
        parts.append("</table>")
    elif review.get("not_revised"):
        parts.append(f"<p class=muted>Not revised: {escape(review['not_revised'])}</p>")
    return "\n".join(parts)


def _scene_html(scene: dict) -> str:
    attempts = []
    for a in scene["attempts"]:
        scores = a.get("scores", {})
        chosen = " class=chosen" if a["attempt"] == scene["chosen"] else ""
        verdict = "ok" if a.get("passed") else "bad"
        attempts.append(
            f"<tr{chosen}><td>{a['attempt'] + 1}</td><td class=num>{a['seed']}</td>"
            f"<td class=num>{scores.get('style', 0):.2f}</td>"
            f"<td class=num>{scores.get('character', 0):.2f}</td>"
            f"<td class='num {verdict}'>{scores.get('overall', 0):.2f}</td>"
            f"<td class=num>{a['seconds']:.1f}</td></tr>"
        )
    cast = ", ".join(scene["characters"]) or "no people"
    return (
        f"<div class='scene{'' if scene['passed'] else ' failed'}'>"
        f"<img src='keyframes/{scene['id']}.png' alt='{scene['id']}'>"
        f"<h3>{scene['id']} · {scene['start']:.2f}–{scene['end']:.2f} s</h3>"
        f"<div class=muted>{escape(scene['section'])} · {escape(scene['transition_in'])} in · "
        f"{escape(cast)}</div>"
        "<table><tr><th>try</th><th>seed</th><th>style</th><th>char.</th><th>overall</th>"
        f"<th>s</th></tr>{''.join(attempts)}</table>"
        f"<div class=muted>chosen: try {scene['chosen'] + 1} (highlighted)</div>"
        f"<details><summary>prompt</summary><pre>{escape(scene['prompt'])}</pre></details></div>"
    )


def _timings_html(run: dict, entry: dict) -> str:
    rows = [
        f"<tr><td>{escape(stage)}</td><td class=num>{seconds:.1f}</td></tr>"
        for stage, seconds in run["timings"].items()
    ]
    rows.append(f"<tr><th>this batch job (wall)</th><th class=num>{entry['seconds']:.1f}</th></tr>")
    note = "<p class=muted>Stage times in seconds; parallel clip renders add up.</p>"
    return f"{note}<table><tr><th>stage</th><th>s</th></tr>{''.join(rows)}</table>"


def _caption(scene: dict) -> tuple[str, ...]:
    sc = scene["scores"]
    tries = len(scene["attempts"])
    lines = (
        f"{scene['id']}  {scene['start']:.1f}–{scene['end']:.1f} s  {scene['section']}",
        f"style {sc.get('style', 0):.2f} · char {sc.get('character', 0):.2f} · "
        f"{tries} attempt{'s' if tries > 1 else ''}",
    )
    return lines + drawn_lines(scene.get("drawn"))


def drawn_lines(drawn: dict | None) -> tuple[str, ...]:
    """What a clip shows, in two short lines: where and when, and who does what with what."""
    if not drawn:
        return ()
    where = f"{drawn['place']} {drawn['view']}, {drawn['time']}"
    if drawn["weather"] != "clear":
        where += f", {drawn['weather']}"
    who = "; ".join(f"{s['action']} ({s['expression']})" for s in drawn["subjects"])
    things = ", ".join(drawn["props"])
    return (where, " + ".join(part for part in (who, things) if part) or "nobody")


# ---------------------------------------------------------------------------- index


def render_index(summary: dict, *, out_dir: Path) -> str:
    rate = summary["songs_per_minute"]
    facts = (
        f"{summary['done']} made, {summary['skipped']} already done, {summary['failed']} failed; "
        f"executor {summary['executor']} × {summary['workers']} · "
        f"{summary['wall_seconds']:.0f} s wall"
        + (f" · {rate:.2f} songs/min" if rate else "")
        + (" · reviewed" if summary["review"] else "")
    )
    rows = []
    for e in summary["songs"]:
        name = escape(Path(e["song"]).name)
        if e.get("page"):
            name = f"<a href='{_rel(e['page'], out_dir)}'>{name}</a>"
        status = {"done": "ok", "skipped": "ok", "failed": "bad"}.get(e["status"], "muted")
        review = e.get("review")
        score = "" if not review or review["overall"] is None else f"{review['overall']:.2f}"
        if review:
            score += " ✓" if review["passed"] else " ✗"
            if review["revised"]:
                score += f" (revised {', '.join(review['revised'])})"
        video = f"<a href='{_rel(e['video'], out_dir)}'>video</a>" if e.get("video") else ""
        rows.append(
            f"<tr><td>{name}</td><td class={status}>{e['status']}</td><td>{video}</td>"
            f"<td>{escape(score)}</td><td class=num>{e.get('seconds', 0) or 0:.1f}</td>"
            f"<td>{escape(e.get('error', ''))}</td></tr>"
        )
    ignored = summary["ignored"]
    body = "\n".join(
        [
            "<h1>sound2sight batch</h1>",
            f"<p class=meta>{escape(summary['in_dir'])}<br>{escape(facts)}</p>",
            "<table><tr><th>song</th><th>status</th><th></th><th>review</th><th>s</th>"
            "<th>error</th></tr>",
            *rows,
            "</table>",
            f"<p class=muted>Not audio, left out: {escape(', '.join(ignored))}</p>"
            if ignored
            else "",
        ]
    )
    return _page("sound2sight batch", body)


# ---------------------------------------------------------------------------- helpers


def _page(title: str, body: str, *, back: str | None = None) -> str:
    nav = f"<p><a href='{back}'>← all songs</a></p>" if back else ""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{nav}{body}</body></html>\n"
    )


def _rel(path: str | Path, start: Path) -> str:
    return escape(Path(os.path.relpath(Path(path).resolve(), start.resolve())).as_posix())


def _load(path: Path) -> dict:
    return json.loads(path.read_text())
