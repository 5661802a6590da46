"""What the user asked for, read from free text with keyword tables (no NLP dependency).

`parse_request("an energetic neon video with two dancers in red")` finds the mood, the visual
style, the characters (figure, count, colours), explicit colours, settings and the time of day,
and lists the words it did not understand so the UI can say so. The tables are plain dicts so
that the real backends (CLAP, audio-language models, LLM writers) reuse the same vocabulary.
"""

import re
from typing import NamedTuple, TypedDict


class CharacterRequest(TypedDict):
    figure: str  # person | singer | dancer | astronaut | robot
    name: str  # the user's noun phrase, e.g. "lone astronaut", "girl in a red coat"
    count: int  # "two dancers" -> 2
    colors: dict[str, str]  # slot (outfit, accent, hair) -> colour word
    garment: str | None  # "coat" in "a girl in a red coat"


class Intent(TypedDict):
    text: str
    mood: str | None  # the first mood mentioned, one of MOODS
    moods: list[str]  # every mood mentioned, in order
    styles: list[str]  # visual styles, keys of STYLES
    characters: list[CharacterRequest]
    colors: dict[str, str]  # every colour word mentioned -> hex
    palette_colors: list[str]  # colour words not tied to a character: they steer the palette
    settings: list[str]  # keys of SETTINGS
    time_of_day: str | None  # a key of TIMES
    avoided: list[str]  # what the user ruled out ("not happy" -> "happy"): ignored
    unknown: list[str]  # words that none of the tables knows


# ------------------------------------------------------------------------- keyword tables
# Synonyms are comma-separated phrases; word sets are space-separated words.


def _phrases(text: str) -> list[str]:
    return [phrase.strip() for phrase in text.split(",")]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


MOODS: dict[str, str] = {
    "melancholic": (
        "melancholic, melancholy, sad, sadness, somber, sombre, gloomy, lonely, lonesome, "
        "heartbroken, heartbreak, mournful, wistful, sorrowful, tearful, depressed, depressing, "
        "downbeat, grief, blue mood"
    ),
    "joyful": (
        "joyful, joy, happy, cheerful, upbeat, fun, sunny, uplifting, playful, carefree, feel "
        "good, feelgood, bubbly, lighthearted"
    ),
    "energetic": (
        "energetic, energy, high energy, intense, powerful, driving, pumping, hype, wild, fast, "
        "frantic, explosive, euphoric, exciting, excited, electric"
    ),
    "dark": (
        "dark, sinister, ominous, eerie, creepy, gothic, haunting, haunted, menacing, brooding, "
        "grim, horror, scary, spooky"
    ),
    "dreamy": (
        "dreamy, dreamlike, dream, ethereal, hazy, floaty, surreal, otherworldly, magical, "
        "whimsical, hypnotic"
    ),
    "romantic": "romantic, romance, love, loving, tender, sensual, intimate, passionate, sweet",
    "angry": "angry, anger, rage, furious, aggressive, fierce, defiant, rebellious, raw, heavy",
    "calm": (
        "calm, peaceful, serene, relaxed, relaxing, chill, chilled, mellow, gentle, soothing, "
        "tranquil, quiet, soft, laid back, slow"
    ),
    "nostalgic": "nostalgic, nostalgia, memories, memory, bittersweet, reminiscent, longing",
    "epic": "epic, heroic, triumphant, grand, majestic, anthemic, soaring, victorious, monumental",
    "mysterious": (
        "mysterious, mystery, enigmatic, mystical, cryptic, suspenseful, tense, anxious, uneasy"
    ),
    "hopeful": "hopeful, hope, optimistic, inspiring, inspirational, warm, healing",
}

STYLES: dict[str, str] = {
    "neon": "neon, glowing, neon lit",
    "watercolor": "watercolor, watercolour, watercolors, watercolours, ink wash",
    "noir": "noir, film noir, black and white, monochrome, b&w",
    "pastel": "pastel, pastels",
    "retro": "retro, 80s, 1980s, eighties, synthwave, outrun",
    "anime": "anime, manga, ghibli, cel shaded",
    "cinematic": "cinematic, realistic, photorealistic, live action, movie like",
    "minimal": "minimal, minimalist, minimalistic, simple, clean, flat",
    "psychedelic": "psychedelic, trippy, kaleidoscopic, kaleidoscope, acid",
    "vaporwave": "vaporwave, 90s, 1990s, nineties, y2k",
    "cyberpunk": "cyberpunk, futuristic, sci fi, scifi, blade runner",
    "pixel art": "pixel, pixel art, pixelated, 8 bit, 16 bit, 8bit, 16bit",
    "comic": "comic, comic book, cartoon, cartoonish, graphic novel",
    "oil painting": "oil painting, oil paint, painterly, impressionist",
    "vintage film": "vintage, super 8, vhs, film grain, grainy, old film, 35mm, lo fi, lofi",
    "glitch": "glitch, glitchy, datamosh",
}

# Keys are drawable settings (see tools.scenery): the writer turns each into a concrete place.
SETTINGS: dict[str, str] = {
    "city at night": (
        "city at night, night city, city, cities, downtown, street, streets, rooftop, rooftops, "
        "skyline, metropolis, urban"
    ),
    "rainy street": "rain, rainy, raining, rainy street, rainy streets, puddles",
    "open road": "road, open road, highway, road trip, drive, driving, car",
    "desert": "desert, dunes, sand dunes, sand, canyon, wasteland",
    "ocean shore": "ocean, sea, beach, shore, waves, coast, seaside, island",
    "underwater": "under the sea, underwater, under water, deep sea, ocean floor",
    "outer space": (
        "space, outer space, stars, starry, galaxy, cosmos, cosmic, moon, planet, planets, "
        "nebula, spaceship"
    ),
    "forest": "forest, forests, woods, trees, jungle",
    "mountains": "mountain, mountains, peaks, cliff, cliffs, summit, valley",
    "stage": "stage, concert, gig, spotlight, spotlights, arena",
    "dance floor": "dance floor, club, nightclub, disco, party, rave, dancefloor",
    "room": "room, bedroom, apartment, window, home, kitchen, house, cafe",
    "meadow": "meadow, field, fields, countryside, flowers, garden, farm",
    "snowfield": "snow, snowy, snowfield, winter, ice, icy, frozen, tundra, arctic",
}

TIMES: dict[str, str] = {
    "night": "night, at night, nighttime, midnight, nocturnal",
    "dusk": "dusk, sunset, twilight, evening, golden hour, blue hour",
    "dawn": "dawn, sunrise, morning, daybreak",
    "day": "day, daytime, daylight, noon, afternoon",
}

COLORS: dict[str, str] = {
    "red": "#d62828",
    "dark red": "#8b1020",
    "crimson": "#b0123a",
    "scarlet": "#e0262b",
    "orange": "#f77f00",
    "amber": "#ffb000",
    "yellow": "#ffd60a",
    "gold": "#d4a017",
    "golden": "#d4a017",
    "green": "#2a9d4a",
    "dark green": "#1b5e20",
    "emerald": "#0f9d58",
    "lime": "#9ef01a",
    "teal": "#00897b",
    "turquoise": "#1ec8c8",
    "cyan": "#00d5ff",
    "blue": "#1d4ed8",
    "dark blue": "#0d2a6b",
    "light blue": "#7cc4ff",
    "sky blue": "#6ec6ff",
    "navy": "#1b2a5c",
    "azure": "#3a86ff",
    "purple": "#7b2cbf",
    "violet": "#8f5cf7",
    "lavender": "#b7a6f0",
    "magenta": "#e0218a",
    "pink": "#ff5fa2",
    "hot pink": "#ff1f8f",
    "rose": "#e8567a",
    "white": "#f5f5f5",
    "black": "#111111",
    "grey": "#8a8a8a",
    "gray": "#8a8a8a",
    "silver": "#c0c6cc",
    "brown": "#7a4a2a",
    "beige": "#d9c5a0",
    "cream": "#f3e7c9",
    "blonde": "#e8c872",
    "blond": "#e8c872",
    "brunette": "#4a2c1a",
    "ginger": "#c0541c",
}
HAIR_COLORS = frozenset({"blonde", "blond", "brunette", "ginger"})

# noun -> figure; plurals are the noun + "s" unless listed in IRREGULAR_PLURALS.
FIGURES: dict[str, str] = {
    "astronaut": "astronaut",
    "cosmonaut": "astronaut",
    "spaceman": "astronaut",
    "robot": "robot",
    "android": "robot",
    "cyborg": "robot",
    "dancer": "dancer",
    "ballerina": "dancer",
    "singer": "singer",
    "vocalist": "singer",
    "rapper": "singer",
    "musician": "singer",
    "guitarist": "singer",
    "girl": "person",
    "boy": "person",
    "woman": "person",
    "man": "person",
    "person": "person",
    "kid": "person",
    "child": "person",
    "traveller": "person",
    "traveler": "person",
    "wanderer": "person",
    "stranger": "person",
    "hero": "person",
    "heroine": "person",
    "lover": "person",
    "friend": "person",
    "driver": "person",
    "skater": "person",
}
IRREGULAR_PLURALS = {"women": "woman", "men": "man", "children": "child", "people": "person"}
COUPLES = {"couple": "lover", "lovers": "lover", "friends": "friend"}  # always two people

COUNTS: dict[str, int] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "the": 1,
    "single": 1,
    "two": 2,
    "pair of": 2,
    "a pair of": 2,
    "couple of": 2,
    "a couple of": 2,
    "both": 2,
    "three": 3,
    "four": 4,
}
MAX_COUNT = 4

NAME_MODIFIERS = _words(
    "brave elderly giant hooded little lone masked mysterious old shy silent small solitary "
    "tall teenage tiny young"
)

GARMENTS = _words(
    "cape cloak clothes coat dress gown hoodie jacket jeans kimono leather outfit overalls "
    "raincoat robe shirt skirt spacesuit suit sweater tracksuit trousers uniform"
)
ACCENT_ITEMS = _words(
    "bag balloon belt boots cap details eyes glasses gloves guitar hat headphones helmet "
    "lights mask microphone ribbon ribbons scarf shoes sneakers stripes sunglasses tie trim "
    "umbrella visor"
)
HAIR_WORDS = frozenset({"hair", "haired"})

STOPWORDS = _words(
    "a about above across aesthetic all alone also among an and animated animation any are "
    "around as at be been behind being below beside between bit but by can clip color colors "
    "colour colours could create dance dances dancing do does down dressed feel feeling film "
    "for from full generate get give has have having here i in into is it its just kind let "
    "like look looks lot lots make me mood more movie music my near need of on only onto or "
    "our out over palette piece please really render scene scenes shot shots should show "
    "singing sings so some song sort story style styled that the then there these this those "
    "through to track tune under up very vibe vibes video videos visual visuals walking walks "
    "want we wear wearing wears where which while who will with wore would you your"
)
CLAUSE_BREAKS = frozenset({",", ".", ";", "!", "?", "but", "while", "then"})
NEGATIONS = frozenset({"not", "no", "without", "never", "dont", "avoid", "nothing"})
NEGATABLE = frozenset({"mood", "style", "setting", "time", "color", "hair_color"})


# ------------------------------------------------------------------------- parsing


class _Match(NamedTuple):
    kind: str  # mood, style, setting, time, color, figure, couple, count, modifier, ...
    value: str
    words: str


def _phrase_table() -> dict[tuple[str, ...], tuple[str, str]]:
    """Every known phrase, as a tuple of words, -> (kind, canonical value)."""
    table: dict[tuple[str, ...], tuple[str, str]] = {}

    def add(kind: str, phrase: str, value: str) -> None:
        table.setdefault(tuple(phrase.split()), (kind, value))

    for kind, groups in (
        ("mood", MOODS),
        ("style", STYLES),
        ("setting", SETTINGS),
        ("time", TIMES),
    ):
        for value, phrases in groups.items():
            for phrase in _phrases(phrases):
                add(kind, phrase, value)
    for word in COLORS:
        add("hair_color" if word in HAIR_COLORS else "color", word, word)
    for noun in FIGURES:
        add("figure", noun, noun)
        add("figures", noun + "s", noun)
    for plural, noun in IRREGULAR_PLURALS.items():
        add("figures", plural, noun)
    for word, noun in COUPLES.items():
        add("couple", word, noun)
    for phrase, count in COUNTS.items():
        add("count", phrase, str(count))
    for kind, words in (
        ("modifier", NAME_MODIFIERS),
        ("garment", GARMENTS),
        ("accent_item", ACCENT_ITEMS),
        ("hair", HAIR_WORDS),
    ):
        for word in words:
            add(kind, word, word)
    return table


PHRASES = _phrase_table()
LONGEST_PHRASE = max(len(words) for words in PHRASES)


def tokenize(text: str) -> list[str]:
    """Lower-case words and clause punctuation; hyphens split words, apostrophes vanish."""
    text = text.lower().replace("'", "").replace("’", "").replace("-", " ")
    return re.findall(r"[a-z0-9&]+|[,.;!?]", text)


def match_phrases(tokens: list[str]) -> list[_Match]:
    """Greedy longest match of the known phrases; other words become stop, break or unknown.

    A mood, style, setting, time or colour after a negation in the same clause ("not happy",
    "no neon") becomes kind "avoided".
    """
    matches: list[_Match] = []
    negated = False
    i = 0
    while i < len(tokens):
        for size in range(min(LONGEST_PHRASE, len(tokens) - i), 0, -1):
            words = tuple(tokens[i : i + size])
            if words in PHRASES:
                kind, value = PHRASES[words]
                if negated and kind in NEGATABLE:
                    kind, negated = "avoided", False
                matches.append(_Match(kind, value, " ".join(words)))
                i += size
                break
        else:
            word = tokens[i]
            kind = _plain_word_kind(word)
            negated = kind == "negation" or (negated and kind != "break")
            matches.append(_Match(kind, word, word))
            i += 1
    return matches


def _plain_word_kind(word: str) -> str:
    if word in CLAUSE_BREAKS:
        return "break"
    if word in NEGATIONS:
        return "negation"
    return "stop" if word in STOPWORDS else "unknown"


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def mood_of(word: str) -> str | None:
    """The mood family of a word or label ("sad" -> "melancholic"), or None."""
    for match in match_phrases(tokenize(word)):
        if match.kind == "mood":
            return match.value
    return None


def parse_request(text: str) -> Intent:
    """Read the user's request: mood, visual styles, characters, colours, settings, unknowns."""
    matches = match_phrases(tokenize(text))
    characters, palette_colors = _read_characters(matches)
    moods = _unique([m.value for m in matches if m.kind == "mood"])
    times = [m.value for m in matches if m.kind == "time"]
    return {
        "text": text,
        "mood": moods[0] if moods else None,
        "moods": moods,
        "styles": _unique([m.value for m in matches if m.kind == "style"]),
        "characters": characters,
        "colors": {m.value: COLORS[m.value] for m in matches if m.kind in ("color", "hair_color")},
        "palette_colors": _unique(palette_colors),
        "settings": _unique([m.value for m in matches if m.kind == "setting"]),
        "time_of_day": times[0] if times else None,
        "avoided": _unique([m.words for m in matches if m.kind == "avoided"]),
        "unknown": _unique([m.words for m in matches if m.kind == "unknown"]),
    }


# ------------------------------------------------------------------------- characters


def _read_characters(matches: list[_Match]) -> tuple[list[CharacterRequest], list[str]]:
    """Characters with their counts and colours, and the colours tied to no character.

    A colour belongs to the character named last in the same clause ("the singer should wear
    red", "a girl in a red coat") or to the next one ("a red robot"); the noun after it picks
    the slot: a garment -> outfit, hair -> hair, an accessory -> accent, none -> outfit (or
    accent once the outfit is taken).
    """
    characters: list[CharacterRequest] = []
    free: list[str] = []
    current: CharacterRequest | None = None
    pending: list[tuple[str, str, str | None]] = []  # colours waiting for the next figure
    for i, match in enumerate(matches):
        if match.kind == "break":
            free += [color for color, _, _ in pending]
            current, pending = None, []
        elif match.kind in ("figure", "figures", "couple"):
            current = _character_at(matches, i, characters)
            for color, slot, garment in pending:
                _give_color(current, color, slot, garment)
            pending = []
        elif match.kind in ("color", "hair_color"):
            slot, garment = _slot_after(matches, i)
            if match.kind == "hair_color":
                slot = "hair"
            if current is not None:
                _give_color(current, match.value, slot, garment)
            elif _figure_follows(matches, i):
                pending.append((match.value, slot, garment))
            else:
                free.append(match.value)
    free += [color for color, _, _ in pending]
    for character in characters:
        character["name"] = _character_name(character)
    return characters, free


def _character_at(
    matches: list[_Match], i: int, characters: list[CharacterRequest]
) -> CharacterRequest:
    """The character named at matches[i]: a new one, or one already named ("the singer")."""
    match = matches[i]
    before = _words_before(matches, i)
    if match.kind == "figure" and any(m.words == "the" for m in before):
        for known in characters:
            if known["name"] == match.value or known["name"].endswith(" " + match.value):
                return known
    counts = [int(m.value) for m in before if m.kind == "count"]
    if match.kind == "couple":
        count = 2
    elif counts:
        count = counts[-1]
    else:
        count = 2 if match.kind == "figures" else 1
    modifiers = [m.value for m in before if m.kind == "modifier"]
    character: CharacterRequest = {
        "figure": FIGURES[match.value],
        "name": " ".join([*modifiers, match.value]),  # completed by _character_name
        "count": min(count, MAX_COUNT),
        "colors": {},
        "garment": None,
    }
    characters.append(character)
    return character


def _words_before(matches: list[_Match], i: int) -> list[_Match]:
    """The count words, modifiers and colours right before a figure ("a lone", "two tall")."""
    before: list[_Match] = []
    for match in reversed(matches[max(0, i - 4) : i]):
        if match.kind not in ("count", "modifier", "color", "hair_color", "hair", "mood"):
            break
        before.insert(0, match)
    return before


def _slot_after(matches: list[_Match], i: int) -> tuple[str, str | None]:
    """Which part of a character the colour at matches[i] paints, and the garment if named."""
    for match in matches[i + 1 : i + 4]:
        if match.kind == "garment":
            return "outfit", match.value
        if match.kind == "hair":
            return "hair", None
        if match.kind == "accent_item":
            return "accent", None
        if match.kind not in ("color", "stop"):
            break
    return "outfit", None


def _figure_follows(matches: list[_Match], i: int) -> bool:
    """Whether the colour at matches[i] describes the figure right after it ("a red robot")."""
    for match in matches[i + 1 :]:
        if match.kind in ("figure", "figures", "couple"):
            return True
        if match.kind not in ("color", "hair_color", "hair", "modifier"):
            return False
    return False


def _give_color(character: CharacterRequest, color: str, slot: str, garment: str | None) -> None:
    if slot == "outfit" and "outfit" in character["colors"]:
        slot = "accent"
    character["colors"].setdefault(slot, color)
    if slot == "outfit" and garment:
        character["garment"] = garment


def _character_name(character: CharacterRequest) -> str:
    """The noun phrase plus what it wears: "girl in a red coat", "singer in red"."""
    outfit = character["colors"].get("outfit")
    if outfit is None:
        return character["name"]
    if character["garment"]:
        return f"{character['name']} in a {outfit} {character['garment']}"
    return f"{character['name']} in {outfit}"
