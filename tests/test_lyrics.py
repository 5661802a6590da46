"""Lyrics: Whisper on a tiny random-weight model built in the test, and the file readers."""

import numpy as np
import pytest
from conftest import shared_track
from tiny_models import WHISPER_WORDS, save_tiny_whisper

from tools.errors import BackendUnavailableError, InvalidInputError
from tools.lyrics.align import _at_breaths, align_lines, repeated_runs, syllables
from tools.lyrics.lines import (
    LONG_FORM,
    WhisperLyrics,
    lines_from_words,
    plain_stanzas,
    read_lyrics_file,
    vocal_parts,
)
from tools.registry import BACKENDS, load_backend
from tools.types import Analysis

SR = 22050  # the song's rate; Whisper hears 16 kHz
HZ = 10.0  # curve rate of the hand-made analyses


@pytest.fixture(scope="module")
def tiny_whisper(tmp_path_factory):
    return save_tiny_whisper(tmp_path_factory.mktemp("tiny-whisper"))


def analysis(
    duration: float, singing: list[tuple[float, float]], chroma: np.ndarray | None = None
) -> Analysis:
    """A song whose vocal curve is 0.8 inside the `singing` spans and 0.1 elsewhere (and whose
    harmony is `chroma`, rows at 4 Hz, when given)."""
    t = np.arange(int(duration * HZ)) / HZ
    vocal = np.full(t.size, 0.1)
    for start, end in singing:
        vocal[(t >= start) & (t < end)] = 0.8
    return {
        "path": "song.wav",
        "duration": duration,
        "tempo": 120.0,
        "beats": [],
        "downbeats": [],
        "sections": [{"start": 0.0, "end": duration, "label": "verse", "energy": 0.5}],
        "curve_hz": HZ,
        "energy": [0.5] * t.size,
        "onset": [0.0] * t.size,
        "vocal": [round(float(v), 3) for v in vocal],
        "features": {},
    } | ({} if chroma is None else {"chroma_hz": 4.0, "chroma": chroma.tolist()})


def song(seconds: float) -> np.ndarray:
    noise = np.random.default_rng(1).standard_normal(int(seconds * SR))
    return (0.1 * noise).astype(np.float32)


# ------------------------------------------------------------------------- Whisper


def test_whisper_hears_only_the_vocal_parts_and_returns_timed_lines(tiny_whisper, monkeypatch):
    lyrics = WhisperLyrics(str(tiny_whisper), device="cpu")
    monkeypatch.setitem(LONG_FORM, "temperature", (0.0,))  # the random model would fall back
    # 5-40 s is sung with a 2 s breath at 20 s (bridged), 40-55 s is instrumental (skipped)
    song_analysis = analysis(64.0, [(5.0, 20.0), (22.0, 40.0), (55.0, 62.0)])
    real_asr, heard = lyrics.asr, []

    def spy(clips, **options):
        heard.extend(len(clip["raw"]) / clip["sampling_rate"] for clip in clips)
        return real_asr(clips, **options)

    monkeypatch.setattr(lyrics, "asr", spy)
    lines = lyrics.transcribe(song(64.0), SR, song_analysis)

    assert heard == pytest.approx([36.0, 8.0], abs=1e-3)  # 4.5-40.5 s (long-form), 54.5-62.5 s
    assert lines, "the tiny model's vocabulary is all words: it always says something"
    for line in lines:
        assert set(line) == {"start", "end", "text"}
        assert isinstance(line["start"], float) and isinstance(line["end"], float)
        assert line["text"] == line["text"].strip() and line["text"]
        assert set(line["text"].split()) <= {word.removeprefix("Ġ") for word in WHISPER_WORDS}
        assert line["start"] <= line["end"]
        assert 4.5 <= line["start"] <= line["end"] <= 40.5 or 54.5 <= line["start"] <= 62.5
    starts = [line["start"] for line in lines]
    assert starts == sorted(starts)


def test_whisper_decodes_with_the_long_form_settings_the_same_every_time(tiny_whisper, monkeypatch):
    """Temperature fallback, the no-speech threshold, no conditioning on the previous text and
    greedy decoding reach Whisper's generate; the fallback's sampling is seeded."""
    lyrics = WhisperLyrics(str(tiny_whisper), device="cpu")
    network = lyrics.asr.model
    real_generate, asked = network.generate, []

    def spy(*args, **options):
        asked.append(options)
        return real_generate(*args, **options)

    monkeypatch.setattr(network, "generate", spy)
    monkeypatch.setitem(LONG_FORM, "temperature", (0.0, 1.0))  # one fallback, sampled
    song_analysis = analysis(12.0, [(2.0, 6.0)])
    once = lyrics.transcribe(song(12.0), SR, song_analysis)
    assert once and once == lyrics.transcribe(song(12.0), SR, song_analysis)
    for options in asked:
        assert {name: options[name] for name in LONG_FORM} == LONG_FORM
        assert options["num_beams"] == 1 and options["no_speech_threshold"] == 0.6


def test_a_part_whisper_judges_silent_is_no_lyrics(tiny_whisper, monkeypatch):
    """transformers' pipeline fails to join the word timestamps of a part whose segments were
    all skipped as no speech; that is no words, not an error."""
    lyrics = WhisperLyrics(str(tiny_whisper), device="cpu")
    network = lyrics.asr.model
    real_generate = network.generate

    def silent(*args, **options):
        result = real_generate(*args, **options)
        return {**result, "segments": [[] for _ in result["segments"]]}

    monkeypatch.setattr(network, "generate", silent)
    monkeypatch.setitem(LONG_FORM, "temperature", (0.0,))
    assert lyrics.transcribe(song(12.0), SR, analysis(12.0, [(2.0, 9.0)])) == []


def test_no_singing_means_no_lyrics_and_no_recognition(tiny_whisper, monkeypatch):
    lyrics = WhisperLyrics(str(tiny_whisper), device="cpu")
    monkeypatch.setattr(lyrics, "asr", lambda *args, **kwargs: pytest.fail("ASR ran"))
    assert lyrics.transcribe(song(10.0), SR, analysis(10.0, [])) == []


def test_the_registry_loads_a_whisper_folder(tiny_whisper, monkeypatch):
    monkeypatch.setitem(BACKENDS, "lyrics", {"whisper": "tools.lyrics.lines:WhisperLyrics"})
    lyrics = load_backend("lyrics", f"whisper:{tiny_whisper}", device="cpu")
    assert isinstance(lyrics, WhisperLyrics) and lyrics.sr == 16000


def test_a_whisper_model_that_is_not_there_is_one_clear_error():
    with pytest.raises(BackendUnavailableError, match="openai/whisper-small.*not available"):
        WhisperLyrics(device="cpu")


def test_words_become_lines_at_pauses_sentence_ends_and_length():
    def word(start, text):
        return {"start": start, "end": start + 0.3, "text": text}

    words = [word(1.0, "I"), word(1.4, "walk"), word(2.5, "alone."), word(2.9, "Down")]
    words += [word(3.3 + 0.4 * k, f"w{k}") for k in range(13)]
    lines = lines_from_words(words, pause=0.6, max_words=12)
    assert [line["text"] for line in lines] == [
        "I walk",  # a 0.8 s pause follows
        "alone.",  # a sentence ends
        "Down w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10",  # twelve words
        "w11 w12",
    ]
    assert lines[0] == {"start": 1.0, "end": 1.7, "text": "I walk"}


def test_vocal_parts_bridge_short_breaks_and_stay_in_the_song():
    song_analysis = analysis(30.0, [(0.0, 5.0), (8.0, 12.0), (20.0, 30.0)])
    assert vocal_parts(song_analysis) == [(0.0, 12.0), (20.0, 30.0)]
    assert vocal_parts(song_analysis, pad=1.0, min_break=2.0) == [
        (0.0, 6.0),
        (7.0, 13.0),
        (19.0, 30.0),
    ]
    assert vocal_parts(analysis(30.0, [])) == []


# ------------------------------------------------------------------------- lyrics files

LRC = """\
[ti:Night Swim]
[ar:Nobody]
[offset:+500]

[00:05.50]Out on the water
[00:09.00]<00:09.00>Stars <00:09.60>below <00:10.10>me
[00:12.00]
[00:30.00][01:10.25]Hold on, hold on
[02:30.00]After the song ends
"""


def test_lrc_timestamps_are_used_as_given(tmp_path):
    path = tmp_path / "song.lrc"
    path.write_text(LRC, encoding="utf-8")
    lines = read_lyrics_file(path, analysis=analysis(90.0, [(5.0, 40.0)]))
    assert lines == [
        {"start": 5.0, "end": 8.5, "text": "Out on the water"},
        {"start": 8.5, "end": 11.5, "text": "Stars below me"},  # an empty line ends it
        {"start": 29.5, "end": 39.5, "text": "Hold on, hold on"},  # at most 10 s on
        {"start": 69.75, "end": 79.75, "text": "Hold on, hold on"},
    ]  # the offset shows everything 0.5 s earlier; a line after the song is dropped


def test_plain_lyrics_land_on_the_sung_phrases_stanza_by_stanza(tmp_path):
    path = tmp_path / "song.txt"
    path.write_text(
        "[Verse]\nout on the water\nthe lights are low and slow\n\n"
        "carry me home\n[Chorus]\ncarry me home over the hills\n",
        encoding="utf-8",
    )
    # two phrases with a breath, a long instrumental break, then a short and a long phrase
    phrases = [(5.0, 8.0), (8.6, 13.4), (30.0, 32.5), (33.2, 38.6)]
    lines = read_lyrics_file(path, analysis=analysis(50.0, phrases))
    assert [line["text"] for line in lines] == [
        "out on the water",
        "the lights are low and slow",
        "carry me home",
        "carry me home over the hills",
    ]
    for line, (start, end) in zip(lines, phrases, strict=True):
        assert line["start"] == pytest.approx(start, abs=0.5)
        assert line["end"] == pytest.approx(end, abs=0.8)
        # plain numbers: the run's checkpoint refused numpy's when the lines were medians
        assert type(line["start"]) is float and type(line["end"]) is float


def test_a_line_may_span_phrases_and_a_phrase_may_hold_lines(tmp_path):
    """More phrases than lines, and more lines than phrases: the syllables decide."""
    path = tmp_path / "song.txt"
    path.write_text("la la la la la la la la\n\nno no\nno no no no no no\n", encoding="utf-8")
    lines = read_lyrics_file(path, analysis=analysis(40.0, [(4.0, 7.0), (7.5, 10.0), (20.0, 28.0)]))
    assert lines[0]["start"] == pytest.approx(4.0, abs=0.5)
    assert lines[0]["end"] == pytest.approx(10.0, abs=0.8)  # across the breath at 7 s
    assert lines[1]["start"] == pytest.approx(20.0, abs=0.5)
    assert lines[2]["start"] == pytest.approx(22.0, abs=1.0)  # 2 of the 8 syllables in
    assert lines[2]["end"] == pytest.approx(28.0, abs=0.8)


def test_lines_sung_back_to_back_split_where_the_singer_breathes():
    """fantasma's first two lines (6 and 8 syllables) sung without a pause from 5 to 13 s, the
    first held long: by syllables the second would start at 8.4 s, but the singer breathes at
    9.5 s (the curve dips 0.3 below the singing there; 0.15 at 8 s, between two words, is no
    breath)."""
    stanzas = [["soy un fantasma que", "se asusta de si mismo"]]
    song = analysis(20.0, [(5.0, 13.0)])
    plain = [line["start"] for line in align_lines(stanzas, song)]
    assert plain[1] == pytest.approx(5.0 + 8.0 * 6 / 14, abs=0.3)
    vocal = np.array(song["vocal"])
    vocal[vocal > 0.5] = 1.0
    vocal[[80, 94, 95, 96]] = [0.85, 0.85, 0.7, 0.85]
    lines = align_lines(stanzas, song | {"vocal": vocal.tolist()})
    assert lines[0]["start"] == pytest.approx(5.0, abs=0.2)
    assert lines[1]["start"] == pytest.approx(9.5, abs=0.15)
    assert lines[0]["end"] == lines[1]["start"]


def test_a_split_near_a_breath_moves_to_it_not_to_a_deeper_one_further_off():
    depths = np.zeros(101)
    depths[[48, 62, 75]] = [0.6, 0.3, 0.2]  # a deep dip 1.2 s before, a breath 0.2 s after
    starts, ends = np.array([0.0, 60.0]), np.array([60.0, 100.0])
    joined = np.array([False, True])
    moved, _ = _at_breaths(starts, ends, depths, joined, hz=10.0)
    assert moved[1] == 62
    depths[62] = 0.0  # no breath near: the deepest within reach
    moved, ends_moved = _at_breaths(starts, ends, depths, joined, hz=10.0)
    assert moved[1] == ends_moved[0] == 48
    after_a_pause, _ = _at_breaths(np.array([0.0, 64.0]), ends, depths, joined, hz=10.0)
    assert after_a_pause[1] == 64  # lines apart by a pause keep their split


CHORUS = ["carry me home to the sea", "over the hills and away"]


def test_a_repeated_chorus_is_sung_where_the_song_repeats_itself():
    """The vocal curve cannot tell where the second chorus is (a held "ah" could last through
    the second verse, and the band plays on with a voice-like lead after it); the harmony can:
    the song sounds at 40 s as at 15 s and 62 s, where the other two choruses are sung."""
    stanzas = [
        ["out on the water tonight", "the lights are low and slow"],
        [*CHORUS, "ah ah ah ah"],
        ["morning is breaking the town", "everyone waking up now"],
        CHORUS,
        CHORUS,
    ]
    singing = [(5.0, 28.0), (30.0, 60.0), (62.0, 66.0), (66.5, 70.0)]
    chroma = np.random.default_rng(0).random((4 * 80, 12))
    chroma[4 * 40 : 4 * 48] = chroma[4 * 62 : 4 * 70] = chroma[4 * 15 : 4 * 23]
    starts = [line["start"] for line in align_lines(stanzas, analysis(80.0, singing, chroma))]
    truth = [5.0, 9.5, 15.0, 19.5, 23.5, 30.0, 34.5, 40.0, 44.5, 62.0, 66.5]
    assert starts == pytest.approx(truth, abs=0.6)
    without = [line["start"] for line in align_lines(stanzas, analysis(80.0, singing))]
    assert abs(without[7] - 40.0) > 5.0  # the curve alone lets the "ah" hold on


def test_the_analysis_keeps_the_song_s_harmony_four_times_a_second():
    """What the repeat cue compares: 12 pitch-class levels per quarter second (A for an A)."""
    from tools.audio.analysis import analyze_audio

    t = np.arange(int(6.0 * SR)) / SR
    result = analyze_audio((0.3 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32), SR)
    chroma = np.array(result["chroma"])
    assert result["chroma_hz"] == 4.0 and chroma.shape == (24, 12)
    assert (chroma[2:-2].argmax(axis=1) == 9).all()  # C=0 … A=9


def test_repeated_passages_are_found_whatever_their_case_and_punctuation():
    texts = ["a b", "Chorus one", "chorus two!", "verse", "chorus ONE", "Chorus, two", "x", "a b"]
    runs = repeated_runs(texts)
    assert runs[1] == [(4, 2)] and runs[4] == [(1, 2)]  # the two-line chorus, both ways
    assert runs[2] == runs[5] == []  # inside the chorus: its first line opens it
    assert runs[0] == [(7, 1)] and runs[7] == [(0, 1)]
    assert runs[3] == runs[6] == []


@pytest.mark.slow
@pytest.mark.parametrize("cut", [(0.0, 0.0), (0.0, 5.0), (2.0, 8.0), (10.0, 10.0), (-5.0, 0.0)])
def test_fantasma_s_plain_lyrics_land_on_its_sung_lines(cut):
    """The shared song with hand-made line timings (a singer over a band, three choruses):
    at least 60 % of the lines start within 1 s and the shown time overlaps the sung time at
    least 70 % on average (issue 12); also with seconds `cut` off its start and end (negative:
    silence added): with one threshold of singing, losing its last 5 s of near silence moved
    every line from the second on one phrase early (1 of 17 on time), and 5 s of silence
    before it stretched the voice curve's scale (3 of 17)."""
    from tools.audio.loading import load_audio

    y, sr = load_audio(shared_track("fantasma_los_rombos.mp3"))
    head, tail = cut
    y = y[int(max(head, 0.0) * sr) : len(y) - int(tail * sr)]
    y = np.concatenate([np.zeros(int(max(-head, 0.0) * sr), y.dtype), y])
    figures = _fantasma_figures(y, sr, head=head)
    assert figures["within_1s"] >= 0.6
    assert figures["mean_overlap"] >= 0.7


@pytest.mark.slow
@pytest.mark.parametrize("warp", [("tempo", 0.95), ("tempo", 1.05), ("key", -2.0), ("key", 2.0)])
def test_fantasma_s_lyrics_land_at_another_tempo_and_in_another_key(warp):
    """The same 5 % slower or faster, or two semitones lower or higher: 5 % slower and two
    semitones lower put 1 of 17 lines on time when the median of all ten alignments was taken
    (most of them sang every line one phrase early); now the alignments that put the three
    choruses where the song repeats itself (strongly: STRONG_REPEATS) are the ones kept."""
    import librosa

    from tools.audio.loading import load_audio

    y, sr = load_audio(shared_track("fantasma_los_rombos.mp3"))
    kind, amount = warp
    if kind == "tempo":
        figures = _fantasma_figures(librosa.effects.time_stretch(y, rate=amount), sr, scale=amount)
    else:
        figures = _fantasma_figures(librosa.effects.pitch_shift(y, sr=sr, n_steps=amount), sr)
    assert figures["within_1s"] >= 0.6
    assert figures["mean_overlap"] >= 0.7


def _fantasma_figures(y: np.ndarray, sr: int, *, head: float = 0.0, scale: float = 1.0) -> dict:
    """fantasma's plain lyrics aligned over `y`, shown times t put back on the song's clock as
    t * scale + head, against its hand-made line timings (evals.lyrics.line_figures)."""
    from evals.lyrics import line_figures
    from tools.audio.analysis import analyze_audio

    notes = shared_track("fantasma_los_rombos.mp3").parent.parent / "annotations"
    truth = np.loadtxt(
        notes / "fantasma_los_rombos.lines.csv", delimiter=",", skiprows=1, usecols=(0, 1)
    )
    shown = read_lyrics_file(
        notes / "fantasma_los_rombos.lyrics.txt", analysis=analyze_audio(y.astype(np.float32), sr)
    )
    shown = [
        line | {"start": line["start"] * scale + head, "end": line["end"] * scale + head}
        for line in shown
    ]
    return line_figures(shown, [(float(a), float(b)) for a, b in truth])


def test_plain_stanzas_split_at_blank_lines_and_section_marks():
    text = "[Intro]\n\n a  b \nc\n\n\nd\n[Chorus]\ne\n"
    assert plain_stanzas(text) == [["a b", "c"], ["d"], ["e"]]


def test_syllables_are_counted_from_vowel_groups():
    assert syllables("se alimenta de la belleza") == 10  # se a-li-men-ta de la be-lle-za
    assert syllables("ooh ooh") == 2
    assert syllables("ありがとう ございます") >= 3  # no Latin vowels: by letters


def test_plain_lyrics_without_detected_singing_still_cover_the_song_in_order(tmp_path):
    path = tmp_path / "song.txt"
    path.write_text("one\ntwo\nthree\n", encoding="utf-8")
    lines = read_lyrics_file(path, analysis=analysis(20.0, []))
    assert [line["text"] for line in lines] == ["one", "two", "three"]
    bounds = [t for line in lines for t in (line["start"], line["end"])]
    assert bounds == sorted(bounds) and bounds[0] >= 0.0 and bounds[-1] <= 20.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such lyrics file"),
        ("", "is empty"),
        (" \n\n  ", "is empty"),
        (b"\xff\xfe\x00\x81binary", "not a UTF-8 text file"),
        ("[Chorus]\n[Verse]\n", "no lyric lines"),
        ("[03:00.00]too late\n", "no lyric lines"),
    ],
)
def test_unusable_lyrics_files_are_one_clear_error(tmp_path, content, message):
    path = tmp_path / "lyrics.txt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=message):
        read_lyrics_file(path, analysis=analysis(60.0, [(0.0, 60.0)]))


def test_a_folder_is_not_a_lyrics_file(tmp_path):
    with pytest.raises(InvalidInputError, match="is a folder"):
        read_lyrics_file(tmp_path, analysis=analysis(60.0, []))
