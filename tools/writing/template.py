"""The offline script writer: a style bible, a character sheet and one shot per section.

`TemplateWriter` stands in for the script-writing LLM with tables and templates. The request
wins over the music: its mood, look, characters, colours, places, time, weather, activities and
props are used as asked; what it leaves open comes from the tags (pipeline 1), the story
(pipeline 2), both (hybrid), the lyrics, or the analysis alone. Every section gets a structured
`shot` in the names of `tools.shots` (see `tools.writing.directing`), and a `performance` shot where
someone sings. Deterministic: the same inputs give the same script.
"""

import re
from typing import NamedTuple

import numpy as np

from tools import shots
from tools.errors import InvalidInputError
from tools.tagging.features import rank, song_descriptors, suggested_figure
from tools.types import (
    Analysis,
    Character,
    Lyrics,
    Script,
    Section,
    SectionScript,
    Shot,
    ShotCamera,
    Story,
    StyleBible,
    Tags,
    TagSet,
)
from tools.writing.directing import (
    DYNAMIC_ENERGY,
    VIEWS,
    Backdrop,
    Beat,
    describe,
    framing,
    lighting,
    mood_clause,
    performance_shot,
    returns,
    section_backdrops,
    shot_props,
    story_subjects,
    sung,
)
from tools.writing.place_words import CONTENT_SCENERY, Evoked, home_places
from tools.writing.request import COLORS, Intent, mood_of, parse_request, style_look
from tools.writing.storytelling import (
    Cast,
    Member,
    arc_phrase,
    cast_members,
    cast_phrase,
    dramatic_roles,
    logline,
    stable_index,
    title,
    with_article,
)
from tools.writing.styles import (
    ACCENT_CHOICES,
    CALM_MOODS,
    CALM_MOVES,
    CAMERA_LANGUAGE,
    CONTRAST,
    DEFAULT_GARMENTS,
    DISTINCT,
    DYNAMIC_MOODS,
    DYNAMIC_MOVES,
    FIGURE_LOOKS,
    HAIR_TONES,
    LOOK_MEDIA,
    MAX_CHARACTERS,
    MOOD_LIGHTING,
    MOOD_LOOKS,
    MOOD_PALETTES,
    ORDINALS,
    OUTFIT_CHOICES,
    ROBOT_CREST,
    ROBOT_PLATING,
    SKIN_TONES,
    SMALL_WORDS,
    STYLE_LIGHTING,
    STYLE_MEDIA,
    STYLE_PALETTES,
    Palette,
    Swatch,
)

# ------------------------------------------------------------------------- the writer


class TemplateWriter:
    """Script from tables and templates: no model, deterministic."""

    name = "template"

    def write(
        self,
        *,
        analysis: Analysis,
        tags: Tags | None,
        story: Story | None,
        request: str,
        lyrics: Lyrics | None = None,
    ) -> Script:
        """Style bible, characters and one SectionScript (with its shot) per analysis section.

        Lyrics steer what the tables can read in them: the places, props, actions and weather
        they name (where the request names none) and their mood (where the request, tags and
        story give none).
        """
        sections = analysis["sections"]
        if not sections:
            raise InvalidInputError("the song has no sections to write scenes for")
        for name, per_section in (("story", story), ("tags", tags)):
            if per_section and len(per_section["sections"]) != len(sections):
                raise InvalidInputError(
                    f"the {name} has {len(per_section['sections'])} sections, "
                    f"the song has {len(sections)}"
                )
        intent = parse_request(request)
        song = song_descriptors(analysis)
        lines = sung_per_section(lyrics, sections) if lyrics else None
        mood = script_mood(intent, tags=tags, story=story, song=song, sung=lines)
        bible = style_bible(intent, mood=mood)
        members = [] if intent["nobody"] else script_cast(intent, story=story, song=song)
        figure = members[0].figure if members else "person"
        seed = stable_index(request, round(analysis["duration"], 1), round(analysis["tempo"]))
        characters = character_sheet(members, palette=bible["palette"], seed=seed)
        roles = dramatic_roles(sections)
        heard, evoked = heard_places(roles, tags=tags, song=song, figure=figure)
        lyric = [LYRIC_FIGURES.sub(" ", text) for text in lines] if lines else [""] * len(roles)
        scenes = story["sections"] if story else [""] * len(roles)
        backdrops = section_backdrops(
            sections,
            asked=intent["places"],
            named=[
                _first("place", a) or _first("place", b) for a, b in zip(lyric, scenes, strict=True)
            ],
            heard=heard,
            evoked=evoked,
            figure=figure,
            time=intent["time_of_day"],
            weather=intent["weather"],
            sung_weather=[_first("weather", text) for text in lyric],
            look=bible["look"],
            mood=mood,
            props=intent["props"],
        )
        place = backdrops[0].place
        head = story["title"] if story else title(mood=mood, place=place, variant=seed)
        scripts = section_scripts(
            sections,
            backdrops=backdrops,
            roles=roles,
            intent=intent,
            tags=tags,
            told=[f"{a} {b}".strip() for a, b in zip(lyric, scenes, strict=True)],
            story=story,
            singing=sung(analysis, lines),
            mood=mood,
            members=members,
            characters=characters,
            bible=bible,
        )
        scripts[0]["caption"] = head
        if story and members:
            synopsis = story["text"]
        else:
            arc = arc_phrase([s["energy"] for s in sections])
            cast = cast_phrase(members) if members else None
            synopsis = logline(cast=cast, place=place, mood=mood, arc=arc)
        return {
            "writer": self.name,
            "title": head,
            "story": synopsis,
            "bible": bible,
            "characters": characters,
            "sections": scripts,
        }


# ------------------------------------------------------------------------- what the request leaves


def sung_per_section(lyrics: Lyrics, sections: list[Section]) -> list[str]:
    """The lines sung in each section, " / " between them (by the section each line starts in)."""
    return [
        " / ".join(line["text"] for line in lyrics if s["start"] <= line["start"] < s["end"])
        for s in sections
    ]


def script_mood(
    intent: Intent,
    *,
    tags: Tags | None,
    story: Story | None,
    song: dict[str, float],
    sung: list[str] | None = None,
) -> str:
    """The request's mood, else the tags' top emotion, else the story's, else the lyrics',
    else the music's."""
    if intent["mood"]:
        return intent["mood"]
    if tags and tags["song"]["emotion"]:
        mood = mood_of(tags["song"]["emotion"][0]["label"])
        if mood:
            return mood
    if story:
        mood = parse_request(f"{story['logline']} {story['text']}")["mood"]
        if mood:
            return mood
    if sung:
        mood = parse_request(" ".join(sung))["mood"]
        if mood:
            return mood
    return mood_of(rank("emotion", song, top_k=1)[0]["label"]) or "calm"


def script_cast(intent: Intent, *, story: Story | None, song: dict[str, float]) -> list[Member]:
    """The request's characters, else those the story's logline names, else the music's pick."""
    if not intent["characters"] and story:
        named = parse_request(story["logline"])
        if named["characters"]:
            intent = named
    return cast_members(intent, default_figure=suggested_figure(song))


def heard_places(
    roles: list[str], *, tags: Tags | None, song: dict[str, float], figure: str
) -> tuple[list[str], list[Evoked]]:
    """The place the music gives each section, and the (up to two) places it evokes.

    With tags, each section takes whichever of the song's two strongest places its own content
    labels evoke most; else (or when that picks one place only) the music's first place holds
    the setup, tension and resolution and its second one the release and the turn (the chorus
    goes somewhere bigger).
    """
    labels = tags["song"]["content"] if tags else rank("content", song)
    evoked = home_places([label["label"] for label in labels], figure, limit=2)
    if tags:
        picks = [_best_candidate(evoked, section) for section in tags["sections"]]
        if len(set(picks)) == len(evoked):
            return picks, evoked
    home, away = evoked[0].place, evoked[-1].place
    return [away if role in ("release", "turn") else home for role in roles], evoked


# Words that name a place in a request but are figures of speech in lyrics ("come home", "give
# me space", "drive me crazy"): they do not pick a setting from the lyrics.
LYRIC_FIGURES = re.compile(r"\b(home|window|windows|space|drive|driving|party)\b", re.IGNORECASE)


def _first(kind: str, text: str) -> str | None:
    return next(iter(shots.find(kind, text)), None)


def _best_candidate(candidates: list[Evoked], section: TagSet) -> str:
    """The candidate place that this section's content labels evoke most (ties: the first)."""
    scores = {evoked.place: 0.0 for evoked in candidates}
    for label in section["content"]:
        evoked = CONTENT_SCENERY.get(label["label"])
        if evoked and evoked.place in scores:
            scores[evoked.place] += label["score"]
    return max(scores, key=lambda place: scores[place])


# ------------------------------------------------------------------------- style bible


def style_bible(intent: Intent, *, mood: str) -> StyleBible:
    """One look for the whole video: the request's look, style and colours beat the mood's.

    The look is the request's, else the one its first style is drawn in, else the one the mood
    suggests (MOOD_LOOKS); `medium` names it.
    """
    styles = intent["styles"]
    look = (
        intent["look"]
        or next((found for s in styles if (found := style_look(s))), None)
        or MOOD_LOOKS[mood]
    )
    palette = _with_free_colors(
        next((STYLE_PALETTES[s] for s in styles if s in STYLE_PALETTES), MOOD_PALETTES[mood]),
        intent["palette_colors"],
    )
    lead = styles[0] if styles and names(STYLE_MEDIA[styles[0]], look) else None
    medium = STYLE_MEDIA[lead] if lead else LOOK_MEDIA[look]
    extra = [s for s in styles if s != lead and not names(medium, s)]
    if extra:
        medium += ", with touches of " + " and ".join(extra)
    lighting = next((STYLE_LIGHTING[s] for s in styles if s in STYLE_LIGHTING), MOOD_LIGHTING[mood])
    camera = CAMERA_LANGUAGE[_pace(mood)]
    deep, dark, mid, accent, highlight = (swatch.name for swatch in palette)
    text = (
        f"{medium[0].upper()}{medium[1:]}. Palette: {deep}, {dark} and {mid}, with {accent} "
        f"accents and {highlight} highlights. Lighting: {lighting}. Camera: {camera}. "
        f"Mood: {mood}. The same characters, palette and look in every shot."
    )
    return {
        "look": look,
        "medium": medium,
        "palette": [swatch.hex for swatch in palette],
        "lighting": lighting,
        "camera": camera,
        "mood": mood,
        "text": text,
    }


def names(text: str, words: str) -> bool:
    """Whether `text` says `words` (whole words)."""
    return re.search(rf"\b{re.escape(words)}\b", text) is not None


def _with_free_colors(palette: Palette, words: list[str]) -> Palette:
    """The request's own colours take the accent, then the mid slot."""
    swatches = list(palette)
    taken = {swatch.hex for swatch in swatches}
    for slot, word in zip((3, 2), words, strict=False):
        if COLORS[word] not in taken:
            swatches[slot] = Swatch(COLORS[word], word)
            taken.add(COLORS[word])
    deep, dark, mid, accent, highlight = swatches
    return (deep, dark, mid, accent, highlight)


def _pace(mood: str) -> str:
    if mood in CALM_MOODS:
        return "calm"
    return "dynamic" if mood in DYNAMIC_MOODS else "moderate"


# ------------------------------------------------------------------------- character sheet


def character_sheet(members: list[Member], *, palette: list[str], seed: int) -> list[Character]:
    """One Character per person on screen (a group of two dancers is two characters).

    Outfit and accent are the first colours of the figure's list that stand out from the
    palette and from the other characters; the user's colours are used as given.
    """
    characters: list[Character] = []
    taken: list[str] = []  # outfits already worn
    for member in members:
        for k in range(member.count):
            if len(characters) == MAX_CHARACTERS:
                return characters
            index = len(characters)
            colors, words = _colors(member, palette=palette, taken=taken, index=seed + index)
            taken.append(colors["outfit"])
            characters.append(
                {
                    "id": f"c{index + 1}",
                    "name": _name(member, k),
                    "figure": member.figure,
                    "description": _description(member, words),
                    "colors": colors,
                }
            )
    return characters


def _colors(
    member: Member, *, palette: list[str], taken: list[str], index: int
) -> tuple[dict[str, str], dict[str, str]]:
    """Hex colours and their names for skin, hair, outfit and accent."""
    asked = {slot: Swatch(COLORS[word], word) for slot, word in member.colors.items()}
    if member.figure == "robot":
        skin, hair = ROBOT_PLATING[index % len(ROBOT_PLATING)], ROBOT_CREST
    else:
        skin, hair = SKIN_TONES[index % len(SKIN_TONES)], HAIR_TONES[index % len(HAIR_TONES)]
    hair = asked.get("hair", hair)
    outfit = asked.get("outfit") or _standout(
        OUTFIT_CHOICES[member.figure], avoid=palette, apart=taken
    )
    accent = asked.get("accent") or _standout(
        ACCENT_CHOICES, avoid=[*palette, outfit.hex], apart=[]
    )
    swatches = {"skin": skin, "hair": hair, "outfit": outfit, "accent": accent}
    return (
        {slot: s.hex for slot, s in swatches.items()},
        {slot: s.name for slot, s in swatches.items()},
    )


def _standout(choices: tuple[str, ...], *, avoid: list[str], apart: list[str]) -> Swatch:
    """The first colour that differs by CONTRAST from `avoid` and DISTINCT from `apart`; when
    none does, the one farthest from `avoid`."""
    candidates = [*choices, *(c for c in ACCENT_CHOICES if c not in choices)]
    for word in candidates:
        hex_ = COLORS[word]
        if min_distance(hex_, avoid) >= CONTRAST and min_distance(hex_, apart) >= DISTINCT:
            return Swatch(hex_, word)
    best = max(candidates, key=lambda word: min_distance(COLORS[word], avoid))
    return Swatch(COLORS[best], best)


def _name(member: Member, k: int) -> str:
    """ "The Lone Astronaut", "The Girl in a Red Coat"; groups: "The First Dancer", …"""
    noun = member.noun.split(" in ")[0] if member.count > 1 else member.noun
    words = [w if w in SMALL_WORDS else w.capitalize() for w in noun.split()]
    if member.count > 1:
        words = [ORDINALS[k], *words[-1:]]
    return "The " + " ".join(words)


def _description(member: Member, words: dict[str, str]) -> str:
    """The fixed appearance, verbatim in every prompt that shows the character."""
    noun = member.noun.split(" in ")[0]
    garment = member.garment or DEFAULT_GARMENTS[member.figure]
    look = FIGURE_LOOKS[member.figure].format(
        skin=words["skin"],
        hair=words["hair"],
        outfit=with_article(f"{words['outfit']} {garment}"),
        accent=words["accent"],
        an_accent=with_article(words["accent"]),
    )
    return f"{with_article(noun)} {look}"


# ------------------------------------------------------------------------- colour distance


def min_distance(hex_: str, others: list[str]) -> float:
    """The smallest CIE76 (Lab) distance from `hex_` to any of `others` (inf for none)."""
    return min((lab_distance(hex_, other) for other in others), default=float("inf"))


def lab_distance(a: str, b: str) -> float:
    """CIE76 colour difference of two #rrggbb colours: about 2 is just noticeable, 30 is clear."""
    return float(np.linalg.norm(_lab(a) - _lab(b)))


def _lab(hex_: str) -> np.ndarray:
    rgb = np.array([int(hex_[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = (
        np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
        @ linear
    )
    xyz /= np.array([0.95047, 1.0, 1.08883])  # D65 white
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


# ------------------------------------------------------------------------- sections


def section_scripts(
    sections: list[Section],
    *,
    backdrops: list[Backdrop],
    roles: list[str],
    intent: Intent,
    tags: Tags | None,
    told: list[str],
    story: Story | None,
    singing: list[bool],
    mood: str,
    members: list[Member],
    characters: list[Character],
    bible: StyleBible,
) -> list[SectionScript]:
    """The shot of every section (and its performance shot where someone sings), with the
    setting, action and camera text forms of the story shot.

    `told` is what the lyrics and story say in each section: the actions they name (when they
    suit the mood) and the props (wherever those make sense) reach the shot. Every story shot
    shows the whole cast (no one, when the request rules people out: the story's scenes, which
    tell of a cast, then give way to the mood's images).
    """
    cast = cast_phrase(members) if members else None
    ids = [c["id"] for c in characters]
    names = {c["id"]: _lower_article(c["name"]) for c in characters}
    back = returns(sections)
    scripts: list[SectionScript] = []
    for i, (section, role, backdrop) in enumerate(zip(sections, roles, backdrops, strict=True)):
        section_tags = tags["sections"][i] if tags else None
        tone = intent["mood"] or _section_mood(section_tags) or mood
        same = [k for k in range(i) if (back[k] if back[k] is not None else k) == back[i]]
        variant = len(same) if back[i] is not None else roles[:i].count(role)
        lively = role == "release" or section["energy"] >= DYNAMIC_ENERGY
        beat = Beat(tone, role, lively, variant, asked=intent["mood"] is not None, index=i)
        scene = story["sections"][i].strip() if story and members else ""
        told_place = _first("place", scene)
        # the story's scene is told where it happens here; elsewhere the mood speaks
        clause = (
            scene if scene and told_place in (None, backdrop.place) else mood_clause(tone, role)
        )
        wanted = [*intent["props"], *shots.find("prop", f"{told[i]} {clause}")]
        asked_move = _asked_move(intent, i)
        performance = (
            performance_shot(
                characters,
                backdrop=backdrop,
                asked_places=intent["places"],
                asked_actions=intent["actions"],
                beat=beat,
                move=asked_move or ("handheld" if beat.lively else "slow push-in"),
                bible_lighting=bible["lighting"],
                names=names,
            )
            if singing[i] and characters
            else None
        )
        performed = {s["action"] for s in performance["subjects"]} if performance else set()
        arriving = i == 0 or backdrops[i - 1].place != backdrop.place
        feel = _feel(section_tags) if section_tags else ""
        move = asked_move or _camera_move(sections, i, role, scripts)

        takes = _StoryShot(
            backdrop=backdrop,
            beat=beat,
            ids=ids,
            # what the performance shot shows (singing, playing), the story need not repeat
            asked=[a for a in intent["actions"] if a not in performed],
            told=shots.find("action", told[i]),
            wanted=wanted,
            cast=cast,
            names=names,
            arriving=arriving,
            camera={"framing": framing(role, arriving=arriving), "move": move},
            lighting=lighting(backdrop.time, bible["lighting"]),
            words=(clause, feel),
        )
        shot = takes.shot(0)
        script: SectionScript = {
            "setting": shots.setting_text(shot["setting"]),
            "action": shot["description"],
            "camera": move,
            "characters": list(ids),
            "shot": shot,
            "variants": [takes.shot(turn) for turn in range(1, VIEWS)],
        }
        if performance:
            script["performance"] = performance
        scripts.append(script)
    return scripts


class _StoryShot(NamedTuple):
    """What a section's story shots are made of."""

    backdrop: Backdrop
    beat: Beat
    ids: list[str]
    asked: list[str]  # actions the request asks for
    told: list[str]  # actions the lyrics and story tell here
    wanted: list[str]  # props
    cast: Cast | None
    names: dict[str, str]
    arriving: bool  # the first section at this place
    camera: ShotCamera
    lighting: str
    words: tuple[str, ...]  # what the description says after the shot's sentence

    def shot(self, turn: int) -> Shot:
        """The story shot (`turn` 0) or, for the later scenes of a long section, another view
        of the place with the cast doing the next thing the mood has them do (what the request
        asks for stays; what the story told was done in the first)."""
        backdrop = self.backdrop._replace(view=(self.backdrop.view + turn) % VIEWS)
        beat = self.beat._replace(take=turn)
        subjects = story_subjects(
            self.ids, beat=beat, asked=self.asked, told=[] if turn else self.told,
            wanted=self.wanted, place=backdrop.place,
        )  # fmt: skip
        props = shot_props(subjects, wanted=self.wanted, place=backdrop.place)
        sentence = describe(
            subjects, backdrop=backdrop, props=props, cast=self.cast, names=self.names,
            arriving=self.arriving and not turn,
        )  # fmt: skip
        return {
            "kind": "story",
            "setting": backdrop.setting(),
            "view": backdrop.view,
            "subjects": subjects,
            "props": props,
            "camera": dict(self.camera),
            "lighting": self.lighting,
            "mood": beat.mood,
            "description": " ".join(w for w in (sentence, *self.words) if w),
        }


def _lower_article(name: str) -> str:
    """ "The First Friend" -> "the first friend" (names the writer made of nouns)."""
    return name.lower() if name.startswith("The ") else name


def _section_mood(section_tags: TagSet | None) -> str | None:
    if not section_tags or not section_tags["emotion"]:
        return None
    return mood_of(section_tags["emotion"][0]["label"])


def _feel(section_tags: TagSet) -> str:
    """The section's top labels as one sentence: "The music feels tense and dark (techno)."""
    emotions = [label["label"] for label in section_tags["emotion"][:2]]
    styles = [label["label"] for label in section_tags["style"][:1]]
    if not emotions:
        return ""
    feel = " and ".join(emotions)
    return f"The music feels {feel} ({styles[0]})." if styles else f"The music feels {feel}."


def _asked_move(intent: Intent, i: int) -> str | None:
    """The camera move of section `i` when the request names moves: each in turn."""
    moves = intent["moves"]
    return moves[i % len(moves)] if moves else None


def _camera_move(sections: list[Section], i: int, role: str, before: list[SectionScript]) -> str:
    """Calm moves for quiet sections, dynamic ones for loud sections; never the same move twice
    in a row; the video opens with a push-in and, when calm, ends pulling back."""
    dynamic = sections[i]["energy"] >= DYNAMIC_ENERGY
    if not dynamic and role == "setup":
        return "slow push-in"
    if not dynamic and role == "resolution":
        return "pull back"
    moves = DYNAMIC_MOVES if dynamic else CALM_MOVES
    used = sum(1 for s in before if s["camera"] in moves)
    previous = before[-1]["camera"] if before else None
    move = moves[used % len(moves)]
    return moves[(used + 1) % len(moves)] if move == previous else move
