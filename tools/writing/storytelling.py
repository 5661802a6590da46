"""Template storytelling shared by the offline listener and writer.

A song's sections get dramatic roles (setup, tension, release, turn, resolution); a mood picks a
lexicon; templates turn (role, cast, place, mood) into present-tense scene sentences. Verbs
that agree with the cast are written in brackets ("[walk]") and conjugated for one character
or several.
"""

import hashlib
import re
from typing import NamedTuple

from tools.types import Section
from tools.writing.place_words import SCENERY
from tools.writing.request import IRREGULAR_PLURALS, Intent


class Lexicon(NamedTuple):
    titles: tuple[str, str, str]  # title heads: "Blue Hour" + " over the City"
    light: str  # noun phrase
    motif: str  # a clause with its own subject: a small moving detail
    quest: str  # cast verb phrase for the logline
    wander: str  # cast verb phrase for tension
    pressure: str  # clause: what builds during the tension
    release: str  # cast verb phrase for release
    image: str  # clause: what the release looks like
    turn: str  # cast verb phrase for the turn
    ending: str  # cast verb phrase for the resolution
    last: str  # clause: the final image


LEXICON: dict[str, Lexicon] = {
    "melancholic": Lexicon(
        ("Blue Hour", "What Remains", "Low Light"),
        "cold blue light",
        "a single lamp flickers somewhere far off",
        "[search] for something that was lost",
        "[walk] slowly on, searching for something that is no longer there",
        "the wind tugs at them like a memory",
        "finally [let] the grief rise and spill over",
        "the colours smear like wet ink around them",
        "[stop] and [hold] an old memory up to the light",
        "[walk] on alone, carrying the sadness gently",
        "the blue light fades to almost nothing",
    ),
    "joyful": Lexicon(
        ("Golden Days", "Bright Side", "All Together Now"),
        "warm golden light",
        "paper streamers flutter in the breeze",
        "[celebrate] a perfect day",
        "[skip] ahead, greeting everything with a grin",
        "everyone they pass starts to smile",
        "[burst] into a spinning, laughing dance",
        "confetti of light swirls all around",
        "[pause], [catch] their breath and [grin] at how far they have come",
        "[wave] goodbye as the day glows on",
        "everything glows gold",
    ),
    "energetic": Lexicon(
        ("Full Voltage", "Overdrive", "Pulse"),
        "strobing white and magenta light",
        "lights stutter on every beat",
        "[chase] the beat and never [let] go",
        "[push] forward faster and faster, every step landing on the beat",
        "the beat gets louder with every step",
        "[explode] into motion, leaping and spinning with the drop",
        "light trails whip around them in bright ribbons",
        "[freeze] mid-step as the whole world holds its breath",
        "[land] the final move and [stand] breathing hard in the afterglow",
        "the last flash burns out",
    ),
    "dark": Lexicon(
        ("Shadow Line", "Undertow", "Black Glass"),
        "thin, cold light cutting through heavy shadow",
        "shadows stretch and crawl along the edges",
        "[face] what hides in the shadows",
        "[move] carefully forward, sensing something close behind",
        "something moves just out of sight",
        "[turn] and [face] the shadows head on",
        "darkness surges up around them like smoke",
        "[stand] perfectly still while the shadows close in",
        "[step] out of the darkness, changed",
        "a last sliver of light remains",
    ),
    "dreamy": Lexicon(
        ("Soft Orbit", "Half Asleep", "Velvet Haze"),
        "hazy pastel light",
        "small glowing motes drift upward in slow motion",
        "[drift] through a waking dream",
        "[float] forward as if weightless, half asleep",
        "the ground softens beneath their feet",
        "[rise] gently off the ground and [drift] among the glowing motes",
        "everything dissolves into swirls of colour",
        "[reach] for a glowing mote that slips through their fingers",
        "[settle] back down and [close] their eyes, smiling",
        "the haze closes gently over everything",
    ),
    "romantic": Lexicon(
        ("Two Hearts", "Closer", "Slow Dance"),
        "warm candle-coloured light",
        "petals drift slowly through the air",
        "[long] for someone to hold",
        "[look] for a familiar face in every passing shadow",
        "a warm glow stays just out of reach",
        "[reach] out and [take] a hand at last, turning in a slow embrace",
        "the world blurs into warm halos around them",
        "[hesitate], afraid of losing the moment",
        "[hold] on tight as everything else fades",
        "two shadows merge into one",
    ),
    "angry": Lexicon(
        ("Red Line", "Break Loose", "No Surrender"),
        "harsh red and white light",
        "sparks jump from a broken wire",
        "[fight] back against everything",
        "[stride] forward, fists clenched, pushing against the wind",
        "the pressure builds like a storm about to break",
        "[roar] and [tear] through everything in the way",
        "shards of light shatter outward with every hit of the beat",
        "[stop], chest heaving, and [look] at the wreckage",
        "[walk] away through the smoke, unbroken",
        "embers settle into the darkness",
    ),
    "calm": Lexicon(
        ("Still Water", "Slow Breath", "Breathing Room"),
        "soft, even light",
        "a light breeze moves through the grass",
        "[find] a moment of peace",
        "[wander] slowly, taking in every detail",
        "time seems to slow down around them",
        "[spread] their arms and [breathe] in deeply as the music opens up",
        "light ripples gently across everything",
        "[sit] down for a while and simply [listen]",
        "[rise] and [walk] unhurriedly onward",
        "everything comes to rest",
    ),
    "nostalgic": Lexicon(
        ("Polaroid Summer", "Back Then", "Faded Postcard"),
        "faded, honey-coloured light like an old photograph",
        "old snapshots flutter past on the breeze",
        "[revisit] a summer long gone",
        "[retrace] old steps, recognising every corner",
        "a familiar tune drifts from somewhere nearby",
        "[laugh] as the memories come rushing back in full colour",
        "the past and the present blend into one warm picture",
        "[find] an old keepsake and [hold] it for a long moment",
        "[put] the keepsake away and [walk] on, smiling",
        "the picture fades to sepia",
    ),
    "epic": Lexicon(
        ("Rise", "Titans", "The Long Climb"),
        "towering shafts of golden light",
        "banners of cloud race overhead",
        "[climb] toward something greater",
        "[climb] on step by step, against the wind",
        "the wind grows stronger with every step",
        "[reach] the top and [raise] their arms as the music swells",
        "light breaks through the clouds in huge beams",
        "[stumble], then [pull] themselves up again",
        "[look] out over everything they have crossed",
        "the sun blazes on the horizon",
    ),
    "mysterious": Lexicon(
        ("Hidden Signal", "The Locked Door", "Cipher"),
        "dim light and deep, shifting shadow",
        "a strange signal blinks in the distance",
        "[follow] a signal no one else can see",
        "[follow] a trail of faint glowing marks",
        "faint whispers seem to follow them",
        "[open] a hidden door and [step] into blinding light",
        "symbols flare up and spin around them",
        "[realise] the trail has led in a circle",
        "[walk] off into the haze, the secret kept",
        "the signal blinks once more and goes out",
    ),
    "hopeful": Lexicon(
        ("First Light", "Better Days", "Open Sky"),
        "pale light growing warmer by the minute",
        "the first rays break over the horizon",
        "[walk] toward a brighter day",
        "[keep] walking toward a distant glow",
        "the gloom around them slowly thins",
        "[run] toward the glow as it floods everything with colour",
        "colour returns to the world all at once",
        "[stop] to help a stranger up along the way",
        "[stand] in the full light, ready for what comes next",
        "the whole sky turns gold",
    ),
}

# Three variants per role; {At}, {Motif} and {Pressure} are capitalised, {who} is the cast.
# {at} names the place in full where the story arrives there, briefly where it stays.
TEMPLATES: dict[str, tuple[str, str, str]] = {
    "setup": (
        "{At}, in {light}, {who} [stand] still and [look] around as {motif}.",
        "{Motif}. {At}, {who} [appear], small against the {light}.",
        "We open {at}, bathed in {light}. {Who} [wait] and [listen].",
    ),
    "tension": (
        "{At}, {who} {wander}, while {pressure}.",
        "Still {at}, {who} {wander}. {Pressure}.",
        "{At}, {who} {wander}; {pressure}.",
    ),
    "release": (
        "The music opens up {at}: {who} {release}, and {image}.",
        "{At}, {who} {release} as {image}.",
        "All at once, {at}, {who} {release}; {image}.",
    ),
    "turn": (
        "The music drops away {at}. {Who} {turn}.",
        "Everything slows {at}, the {light} dimming. {Who} {turn}.",
        "In a sudden hush {at}, {who} {turn}.",
    ),
    "resolution": (
        "The music fades {at}: {who} {ending}, and {last}.",
        "Back {at}, {who} {ending} as {last}.",
        "Finally, {at}, {who} {ending}; {last}.",
    ),
}

NUMBER_WORDS = {2: "two", 3: "three", 4: "four"}
SINGULAR_TO_PLURAL = {noun: plural for plural, noun in IRREGULAR_PLURALS.items()}
DEFAULT_NOUNS = {
    "person": "lone traveller",
    "singer": "singer",
    "dancer": "dancer",
    "astronaut": "astronaut",
    "robot": "robot",
}


class Member(NamedTuple):
    """A character (or a group of alike ones) as the story names them."""

    figure: str
    noun: str  # "lone astronaut", "girl in a red coat"
    count: int
    colors: dict[str, str]  # slot (outfit, accent, hair) -> colour word the user asked for
    garment: str | None


class Cast(NamedTuple):
    the: str  # "the lone astronaut", "the two dancers"
    a: str  # "a lone astronaut", "two dancers"
    plural: bool


# ------------------------------------------------------------------------- structure


def dramatic_roles(sections: list[Section]) -> list[str]:
    """One role per section: setup, tension, release, turn or resolution.

    Labels decide first (intro, chorus, bridge, outro); unlabelled sections (A/B/C…) are a
    release when louder than the song's median section, else tension. The first section sets
    up, the last resolves, and without a bridge the quietest middle section between two
    releases becomes the turn.
    """
    n = len(sections)
    energies = sorted(s["energy"] for s in sections)
    loud = energies[n // 2] if n else 0.0
    roles = [_role(s, loud) for s in sections]
    if n > 1:
        roles[0] = "setup"
    if n > 2:
        roles[-1] = "resolution"
    releases = [i for i, role in enumerate(roles) if role == "release"]
    if "turn" not in roles and len(releases) >= 2:
        middle = [i for i in range(releases[0] + 1, releases[-1]) if roles[i] == "tension"]
        if middle:
            roles[min(middle, key=lambda i: sections[i]["energy"])] = "turn"
    return roles


def _role(section: Section, loud: float) -> str:
    label = section["label"].lower()
    for word, role in (
        ("intro", "setup"),
        ("outro", "resolution"),
        ("bridge", "turn"),
        ("chorus", "release"),
        ("verse", "tension"),
    ):
        if word in label:
            return role
    return "release" if section["energy"] > loud else "tension"


def arc_phrase(energies: list[float]) -> str:
    """How the song's loudness moves, in words ("builds to a final peak")."""
    if not energies or max(energies) - min(energies) < 0.15:
        return "holds one steady level from start to end"
    peak = max(energies)
    if energies[-1] >= peak - 0.05:
        return "builds all the way to a final peak"
    if energies[0] >= peak - 0.05:
        return "starts at full force and slowly winds down"
    return "builds from a quiet opening to a peak and falls away again"


# ------------------------------------------------------------------------- cast


def cast_members(intent: Intent, *, default_figure: str) -> list[Member]:
    """The request's characters, else one protagonist of the figure the music suggests."""
    members = [
        Member(c["figure"], c["name"], c["count"], c["colors"], c["garment"])
        for c in intent["characters"]
    ]
    return members or [Member(default_figure, DEFAULT_NOUNS[default_figure], 1, {}, None)]


def cast_phrase(members: list[Member]) -> Cast:
    """How the story names its cast: definite, indefinite, and whether verbs take plural."""
    the = [_named(m, definite=True) for m in members]
    a = [_named(m, definite=False) for m in members]
    plural = len(members) > 1 or members[0].count > 1
    return Cast(_join(the), _join(a), plural)


def _named(member: Member, *, definite: bool) -> str:
    if member.count > 1:
        number = NUMBER_WORDS.get(member.count, str(member.count))
        noun = f"{number} {pluralize(member.noun)}"
        return f"the {noun}" if definite else noun
    return f"the {member.noun}" if definite else with_article(member.noun)


def with_article(noun_phrase: str) -> str:
    """ "astronaut" -> "an astronaut", "lone astronaut" -> "a lone astronaut"."""
    return f"{'an' if noun_phrase[:1] in tuple('aeiou') else 'a'} {noun_phrase}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def pluralize(noun_phrase: str) -> str:
    """ "dancer in red" -> "dancers in red", "old woman" -> "old women"."""
    head, sep, tail = noun_phrase.partition(" in ")
    *before, last = head.split()
    plural = SINGULAR_TO_PLURAL.get(last, last + "s")
    return " ".join([*before, plural]) + sep + tail


# ------------------------------------------------------------------------- sentences


def agree(text: str, *, plural: bool) -> str:
    """Conjugate every bracketed verb for the cast: "[walk]" -> "walks" or "walk"."""
    return re.sub(r"\[(\w+)\]", lambda m: m.group(1) if plural else _third_person(m.group(1)), text)


def _third_person(verb: str) -> str:
    if verb == "have":
        return "has"
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def scene_sentence(
    role: str, *, cast: Cast, place: str, mood: str, variant: int, arriving: bool = True
) -> str:
    """One scene for a section of dramatic `role`, set at SCENERY[place], in `mood`.

    `arriving` names the place in full (the story just got there), else briefly.
    """
    words = LEXICON[mood]
    at = SCENERY[place].at if arriving else SCENERY[place].again
    template = TEMPLATES[role][variant % len(TEMPLATES[role])]
    text = template.format(
        at=at,
        At=_capital(at),
        who=cast.the,
        Who=_capital(cast.the),
        light=words.light,
        motif=words.motif,
        Motif=_capital(words.motif),
        wander=words.wander,
        pressure=words.pressure,
        Pressure=_capital(words.pressure),
        release=words.release,
        image=words.image,
        turn=words.turn,
        ending=words.ending,
        last=words.last,
    )
    return agree(text, plural=cast.plural)


def logline(*, cast: Cast | None, place: str, mood: str, arc: str) -> str:
    """One sentence: the mood first, then who does what where (or only where, with no cast),
    then the music's arc."""
    opening = _capital(with_article(f"{mood} story"))
    if cast is None:
        return f"{opening} told by the place alone, {SCENERY[place].at}, while the music {arc}."
    quest = agree(LEXICON[mood].quest, plural=cast.plural)
    return f"{opening}: {cast.a} {quest} {SCENERY[place].at}, while the music {arc}."


def title(*, mood: str, place: str, variant: int) -> str:
    """A short title: a mood head and a place ("Blue Hour among the Stars")."""
    heads = LEXICON[mood].titles
    return f"{heads[variant % len(heads)]} {SCENERY[place].title}"


def stable_index(*parts: object) -> int:
    """A deterministic number from `parts` (the same in every process, unlike hash())."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
