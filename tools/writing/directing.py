"""The template writer's shots: where each section happens and what is on screen, in the names
of `tools.shots`.

`section_backdrops` walks the request's places (or those the lyrics, the story, the tags or the
music name) through the song so that every section has its own place or view of it, a returning
chorus comes back to the chorus's backdrop, and the time of day suits the look and the mood.
`story_subjects` puts the cast in it: actions and expressions from the request's activities,
else from the story, the mood, the section's energy and dramatic role; `shot_props` adds the
props the actions need and those the request, story and lyrics name, wherever they make sense.
`performance_shot` is the singer and band performing a sung section; `describe` tells a shot
in a sentence. Deterministic: the same inputs give the same shots.
"""

from typing import NamedTuple

from tools import shots
from tools.types import Analysis, Character, Section, Setting, Shot, Subject
from tools.writing.place_words import SCENERY, Evoked, fits, spread
from tools.writing.storytelling import LEXICON, Cast, agree, with_article

VIEWS = 3  # the views of one place the writer walks through (0..VIEWS-1)
VOCAL_SUNG = 0.5  # a section whose mean vocal presence is above this is sung
NIGHT_LOOKS = frozenset({"neon", "noir"})  # looks that never show a bright day
DARK_TIMES = ("dusk", "night")
LATE = 2 / 3  # sections that start after this share of the song are later in the day
# The brightest time of day a mood shows (tools.shots.TIMES runs from sunrise to night).
MOOD_LIGHT = {
    "melancholic": "dusk",
    "dark": "night",
    "mysterious": "dusk",
    "romantic": "golden hour",
    "nostalgic": "golden hour",
}
DYNAMIC_ENERGY = 0.6  # a section at least this loud moves like a chorus

# ------------------------------------------------------------------------- backdrops


class Backdrop(NamedTuple):
    place: str  # a name of shots.PLACES
    view: int
    time: str  # a name of shots.TIMES
    weather: str  # a name of shots.WEATHERS

    def setting(self) -> Setting:
        return {"place": self.place, "time": self.time, "weather": self.weather}


def returns(sections: list[Section]) -> list[int | None]:
    """For each section, the earlier chorus it returns to (same label), else None."""
    first: dict[str, int] = {}
    back: list[int | None] = []
    for i, section in enumerate(sections):
        label = section["label"].lower()
        back.append(first.get(label) if "chorus" in label else None)
        first.setdefault(label, i)
    return back


def section_backdrops(
    sections: list[Section],
    *,
    asked: list[str],
    named: list[str | None],
    heard: list[str],
    evoked: list[Evoked],
    figure: str,
    time: str | None,
    weather: str | None,
    sung_weather: list[str | None],
    look: str,
    mood: str,
    props: list[str],
) -> list[Backdrop]:
    """One backdrop per section.

    Places: the request's (`asked`) walk through the song; else the place each section's
    lyrics or story scene names (`named`; a section naming none stays where the last one was);
    else the place the music gives it (`heard`); a place that does not suit the figure, or
    where the request's `props` make no sense (a campfire on a stage), gives way to one that
    does. Each new section takes the next view of its place, and once every view of a place
    the music chose was shown, the next place it evokes; a returning chorus takes the backdrop
    of the first. Time: the request's, else what the music
    evokes or the place's own, moving on along the song (`day_time`). Weather: the request's,
    else the one sung in the section, else what the music evokes, else clear.
    """
    back = returns(sections)
    fresh = [i for i, b in enumerate(back) if b is None]
    if asked:
        walk = dict(zip(fresh, spread(asked, len(fresh)), strict=True))
        places = [walk.get(i, "") for i in range(len(sections))]
    elif any(named):
        first = next(p for p in named if p)
        places = []
        for place in named:
            first = place or first
            places.append(first)
    else:
        places = list(heard)
    if not asked:
        music = [*(e.place for e in evoked), *shots.PLACES]
        places = [
            suited(p, figure=figure, props=props, others=[h, *music])
            for p, h in zip(places, heard, strict=True)
        ]
    evokes = {e.place: e for e in evoked}
    backdrops: list[Backdrop] = []

    def views(place: str) -> int:  # how many views of the place new sections took so far
        return sum(1 for k, b in enumerate(backdrops) if b.place == place and back[k] is None)

    for i, place in enumerate(places):
        if back[i] is not None:
            backdrops.append(backdrops[back[i]])
            continue
        if not asked and not any(named) and views(place) >= VIEWS:  # the music moves on
            place = next(
                (q for q in [*(e.place for e in evoked), *heard, *shots.PLACES]
                 if views(q) < VIEWS and fits(q, figure) and all(prop_fits(p, q) for p in props)),
                place,
            )  # fmt: skip
        view = views(place) % VIEWS
        implied = evokes.get(place, Evoked(place))
        late = sections[i]["start"] >= LATE * sections[-1]["end"]
        own = implied.time or shots.PLACES[place].time
        when = time or day_time(own, look=look, mood=mood, late=late)
        what = weather or sung_weather[i] or implied.weather or "clear"
        backdrops.append(Backdrop(place, view, when, what))
    return backdrops


def suited(place: str, *, figure: str, props: list[str], others: list[str]) -> str:
    """`place`, or else the first of `others`, that suits the figure and where every prop
    makes sense (`place` when none does)."""
    return next(
        (q for q in [place, *others] if fits(q, figure) and all(prop_fits(p, q) for p in props)),
        place,
    )


def day_time(time: str, *, look: str, mood: str, late: bool) -> str:
    """The time a section shows when the request fixes none: the place's own, one step later
    in the last third of the song (the day moves on), never brighter than the mood allows
    (MOOD_LIGHT), and at dusk or night for a neon or noir look."""
    order = list(shots.TIMES)
    index = order.index(time) + (1 if late and time != "night" else 0)
    index = max(index, order.index(MOOD_LIGHT.get(mood, order[0])))
    if look in NIGHT_LOOKS:
        index = max(index, order.index(DARK_TIMES[0]))
    return order[index]


def sung(analysis: Analysis, lyrics_sung: list[str] | None) -> list[bool]:
    """Whether someone sings in each section: lyrics start in it, or the vocal curve's mean
    over it is above VOCAL_SUNG."""
    hz, vocal = analysis["curve_hz"], analysis["vocal"]
    flags = []
    for i, section in enumerate(analysis["sections"]):
        part = vocal[int(section["start"] * hz) : max(int(section["end"] * hz), 1)]
        loud = bool(part) and sum(part) / len(part) > VOCAL_SUNG
        flags.append(loud or bool(lyrics_sung and lyrics_sung[i].strip()))
    return flags


# ------------------------------------------------------------------------- people and props

# Per mood: the actions of quiet sections and of lively ones (the livelier last).
MOOD_ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "melancholic": (("walk", "look down", "sit", "stand"), ("sway", "walk", "reach")),
    "joyful": (("walk", "wave", "sway"), ("dance", "jump", "cheer")),
    "energetic": (("walk", "run", "stand"), ("run", "dance", "cheer")),
    "dark": (("walk", "stand", "look down"), ("run", "reach", "stand")),
    "dreamy": (("float", "sway", "look up"), ("float", "dance", "reach")),
    "romantic": (("hold hands", "walk", "sway"), ("hug", "dance", "hold hands")),
    "angry": (("walk", "stand", "look down"), ("run", "jump", "cheer")),
    "calm": (("sit", "walk", "look up"), ("walk", "sway", "stand")),
    "nostalgic": (("walk", "sit", "look up"), ("sway", "walk", "dance")),
    "epic": (("walk", "stand", "look up"), ("run", "reach", "cheer")),
    "mysterious": (("walk", "stand", "look up"), ("walk", "reach", "run")),
    "hopeful": (("walk", "look up", "stand"), ("run", "reach", "cheer")),
}
# Per mood: the expression of quiet sections and of lively ones.
MOOD_EXPRESSIONS: dict[str, tuple[str, str]] = {
    "melancholic": ("sad", "sad"),
    "joyful": ("joyful", "joyful"),
    "energetic": ("fierce", "joyful"),
    "dark": ("fierce", "fierce"),
    "dreamy": ("dreamy", "dreamy"),
    "romantic": ("tender", "tender"),
    "angry": ("angry", "angry"),
    "calm": ("calm", "calm"),
    "nostalgic": ("dreamy", "joyful"),
    "epic": ("fierce", "fierce"),
    "mysterious": ("surprised", "surprised"),
    "hopeful": ("calm", "joyful"),
}
# The expression of the turn (the hush before the last chorus), where the mood allows another.
TURN_EXPRESSIONS = {
    "joyful": "calm",
    "energetic": "surprised",
    "dreamy": "calm",
    "romantic": "dreamy",
    "angry": "sad",
    "calm": "dreamy",
    "nostalgic": "sad",
    "epic": "calm",
    "mysterious": "calm",
    "hopeful": "dreamy",
}
NEUTRAL_ACTIONS = ("stand", "walk", "sit", "look up", "reach")  # a story may tell them in any mood
QUIET_TURNS = {"setup": 3, "tension": 0, "turn": 1, "resolution": 2}  # where a role starts
PAIR_ACTIONS = {"hold hands": "sway", "hug": "reach"}  # -> what one character alone does

# "ride" takes whichever mount the place allows (what other actions are done with:
# shots.ACTION_PROPS)
MOUNTS = ("bicycle", "boat", "skateboard", "car")
WATER = ("lake", "river", "sea", "beach", "island", "bridge")
STREETS = ("street", "road", "park", "rooftop", "bridge", "skyline")
OPEN_GROUND = ("forest", "meadow", "lake", "river", "beach", "desert", "mountains", "snowfield",
               "starfield", "island")  # fmt: skip
RIDEABLE = (*STREETS, "meadow", "forest", "lake", "river", "beach", "desert", "island",
            "mountains")  # fmt: skip
PROP_PLACES: dict[str, tuple[str, ...]] = {
    "fishing rod": WATER,
    "boat": WATER,
    "car": ("road", "street", "desert", "bridge", "skyline", "mountains", "snowfield", "meadow"),
    "bicycle": RIDEABLE,
    "skateboard": STREETS,
    "campfire": OPEN_GROUND,
    "tent": OPEN_GROUND,
    "telescope": (*OPEN_GROUND, "rooftop"),
    "street lamp": (*STREETS, "cafe", "beach"),
    "bench": (*STREETS, "lake", "river", "beach", "forest", "meadow", "stage"),
}
AWAY = ("underwater", "space")  # no sky or mounts there
SHOW_SKY = ("stage",)  # indoors, but fireworks and birds may fly there


def prop_fits(prop: str, place: str) -> bool:
    """Whether `prop` makes sense at `place` (a boat needs water, fireworks a sky)."""
    if prop in PROP_PLACES:
        return place in PROP_PLACES[prop]
    kind = shots.PROPS[prop].kind
    if kind == "sky" and place in SHOW_SKY:
        return True
    if kind in ("sky", "mount"):
        return shots.PLACES[place].outdoor and place not in AWAY
    return True


def needed_prop(action: str, place: str, *, wanted: list[str]) -> str | None:
    """The prop an action needs at `place`, or None when it needs none; "" when none fits.

    "ride" takes the wanted mount (riding a bicycle: a bicycle, never a car instead), else any
    mount the place allows (a boat on the lake)."""
    if action == "ride":
        mounts = [p for p in wanted if p in MOUNTS] or list(MOUNTS)
        return next((m for m in mounts if prop_fits(m, place)), "")
    prop = shots.ACTION_PROPS.get(action)
    if prop is None:
        return None
    return prop if prop_fits(prop, place) else ""


class Beat(NamedTuple):
    """What shapes a section's people: its mood, how lively it is and how often it came."""

    mood: str
    role: str  # its dramatic role
    lively: bool
    variant: int  # how many sections before it played the same part
    asked: bool = False  # the request named the mood: its face everywhere
    index: int = 0  # its place in the song: quiet sections take the mood's actions in turn
    take: int = 0  # which of the section's story shots (the later ones: its variants)


def story_subjects(
    ids: list[str],
    *,
    beat: Beat,
    asked: list[str],
    told: list[str],
    wanted: list[str],
    place: str,
) -> list[Subject]:
    """Who does what: the request's actions (where they make sense here), else an action the
    story or lyrics tell that suits the mood, else the mood's. In a lively section the others
    join in with the mood's lively action."""
    quiet, loud = MOOD_ACTIONS[beat.mood]
    if beat.lively:  # a returning chorus gets livelier each time
        mood_action = loud[(min(beat.variant, len(loud) - 1) + beat.take) % len(loud)]
    else:  # quiet sections take turns, each role from its own place in the list
        start = beat.index + QUIET_TURNS.get(beat.role, 0)
        mood_action = quiet[(start + beat.take) % len(quiet)]
    usable = [a for a in asked if needed_prop(a, place, wanted=wanted) != ""]
    suits = [a for a in told if a in (*quiet, *loud, *NEUTRAL_ACTIONS)]
    if usable:
        first = usable[(beat.variant + beat.take) % len(usable)]
        actions = [first] + [mood_action if beat.lively else first] * (len(ids) - 1)
    else:
        actions = [suits[0] if suits else mood_action] * len(ids)
    if len(ids) < 2:
        actions = [PAIR_ACTIONS.get(a, a) for a in actions]
    return [
        {"character": cid, "action": action, "expression": expression(beat)}
        for cid, action in zip(ids, actions, strict=True)
    ]


def expression(beat: Beat) -> str:
    """The mood's face for quiet or lively sections, another one in the turn unless the
    request named the mood."""
    if beat.role == "turn" and not beat.lively and not beat.asked:
        return TURN_EXPRESSIONS.get(beat.mood, MOOD_EXPRESSIONS[beat.mood][0])
    return MOOD_EXPRESSIONS[beat.mood][beat.lively]


def shot_props(subjects: list[Subject], *, wanted: list[str], place: str) -> list[str]:
    """The props on screen: what the actions need, then the wanted ones that fit the place."""
    needs = [needed_prop(s["action"], place, wanted=wanted) for s in subjects]
    props = [p for p in needs if p] + [p for p in wanted if prop_fits(p, place)]
    return list(dict.fromkeys(props))


# ------------------------------------------------------------------------- camera and light

FRAMING_BY_ROLE = {
    "setup": "wide",
    "tension": "medium",
    "release": "wide",
    "turn": "close-up",
    "resolution": "wide",
}
TIME_LIGHT = {
    "sunrise": "pink first light low on the horizon",
    "day": "clear daylight",
    "golden hour": "low warm golden light with long shadows",
    "sunset": "orange sunset glow",
    "dusk": "deep blue dusk light",
    "night": "moonlight and the glow of lamps",
}


def framing(role: str, *, arriving: bool) -> str:
    """Wide where the story arrives somewhere, else by dramatic role."""
    return "wide" if arriving else FRAMING_BY_ROLE[role]


def lighting(time: str, bible_lighting: str) -> str:
    return f"{TIME_LIGHT[time]}; {bible_lighting}"


# ------------------------------------------------------------------------- words

ACTION_WORDS = {
    "stand": "[stand] still",
    "walk": "[walk] slowly on",
    "run": "[run]",
    "sit": "[sit] down",
    "lie": "[lie] down",
    "dance": "[dance]",
    "jump": "[jump] in the air",
    "sing": "[sing] into the microphone",
    "play guitar": "[play] the guitar",
    "play piano": "[play] the piano",
    "play drums": "[play] the drums",
    "fish": "[fish]",
    "ride": "[ride]",
    "drive": "[drive]",
    "hug": "[hug]",
    "hold hands": "[hold] hands",
    "look up": "[look] up at the sky",
    "look down": "[look] down",
    "wave": "[wave]",
    "reach": "[reach] out",
    "read": "[read]",
    "float": "[float] weightless",
    "sway": "[sway] to the music",
    "cheer": "[cheer] with arms raised",
}
PLURAL_PROPS = frozenset({"flowers", "drums", "birds", "fireworks", "headphones"})
ROLE_CLAUSE = {  # the mood lexicon's image for each dramatic role
    "setup": "motif",
    "tension": "pressure",
    "release": "image",
    "turn": "motif",
    "resolution": "last",
}
TIME_WORDS = {"day": "by day", "night": "at night"}
WEATHER_WORDS = {"rain": "in the rain", "snow": "in falling snow", "fog": "in fog",
                 "wind": "in the wind", "storm": "in a storm"}  # fmt: skip


def where(backdrop: Backdrop, *, arriving: bool) -> str:
    """ "by a calm lake at sunset, in the rain" """
    scenery = SCENERY[backdrop.place]
    at = scenery.at if arriving else scenery.again
    when = TIME_WORDS.get(backdrop.time, f"at {backdrop.time}")
    weather = WEATHER_WORDS.get(backdrop.weather)
    return f"{at} {when}" + (f", {weather}" if weather else "")


def doing(subjects: list[Subject], *, cast: Cast, names: dict[str, str]) -> str:
    """ "the two friends fish" or "the first friend fishes while the second friend cheers" """
    groups: dict[str, list[str]] = {}
    for subject in subjects:
        groups.setdefault(subject["action"], []).append(subject["character"])
    clauses = []
    for action, ids in groups.items():
        everyone = len(ids) == len(subjects)
        who = cast.the if everyone else " and ".join(names[c] for c in ids)
        plural = cast.plural if everyone else len(ids) > 1
        clauses.append(f"{who} {agree(ACTION_WORDS[action], plural=plural)}")
    return " while ".join(clauses)


def props_words(props: list[str]) -> str:
    """ " They have a fishing rod and flowers." """
    if not props:
        return ""
    named = [p if p in PLURAL_PROPS else with_article(p) for p in props]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return f" They have {listed}."


def describe(
    subjects: list[Subject],
    *,
    backdrop: Backdrop,
    props: list[str],
    cast: Cast | None,
    names: dict[str, str],
    arriving: bool,
) -> str:
    """The shot in one sentence: where, who does what with what, looking how."""
    place = where(backdrop, arriving=arriving)
    people = doing(subjects, cast=cast, names=names) if subjects and cast else "no one is there"
    look = f", looking {subjects[0]['expression']}" if subjects else ""
    return f"{place[:1].upper()}{place[1:]}, {people}{look}.{props_words(props)}"


def mood_clause(mood: str, role: str) -> str:
    """The mood lexicon's image for the role, as a sentence."""
    clause = getattr(LEXICON[mood], ROLE_CLAUSE[role])
    return f"{clause[:1].upper()}{clause[1:]}."


# ------------------------------------------------------------------------- performance

BAND = ("play guitar", "play drums", "play piano")
PLAYERS = {"guitarist": "play guitar", "drummer": "play drums", "pianist": "play piano"}
PERFORMANCE_PLACES = ("stage", "club")


def performance_shot(
    characters: list[Character],
    *,
    backdrop: Backdrop,
    asked_places: list[str],
    asked_actions: list[str],
    beat: Beat,
    move: str,
    bible_lighting: str,
    names: dict[str, str],
) -> Shot:
    """The singer (a singer of the cast, else the first character; never the guitarist,
    drummer or pianist while someone else can sing) sings into a microphone, the others play
    their instrument, else those the request names, then guitar, drums and piano; on the stage
    or in the club when the request names one, else in the section's place."""
    players = {c["id"]: a for c in characters for w, a in PLAYERS.items() if w in c["name"].lower()}
    singers = [c for c in characters if c["id"] not in players]
    singer = next((c for c in singers if c["figure"] == "singer"), (singers or characters)[0])
    band = [c for c in characters if c is not singer]
    stage = next((p for p in asked_places if p in PERFORMANCE_PLACES), None)
    if stage:
        backdrop = Backdrop(stage, backdrop.view, shots.PLACES[stage].time, "clear")
    face = expression(beat)
    instruments = list(dict.fromkeys([*(a for a in asked_actions if a in BAND), *BAND]))
    subjects: list[Subject] = [
        {"character": singer["id"], "action": "sing", "expression": face},
        *(
            {"character": c["id"],
             "action": players.get(c["id"], instruments[k % len(instruments)]),
             "expression": face}
            for k, c in enumerate(band)
        ),
    ]  # fmt: skip
    props = shot_props(subjects, wanted=[], place=backdrop.place)
    sings = f"{names[singer['id']]} {agree(ACTION_WORDS['sing'], plural=False)}"
    playing = [f"{names[s['character']]} {agree(ACTION_WORDS[s['action']], plural=False)}"
               for s in subjects[1:]]  # fmt: skip
    place = where(backdrop, arriving=True)
    description = f"{place[:1].upper()}{place[1:]}, {', '.join([sings, *playing])}."
    return {
        "kind": "performance",
        "setting": backdrop.setting(),
        "view": backdrop.view,
        "subjects": subjects,
        "props": props,
        "camera": {"framing": "medium" if beat.lively else "close-up", "move": move},
        "lighting": f"stage lights on the performers; {bible_lighting}",
        "mood": beat.mood,
        "description": description,
    }
