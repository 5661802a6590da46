"""What the user asked for, read from free text with keyword tables (no NLP dependency).

`parse_request("two friends fishing on a lake at sunset, watercolor")` finds the mood, the
visual style and look, the characters (figure, count, colours), explicit colours, and every
concrete element of a shot in the names of `tools.shots`: places (in order), the time of day,
the weather, props, actions and activities ("fishing" -> action "fish" and prop "fishing rod").
It lists the words it did not understand so the UI can say so. The tables are plain dicts so
that the real backends (CLAP, audio-language models, LLM writers) reuse the same vocabulary.
"""

import re
import unicodedata
from typing import NamedTuple, TypedDict

from tools import shots


class CharacterRequest(TypedDict):
    figure: str  # person | singer | dancer | astronaut | robot
    name: str  # the user's noun phrase, e.g. "lone astronaut", "girl in a red coat"
    count: int  # "two dancers" -> 2
    colors: dict[str, str]  # slot (outfit, accent, hair) -> colour word
    garment: str | None  # "coat" in "a girl in a red coat"


class Intent(TypedDict):
    text: str
    mood: str | None  # the first mood mentioned, one of MOODS
    moods: list[str]  # every mood mentioned (or implied by an expression), in order
    styles: list[str]  # visual styles, keys of STYLES
    look: str | None  # the first look mentioned, a name of tools.shots.LOOKS
    characters: list[CharacterRequest]
    colors: dict[str, str]  # every colour word mentioned -> hex
    palette_colors: list[str]  # colour words not tied to a character: they steer the palette
    places: list[str]  # names of tools.shots.PLACES, in the order they are mentioned
    time_of_day: str | None  # a name of tools.shots.TIMES
    weather: str | None  # a name of tools.shots.WEATHERS
    props: list[str]  # names of tools.shots.PROPS, with those the activities need
    moves: list[str]  # camera moves asked for, names of tools.shots.MOVES, in order
    actions: list[str]  # names of tools.shots.ACTIONS, activities' actions included
    nobody: bool  # the request rules out people ("no people at all", "nobody")
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
        "energetic, energy, high energy, heavy metal, intense, powerful, pumping, hype, wild, "
        "fast, frantic, explosive, euphoric, exciting, excited, electric"
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
    "figure": "person",
    "human": "person",
    "courier": "person",
    "diver": "person",
    "fisherman": "person",
    "sailor": "person",
    "student": "person",
    "teenager": "person",
    "mother": "person",
    "father": "person",
    "daughter": "person",
    "son": "person",
    "sister": "person",
    "brother": "person",
    "grandfather": "person",
    "grandmother": "person",
    "granddaughter": "person",
    "grandson": "person",
    "grandpa": "person",
    "grandma": "person",
    "drummer": "singer",
    "pianist": "singer",
}
FIGURES.update(
    dict.fromkeys(
        _words(
            "skateboarder surfer cyclist biker runner hiker climber swimmer outlaw warrior "
            "knight soldier detective commuter worker farmer pilot king queen prince princess "
            "boxer athlete player cowboy cowgirl pirate witch wizard angel clown mime monk poet "
            "painter artist photographer tourist teen baby boyfriend girlfriend husband wife "
            "bride groom neighbour neighbor officer nurse doctor chef waiter waitress ghost"
        ),
        "person",
    )
)
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
    "colour colours could create do does down dressed feel feeling film for from full "
    "generate get give has have having he her here him his i in into is it its just kind let "
    "like look looks lot lots make me mood more movie music my near need of on only onto or "
    "our out over palette piece please really render scene scenes she shot shots should show "
    "so some song sort story style styled that the their them then there these they this "
    "those through to track tune under up very vibe vibes video videos visual visuals want we "
    "wear wearing wears where which while who will with wore would you your"
)
CLAUSE_BREAKS = frozenset({",", ".", ";", "!", "?", "but", "while", "then"})
NEGATIONS = frozenset({"not", "no", "without", "never", "dont", "avoid", "nothing"})
# The vocabularies of tools.shots that a request is read in, and the kinds a negation rules out.
SHOT_KINDS = ("place", "time", "weather", "prop", "action", "expression", "look")
FIGURE_KINDS = frozenset({"figure", "figures", "couple"})
PEOPLE = frozenset({"people", "person", "persons", "figure", "figures", "human", "humans"})
NEGATABLE = frozenset(
    {"mood", "style", "color", "hair_color", "activity", *SHOT_KINDS, *FIGURE_KINDS}
)
# An expression named without a mood word sets the mood ("a smiling girl" -> joyful).
EXPRESSION_MOODS = {
    "joyful": "joyful",
    "sad": "melancholic",
    "calm": "calm",
    "angry": "angry",
    "dreamy": "dreamy",
    "surprised": "dreamy",
    "fierce": "epic",
    "tender": "romantic",
}
# Figures whose noun names what they do ("three skaters": riding skateboards).
FIGURE_ACTIVITIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "singer": ("sing", ("microphone",)),
    "vocalist": ("sing", ("microphone",)),
    "rapper": ("sing", ("microphone",)),
    "guitarist": ("play guitar", ("guitar",)),
    "drummer": ("play drums", ("drums",)),
    "pianist": ("play piano", ("piano",)),
    "dancer": ("dance", ()),
    "ballerina": ("dance", ()),
    "skater": ("ride", ("skateboard",)),
    "driver": ("drive", ("car",)),
    "diver": ("float", ()),
    "fisherman": ("fish", ("fishing rod",)),
    "skateboarder": ("ride", ("skateboard",)),
    "cyclist": ("ride", ("bicycle",)),
    "biker": ("ride", ("bicycle",)),
    "runner": ("run", ()),
    "hiker": ("walk", ()),
    "swimmer": ("float", ()),
    "photographer": ("stand", ("camera",)),
}
# Phrases of requests that tools.shots does not list, -> the (kind, name) they mean.
MORE_PHRASES: dict[str, tuple[tuple[str, str], ...]] = {
    "snows": (("weather", "snow"),),
    "rains": (("weather", "rain"),),
    "sandstorm": (("weather", "storm"),),
    "drifts": (("action", "float"),),
    "paddle": (("action", "ride"),),
    "paddles": (("action", "ride"),),
    "paddling": (("action", "ride"),),
    "march": (("action", "walk"),),
    "marches": (("action", "walk"),),
    "marching": (("action", "walk"),),
    "races": (("action", "run"),),
    "head hanging low": (("action", "look down"),),
    "head down": (("action", "look down"),),
    "hanging their head": (("action", "look down"),),
    "street corner": (("place", "street"),),
    "park bench": (("place", "park"), ("prop", "bench")),
    "soft pastels": (("look", "pastel"),),
    "starry night sky": (("place", "starfield"), ("time", "night")),
    "oils": (("look", "oil painting"),),
    "skating": (("action", "ride"), ("prop", "skateboard")),  # what the renderer can skate on
    "skates": (("action", "ride"), ("prop", "skateboard")),
    "painted in oils": (("look", "oil painting"),),
    "sun rising": (("time", "sunrise"),),
    "rising sun": (("time", "sunrise"),),
    "sun rises": (("time", "sunrise"),),
    "sun setting": (("time", "sunset"),),
    "sun sets": (("time", "sunset"),),
    "still water": (("place", "lake"),),
    "calm water": (("place", "lake"),),
    "by the sea": (("place", "beach"),),  # the seaside, not the open sea
    "by the ocean": (("place", "beach"),),
    # the sea's waves, not a wave of the hand; they crash and break on a shore
    "crashing waves": (("place", "beach"),),
    "waves crashing": (("place", "beach"),),
    "breaking waves": (("place", "beach"),),
    "waves breaking": (("place", "beach"),),
    "ocean waves": (("place", "sea"),),
    "the waves": (("place", "sea"),),
    "waves goodbye": (("action", "wave"),),  # ... and a hand's wave, not the sea
    "waves hello": (("action", "wave"),),
    "waves at": (("action", "wave"),),
}
# Camera moves a request may ask for ("whip pans between the scenes", "handheld camera"): only
# phrases that name the camera, as "still", "rising" or "follow" say other things in requests.
REQUEST_MOVES: dict[str, str] = {
    "static": "static camera, static shots, locked off, locked-off, tripod shots",
    "slow push-in": "push-in, push-ins, push in, push ins, dolly in, zoom in, zooms in",
    "pull back": "pull back, pull-back, pull backs, pull-backs, pull out, dolly out, zoom out",
    "pan left": "pan left, pans left",
    "pan right": "pan right, pans right, pans, panning, tracking shot, tracking shots",
    "crane up": "crane up, crane shot, crane shots, tilt up",
    "crane down": "crane down, tilt down",
    "orbit": "orbit shot, orbit shots, orbiting camera, circling camera, camera orbits",
    "handheld": "handheld, hand-held, handheld camera, shaky cam, shaky camera",
    "whip pan": "whip pan, whip pans, whip-pan, whip-pans",
    "drift": "slow drift, drifting camera, floating camera",
}
NOBODY = ("nobody", "no one")  # phrases that rule people out, as "no people" does
# A mount named is ridden or driven ("a girl paddles a canoe", "a bike courier").
MOUNT_ACTIONS = {"bicycle": "ride", "boat": "ride", "skateboard": "ride", "car": "drive"}
PLAY_WORDS = frozenset({"play", "plays", "playing", "played"})
INSTRUMENTS = {"guitar": "play guitar", "drums": "play drums", "piano": "play piano"}
# Moods that what the request shows implies when it names none (two lovers: romantic).
IMPLIED_MOODS = {"lover": "romantic", "hold hands": "romantic", "hug": "romantic"}
# Styles whose words name no look of tools.shots, and the look that draws them.
STYLE_LOOKS = {"retro": "neon", "psychedelic": "neon", "glitch": "neon", "comic": "ink"}
COLOR_KINDS = frozenset({"color", "hair_color"})
# Kinds of words that may stand between a count and its figure ("two tall smiling dancers").
BEFORE_FIGURE = frozenset(
    {"count", "modifier", "color", "hair_color", "hair", "mood", "expression"}
)


# ------------------------------------------------------------------------- parsing


class _Match(NamedTuple):
    kind: str  # the first meaning's kind: mood, style, place, color, figure, count, unknown, ...
    value: str
    words: str
    meanings: tuple[tuple[str, str], ...]  # every (kind, value) the words carry

    def values(self, kind: str) -> list[str]:
        return [value for k, value in self.meanings if k == kind]


def _phrase_table() -> dict[tuple[str, ...], list[tuple[str, str]]]:
    """Every known phrase, as a tuple of words, -> its meanings (kind, canonical value).

    A phrase can mean several things ("sailing": the sea, riding, a boat); a colour word means
    only its colour ("rose" is a colour, "roses" are flowers).
    """
    table: dict[tuple[str, ...], list[tuple[str, str]]] = {}

    def add(kind: str, phrase: str, value: str) -> None:
        meanings = table.setdefault(tuple(tokenize(phrase)), [])
        if (kind, value) in meanings or any(k in COLOR_KINDS for k, _ in meanings):
            return
        if kind in COLOR_KINDS:
            meanings.clear()
        meanings.append((kind, value))

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
        for word in sorted(words):
            add(kind, word, word)
    for kind, groups in (("mood", MOODS), ("style", STYLES)):
        for value, phrases in groups.items():
            for phrase in _phrases(phrases):
                add(kind, phrase, value)
    for kind in SHOT_KINDS:
        for name, entry in shots.VOCABULARIES[kind].items():
            text = entry if isinstance(entry, str) else entry.phrases
            for phrase in [name, *_phrases(text)]:
                add(kind, phrase, name)
                if kind == "place":  # "a starry night sky": the night too
                    for inner in ("time", "weather"):
                        for value in shots.find(inner, phrase):
                            add(inner, phrase, value)
    for phrase, meanings in MORE_PHRASES.items():
        for kind, value in meanings:
            add(kind, phrase, value)
    for move, phrases in REQUEST_MOVES.items():
        for phrase in _phrases(phrases):
            add("move", phrase, move)
    for phrase in NOBODY:
        add("nobody", phrase, phrase)
    for phrase in shots.ACTIVITIES:
        add("activity", phrase, phrase)
    return table


def tokenize(text: str) -> list[str]:
    """Lower-case words and clause punctuation; hyphens split words, apostrophes and accents
    vanish ("café" -> "cafe")."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("'", "").replace("’", "").replace("-", " ")
    return re.findall(r"[a-z0-9&]+|[,.;!?]", text)


PHRASES = _phrase_table()
LONGEST_PHRASE = max(len(words) for words in PHRASES)


def match_phrases(tokens: list[str]) -> list[_Match]:
    """Greedy longest match of the known phrases; other words become stop, break or unknown.

    A known phrase after a negation in the same clause ("not happy", "no neon", "no rain",
    "no people") becomes kind "avoided", its value the kind it would have had.
    """
    matches: list[_Match] = []
    negated = False
    i = 0
    while i < len(tokens):
        for size in range(min(LONGEST_PHRASE, len(tokens) - i), 0, -1):
            words = tuple(tokens[i : i + size])
            if words in PHRASES:
                meanings = tuple(PHRASES[words])
                if negated and any(kind in NEGATABLE for kind, _ in meanings):
                    meanings, negated = (("avoided", meanings[0][0]),), False
                kind, value = meanings[0]
                matches.append(_Match(kind, value, " ".join(words), meanings))
                i += size
                break
        else:
            word = tokens[i]
            kind = _plain_word_kind(word)
            negated = kind == "negation" or (negated and kind != "break")
            matches.append(_Match(kind, word, word, ((kind, word),)))
            i += 1
    return matches


def _plain_word_kind(word: str) -> str:
    if word in CLAUSE_BREAKS:
        return "break"
    if word in NEGATIONS:
        return "negation"
    return "stop" if word in STOPWORDS or word in PLAY_WORDS else "unknown"


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def mood_of(word: str) -> str | None:
    """The mood family of a word or label ("sad" -> "melancholic"), or None."""
    for match in match_phrases(tokenize(word)):
        if moods := _moods(match):
            return moods[0]
    return MUSIC_MOODS.get(" ".join(tokenize(word)))


# How music is felt, in words that name something else in a request ("driving" is an activity).
MUSIC_MOODS = {"driving": "energetic"}


def _rules_out_people(match: _Match) -> bool:
    """ "nobody", "no one", "no people", "without humans" """
    return match.kind == "nobody" or (match.kind == "avoided" and match.words in PEOPLE)


def style_look(style: str) -> str | None:
    """The look of tools.shots.LOOKS a style of STYLES is drawn in, if any."""
    return shots.name_of("look", style) or STYLE_LOOKS.get(style)


def _moods(match: _Match) -> list[str]:
    """The moods a match names, or the mood its expression implies."""
    return match.values("mood") or [EXPRESSION_MOODS[e] for e in match.values("expression")]


def parse_request(text: str) -> Intent:
    """Read the user's request: mood, style and look, characters, colours, the shot's places,
    time, weather, props and actions, what was ruled out, and the unknown words."""
    matches = match_phrases(tokenize(text))
    characters, palette_colors = _read_characters(matches)

    def every(kind: str) -> list[str]:
        return _unique([value for m in matches for value in m.values(kind)])

    styles = every("style")
    looks = every("look") or [look for s in styles if (look := style_look(s))]
    looks.sort(key=lambda look: look != "lyric video")  # the words as the picture: what was asked
    actions: list[str] = []
    props: list[str] = []
    for match in matches:  # in order: an activity brings its action and what it is done with
        nouns = [*match.values("figure"), *match.values("figures")]
        done = [FIGURE_ACTIVITIES[n] for n in nouns if n in FIGURE_ACTIVITIES]
        for action, needs in [*done, *map(shots.ACTIVITIES.get, match.values("activity"))]:
            actions.append(action)
            props += needs
        actions += match.values("action")
        props += match.values("prop")
    played = any(m.words in PLAY_WORDS for m in matches)
    actions += [INSTRUMENTS[p] for p in props if played and p in INSTRUMENTS]
    actions += [MOUNT_ACTIONS[p] for p in props if p in MOUNT_ACTIONS]  # _unique drops repeats
    shown = [c["name"].split(" in ")[0].split()[-1] for c in characters] + actions
    moods = _unique([mood for m in matches for mood in _moods(m)]) or _unique(
        [IMPLIED_MOODS[w] for w in shown if w in IMPLIED_MOODS]
    )
    times, weathers = every("time"), every("weather")
    return {
        "text": text,
        "mood": moods[0] if moods else None,
        "moods": moods,
        "styles": styles,
        "look": looks[0] if looks else None,
        "characters": characters,
        "colors": {m.value: COLORS[m.value] for m in matches if m.kind in COLOR_KINDS},
        "palette_colors": _unique(palette_colors),
        "places": every("place"),
        "time_of_day": times[0] if times else None,
        "weather": weathers[0] if weathers else None,
        "props": _unique(props),
        "moves": every("move"),
        "actions": _unique(actions),
        "nobody": not characters and any(_rules_out_people(m) for m in matches),
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
        if match.kind not in (
            "count",
            "modifier",
            "color",
            "hair_color",
            "hair",
            "mood",
            "expression",
        ):
            break
        before.insert(0, match)
    return before


def _slot_after(matches: list[_Match], i: int) -> tuple[str, str | None]:
    """Which part of a character the colour at matches[i] paints, and the garment if named."""
    for match in matches[i + 1 : i + 4]:
        if match.values("garment"):
            return "outfit", match.values("garment")[0]
        if match.values("hair"):
            return "hair", None
        if match.values("accent_item"):
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
