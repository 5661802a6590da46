"""Assembly: exact frame count, the song muxed as AAC, cuts on the right frame, transitions,
tiling checks and atomic output. Clips are solid colours so every frame can be checked."""

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tools.assembly.assemble import assemble, frame_bounds, transition_keyframes
from tools.errors import GenerationFailedError, InvalidInputError
from tools.ffmpeg import ffmpeg_exe, frame_writer, read_frames, video_info
from tools.types import Scene

FPS = 12
SIZE = (64, 36)
RED, BLUE, GREEN = (220, 30, 30), (30, 30, 220), (30, 200, 60)


def scene(index: int, start: float, end: float, transition: str = "cut") -> Scene:
    return {
        "id": f"s{index + 1:02d}",
        "index": index,
        "start": start,
        "end": end,
        "section": 0,
        "section_label": "verse",
        "setting": "a test card",
        "description": "a solid colour",
        "camera": "static",
        "characters": [],
        "intensity": 0.5,
        "prompt": "a solid colour",
        "transition_in": transition,
    }


def solid_clip(
    path: Path, color: tuple[int, int, int], frames: int, keyframes: list[int] = ()
) -> str:
    with frame_writer(str(path), size=SIZE, fps=FPS, keyframes=keyframes) as writer:
        for _ in range(frames):
            writer.write(np.full((SIZE[1], SIZE[0], 3), color, np.uint8))
    return str(path)


def song(path: Path, seconds: float) -> str:
    t = np.arange(int(seconds * 44100)) / 44100
    sf.write(path, 0.3 * np.sin(2 * np.pi * 220 * t), 44100)
    return str(path)


def clips_for(tmp_path: Path, spans: list[tuple[float, float, str]], colors) -> list:
    """Solid clips with the keyframes a clip writer puts at their transitions."""
    scenes = [scene(k, *span) for k, span in enumerate(spans)]
    out = []
    for k, (shot, color) in enumerate(zip(scenes, colors, strict=True)):
        frames = round(shot["end"] * FPS) - round(shot["start"] * FPS)
        keyframes = transition_keyframes(shot, scenes, fps=FPS)
        out.append((shot, solid_clip(tmp_path / f"clip{k}.mp4", color, frames, keyframes)))
    return out


def mean_rgb(frame: np.ndarray) -> np.ndarray:
    return frame.reshape(-1, 3).mean(axis=0)


def close_to(frame: np.ndarray, color: tuple[int, int, int], tol: float = 12) -> bool:
    return bool(np.abs(mean_rgb(frame) - color).max() <= tol)


def streams(path: Path) -> str:
    probe = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True)
    return probe.stderr.decode(errors="replace")


def test_frame_count_duration_and_aac_audio(tmp_path):
    spans = [(0.0, 1.0, "cut"), (1.0, 1.75, "crossfade"), (1.75, 2.5, "flash")]
    clips = clips_for(tmp_path, spans, [RED, BLUE, GREEN])
    out = tmp_path / "video.mp4"
    assemble(
        clips,
        audio_path=song(tmp_path / "song.wav", 2.5),
        out_path=str(out),
        fps=FPS,
        size=SIZE,
        duration=2.5,
    )
    info = video_info(str(out))
    assert info.frames == 30 and (info.width, info.height) == SIZE and info.fps == FPS
    text = streams(out)
    assert "Audio: aac" in text and "Video: h264" in text and "yuv420p" in text
    assert "Duration: 00:00:02.5" in text


def test_audio_longer_than_the_video_is_cut_to_it(tmp_path):
    clips = clips_for(tmp_path, [(0.0, 1.0, "cut")], [RED])
    out = tmp_path / "video.mp4"
    assemble(
        clips,
        audio_path=song(tmp_path / "song.wav", 3.0),
        out_path=str(out),
        fps=FPS,
        size=SIZE,
        duration=1.0,
    )
    assert "Duration: 00:00:01.0" in streams(out)


@pytest.mark.parametrize("cut", [1.0, 1.04, 0.96])  # on a frame, and rounding down / up to it
def test_a_cut_lands_on_its_frame(tmp_path, cut):
    clips = clips_for(tmp_path, [(0.0, cut, "cut"), (cut, 2.0, "cut")], [RED, BLUE])
    out = tmp_path / "video.mp4"
    assemble(
        clips,
        audio_path=song(tmp_path / "song.wav", 2.0),
        out_path=str(out),
        fps=FPS,
        size=SIZE,
        duration=2.0,
    )
    boundary = round(cut * FPS)
    assert boundary == 12
    before, after = read_frames(str(out), indices=[boundary - 1, boundary])
    assert close_to(before, RED) and close_to(after, BLUE)


def test_crossfade_frames_are_blends_centred_on_the_cut(tmp_path):
    clips = clips_for(tmp_path, [(0.0, 2.0, "cut"), (2.0, 4.0, "crossfade")], [RED, BLUE])
    out = tmp_path / "video.mp4"
    assemble(
        clips,
        audio_path=song(tmp_path / "song.wav", 4.0),
        out_path=str(out),
        fps=FPS,
        size=SIZE,
        duration=4.0,
    )
    frames = read_frames(str(out), indices=list(range(18, 30)))
    red = [mean_rgb(f)[0] for f in frames]
    blue = [mean_rgb(f)[2] for f in frames]
    assert close_to(frames[0], RED) and close_to(frames[-1], BLUE)  # frames 18 and 29: untouched
    assert all(a >= b - 2 for a, b in zip(red, red[1:], strict=False))  # red fades out
    assert all(a <= b + 2 for a, b in zip(blue, blue[1:], strict=False))  # blue fades in
    mixed = [i for i, f in enumerate(frames) if not close_to(f, RED) and not close_to(f, BLUE)]
    assert mixed and 18 + mixed[0] < 24 <= 18 + mixed[-1]  # the dissolve straddles frame 24
    middle = mean_rgb(frames[24 - 18])
    assert abs(middle[0] - middle[2]) < 60  # about half way at the cut


def test_flash_brightens_the_cut_and_decays(tmp_path):
    clips = clips_for(tmp_path, [(0.0, 1.0, "cut"), (1.0, 2.0, "flash")], [BLUE, BLUE])
    out = tmp_path / "video.mp4"
    assemble(
        clips,
        audio_path=song(tmp_path / "song.wav", 2.0),
        out_path=str(out),
        fps=FPS,
        size=SIZE,
        duration=2.0,
    )
    frames = read_frames(str(out), indices=[11, 12, 13, 14, 20])
    light = [mean_rgb(f).mean() for f in frames]
    assert close_to(frames[0], BLUE) and close_to(frames[-1], BLUE)
    assert light[1] > light[0] + 80  # the cut frame flashes
    assert light[1] > light[2] > light[3]  # and decays


@pytest.mark.parametrize(
    ("spans", "match"),
    [
        ([(0.0, 1.0), (1.2, 2.0)], "gap between s01"),
        ([(0.0, 1.2), (1.0, 2.0)], "overlap between s01"),
        ([(0.5, 1.0), (1.0, 2.0)], r"must tile \[0, 2.000\)"),
        ([(0.0, 1.0), (1.0, 1.5)], r"must tile \[0, 2.000\)"),
        ([(0.0, 1.0), (1.0, 1.02), (1.02, 2.0)], "s02 .* spans no frame"),
    ],
)
def test_bad_tiling_is_refused(spans, match):
    scenes = [scene(k, a, b) for k, (a, b) in enumerate(spans)]
    with pytest.raises(InvalidInputError, match=match):
        frame_bounds(scenes, fps=FPS, duration=2.0)


def test_frame_bounds_follow_the_rounding_rule():
    scenes = [scene(0, 0.0, 1.04), scene(1, 1.04, 2.5), scene(2, 2.5, 3.71)]
    assert frame_bounds(scenes, fps=FPS, duration=3.71) == [0, 12, 30, 45]


def test_unknown_transition_is_refused(tmp_path):
    clips = clips_for(tmp_path, [(0.0, 1.0, "cut"), (1.0, 2.0, "wipe")], [RED, BLUE])
    with pytest.raises(InvalidInputError, match="transition 'wipe'"):
        assemble(
            clips,
            audio_path=song(tmp_path / "song.wav", 2.0),
            out_path=str(tmp_path / "v.mp4"),
            fps=FPS,
            size=SIZE,
            duration=2.0,
        )


def test_a_broken_clip_fails_cleanly_and_leaves_nothing(tmp_path):
    clips = clips_for(tmp_path, [(0.0, 1.0, "cut")], [RED])
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    clips.append((scene(1, 1.0, 2.0, "crossfade"), str(broken)))
    out = tmp_path / "out" / "video.mp4"
    out.parent.mkdir()
    out.write_bytes(b"previous video")  # an older result stays untouched
    with pytest.raises(GenerationFailedError, match="cannot decode clip .*broken.mp4"):
        assemble(
            clips,
            audio_path=song(tmp_path / "song.wav", 2.0),
            out_path=str(out),
            fps=FPS,
            size=SIZE,
            duration=2.0,
        )
    assert out.read_bytes() == b"previous video"
    assert sorted(p.name for p in out.parent.iterdir()) == ["video.mp4"]


def test_a_missing_clip_is_an_input_error(tmp_path):
    with pytest.raises(InvalidInputError, match="missing file"):
        assemble(
            [(scene(0, 0.0, 1.0), str(tmp_path / "nope.mp4"))],
            audio_path=song(tmp_path / "song.wav", 1.0),
            out_path=str(tmp_path / "v.mp4"),
            fps=FPS,
            size=SIZE,
            duration=1.0,
        )
    assert not (tmp_path / "v.mp4").exists()


def test_short_or_odd_sized_clips_are_conformed(tmp_path):
    short = solid_clip(tmp_path / "short.mp4", RED, 8)  # 12 frames are due
    with frame_writer(str(tmp_path / "big.mp4"), size=(128, 72), fps=24) as writer:
        for _ in range(24):  # 1 s at 24 fps: resampled to 12 fps, scaled to 64x36
            writer.write(np.full((72, 128, 3), BLUE, np.uint8))
    clips = [(scene(0, 0.0, 1.0), short), (scene(1, 1.0, 2.0), str(tmp_path / "big.mp4"))]
    out = tmp_path / "video.mp4"
    assemble(
        clips,
        audio_path=song(tmp_path / "song.wav", 2.0),
        out_path=str(out),
        fps=FPS,
        size=SIZE,
        duration=2.0,
    )
    assert video_info(str(out)).frames == 24
    held, last_red, first_blue = read_frames(str(out), indices=[7, 11, 12])
    assert close_to(held, RED) and close_to(last_red, RED) and close_to(first_blue, BLUE)


def test_an_encoder_failure_is_reported_and_leaves_nothing(tmp_path):
    clips = clips_for(tmp_path, [(0.0, 1.0, "cut")], [RED])
    not_audio = tmp_path / "song.wav"
    not_audio.write_text("not audio")
    out = tmp_path / "out" / "video.mp4"
    out.parent.mkdir()
    with pytest.raises(GenerationFailedError, match="encoding the song's audio failed: .*input"):
        assemble(
            clips, audio_path=str(not_audio), out_path=str(out), fps=FPS, size=SIZE, duration=1.0
        )
    assert list(out.parent.iterdir()) == []


def test_clips_on_hard_cuts_are_copied_and_transitions_re_encoded(tmp_path, monkeypatch):
    import tools.assembly.assemble as assembly

    spans = [(0.0, 1.0, "cut"), (1.0, 2.0, "cut"), (2.0, 3.0, "crossfade"), (3.0, 4.0, "cut")]
    clips = clips_for(tmp_path, spans, [RED, GREEN, BLUE, RED])
    copied = []
    real = assembly._copied_spans

    def spy(*args, **kwargs):
        copied.append(real(*args, **kwargs))
        return copied[-1]

    monkeypatch.setattr(assembly, "_copied_spans", spy)
    out = tmp_path / "video.mp4"
    assemble(clips, audio_path=song(tmp_path / "s.wav", 4.0), out_path=str(out), fps=FPS,
             size=SIZE, duration=4.0)  # fmt: skip
    # scene 1 leaves on a 2+2 frame crossfade, scene 2 enters on it: only those 4 frames are
    # re-encoded, from the keyframes the writer put where the crossfade ends and begins
    assert copied == [{0: (0, 12), 1: (0, 10), 2: (2, 12), 3: (0, 12)}]
    decode = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(out), "-f", "null", "-"],
                            capture_output=True, text=True)  # fmt: skip
    assert decode.returncode == 0 and decode.stderr == ""
    assert video_info(str(out)).frames == 4 * FPS
    first, last = read_frames(str(out), indices=[FPS // 2, 4 * FPS - 1])
    assert close_to(first, RED) and close_to(last, RED)


def indexed_clip(path: Path, clip: int, frames: int, fps: int, keyframes: list[int]) -> str:
    """A clip whose frame j is a solid colour telling the clip (red) and the frame (green)."""
    with frame_writer(str(path), size=SIZE, fps=fps, keyframes=keyframes) as writer:
        for j in range(frames):
            color = (40 + 40 * clip, 10 + 7 * j, 128)
            writer.write(np.full((SIZE[1], SIZE[0], 3), color, np.uint8))
    return str(path)


def all_frames(path: Path) -> np.ndarray:
    cmd = [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    data = subprocess.run(cmd, capture_output=True, check=True).stdout
    return np.frombuffer(data, np.uint8).reshape(-1, SIZE[1], SIZE[0], 3).astype(int)


def test_video_info_lists_the_writers_keyframes(tmp_path):
    info = video_info(solid_clip(tmp_path / "clip.mp4", RED, 20, keyframes=[3, 17]))
    assert info.frames == 20 and info.keyframes == (0, 3, 17)
    assert video_info(solid_clip(tmp_path / "plain.mp4", RED, 20)).keyframes == (0,)


# 12 fps: frame times on whole microseconds; 15 fps: between them; 25 fps: 5-frame crossfades
@pytest.mark.parametrize("fps", [12, 15, 25])
def test_partly_copied_clips_are_frame_exact(tmp_path, monkeypatch, fps):
    """Every frame of a video whose clips are copied from the keyframes the writer put at their
    transitions comes from the right clip and frame, and matches the video re-encoded whole."""
    import tools.assembly.assemble as assembly

    spans = [(0.0, 1.4, "cut"), (1.4, 2.8, "crossfade"), (2.8, 4.2, "flash"),
             (4.2, 4.8, "crossfade"), (4.8, 6.2, "cut"), (6.2, 7.2, "crossfade")]  # fmt: skip
    scenes = [scene(k, *span) for k, span in enumerate(spans)]
    clips = []
    for k, shot in enumerate(scenes):
        frames = round(shot["end"] * fps) - round(shot["start"] * fps)
        keyframes = transition_keyframes(shot, scenes, fps=fps)
        clips.append((shot, indexed_clip(tmp_path / f"c{k}.mp4", k, frames, fps, keyframes)))
    audio = song(tmp_path / "song.wav", 7.2)
    copied = []
    real = assembly._copied_spans
    monkeypatch.setattr(
        assembly, "_copied_spans", lambda *a, **k: copied.append(real(*a, **k)) or copied[-1]
    )
    out = tmp_path / "partial.mp4"
    assemble(clips, audio_path=audio, out_path=str(out), fps=fps, size=SIZE, duration=7.2)
    bounds = frame_bounds([c for c, _ in clips], fps=fps, duration=7.2)
    counts = [b - a for a, b in zip(bounds, bounds[1:], strict=False)]
    half, flash = round(0.2 * fps), round(0.25 * fps)  # CROSSFADE_SECONDS / 2, FLASH_SECONDS
    heads = {"cut": 0, "crossfade": half, "flash": flash}
    tails = [half if k + 1 < len(spans) and spans[k + 1][2] == "crossfade" else 0
             for k in range(len(spans))]  # fmt: skip
    # every clip is copied but for the frames its transitions blend
    assert copied == [{k: (heads[t], counts[k] - tails[k]) for k, (_, _, t) in enumerate(spans)}]
    monkeypatch.setattr(assembly, "_copied_spans", lambda *a, **k: {})
    whole = tmp_path / "whole.mp4"
    assemble(clips, audio_path=audio, out_path=str(whole), fps=fps, size=SIZE, duration=7.2)

    partial, reference = all_frames(out), all_frames(whole)
    assert len(partial) == len(reference) == bounds[-1] == video_info(str(out)).frames
    assert np.abs(partial - reference).mean(axis=(1, 2, 3)).max() < 2
    for k, ((_, _, transition), count) in enumerate(zip(spans, counts, strict=True)):
        for j in range(heads[transition], count - tails[k]):  # frames no transition changes
            red, green, _ = partial[bounds[k] + j].reshape(-1, 3).mean(axis=0)
            assert (round((red - 40) / 40), round((green - 10) / 7)) == (k, j)
    assert "Audio: aac" in streams(out)


def test_clips_without_the_keyframes_are_re_encoded_whole(tmp_path, monkeypatch):
    import tools.assembly.assemble as assembly

    paths = []
    for k, color in enumerate(["red", "blue", "green"]):  # libx264's default: one keyframe
        paths.append(str(tmp_path / f"old{k}.mp4"))
        cmd = [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", f"color={color}:s=64x36:r=12",
               "-frames:v", "24", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18",
               "-pix_fmt", "yuv420p", paths[-1]]  # fmt: skip
        subprocess.run(cmd, check=True)
    assert video_info(paths[0]).keyframes == (0,)
    spans = [(0.0, 2.0, "cut"), (2.0, 4.0, "cut"), (4.0, 6.0, "crossfade")]
    clips = [
        (scene(k, a, b, t), p) for k, ((a, b, t), p) in enumerate(zip(spans, paths, strict=True))
    ]
    copied = []
    real = assembly._copied_spans
    monkeypatch.setattr(
        assembly, "_copied_spans", lambda *a, **k: copied.append(real(*a, **k)) or copied[-1]
    )
    out = tmp_path / "video.mp4"
    assemble(clips, audio_path=song(tmp_path / "s.wav", 6.0), out_path=str(out), fps=FPS,
             size=SIZE, duration=6.0)  # fmt: skip
    assert copied == [{0: (0, 24)}]
    frames = all_frames(out)
    assert len(frames) == 6 * FPS
    assert close_to(frames[30], (0, 0, 255), 16) and close_to(frames[-1], (0, 128, 0), 16)
