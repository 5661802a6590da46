"""The names a shot is written in: places, times of day, weather, props, actions, expressions,
framings and looks, each with the phrases that mean it.

These are what the procedural renderer can draw, what the template writer writes, what the LLM
writers are offered, and what the evals score against. `find` reads phrases into names
("a misty lake at golden hour" -> place "lake", time "golden hour"); `shot_text` and
`shot_prompt` turn a shot back into words for generative models, dropping nothing.
"""

import re
from functools import cache
from typing import NamedTuple

from tools.types import Character, Setting, Shot, Subject

# ------------------------------------------------------------------------- vocabularies
# name -> comma-separated phrases that mean it (the name itself always counts).


class Place(NamedTuple):
    phrases: str
    text: str  # how a prompt says it
    time: str  # the time of day it is drawn at when nothing says otherwise
    outdoor: bool = True


PLACES: dict[str, Place] = {
    "lake": Place("lake, lakes, pond, lakeside, lake shore, loch", "a calm lake ringed by trees", "golden hour"),
    "river": Place("river, rivers, stream, creek, riverbank, canal", "a winding river between grassy banks", "day"),
    "forest": Place("forest, forests, woods, woodland, trees, pine forest", "a forest of tall trees", "day"),
    "meadow": Place("meadow, meadows, field, fields, countryside, grassland, prairie, farm, hills", "a wide meadow of grass and wild flowers", "day"),
    "snowfield": Place("snowfield, snow field, snowy plain, tundra, arctic, glacier, frozen lake, winter landscape", "a snowy plain under a pale sky", "day"),
    "street": Place("street, streets, city street, avenue, alley, sidewalk, downtown, crosswalk, town", "a city street with shop fronts and lamp posts", "day"),
    "rooftop": Place("rooftop, rooftops, roof, terrace", "a city rooftop with water towers above the skyline", "night"),
    "skyline": Place("skyline, city, cities, city lights, metropolis, urban, cityscape, city at night, night city", "a glowing city skyline", "night"),
    "beach": Place("beach, beaches, shore, seaside, coast, sand beach, boardwalk", "a sandy beach where waves roll in", "sunset"),
    "sea": Place("sea, ocean, open sea, open water, high seas, waves, sailing", "the open sea with rolling waves", "day"),
    "island": Place("island, islands, tropical island, palm island", "a small island with palm trees", "day"),
    "desert": Place("desert, deserts, dunes, sand dunes, wasteland, badlands, canyon", "a desert of rolling dunes", "day"),
    "mountains": Place("mountains, mountain, peaks, summit, cliff, cliffs, valley, ridge, alps", "mountain peaks above a valley", "sunrise"),
    "space": Place("space, outer space, orbit, planet, planets, galaxy, cosmos, nebula, spaceship, moon surface", "outer space among planets and stars", "night"),
    "starfield": Place("field of stars, starry sky, stars, starry night, night sky, milky way, stargazing hill", "a hilltop under a sky full of stars", "night"),
    "underwater": Place("underwater, under water, under the sea, deep sea, ocean floor, coral reef, reef", "underwater among coral and drifting light", "day"),
    "stage": Place("stage, concert, concert stage, gig, arena, festival, spotlight, spotlights, live show", "a concert stage under spotlights", "night", outdoor=False),
    "club": Place("club, nightclub, dance floor, dancefloor, disco, rave, party", "a club dance floor with lasers and a crowd", "night", outdoor=False),
    "room": Place("room, bedroom, apartment, living room, home, house, kitchen, interior, indoors, studio", "a small room with a window and a lamp", "night", outdoor=False),
    "cafe": Place("cafe, café, coffee shop, diner, bar, restaurant", "a cosy café with round tables and warm lamps", "day", outdoor=False),
    "road": Place("road, open road, highway, road trip, freeway, desert road, country road", "an open road running to the horizon", "sunset"),
    "train": Place("train, subway, metro, tram, railway, train carriage, underground", "inside a train carriage, the landscape rushing past the windows", "day", outdoor=False),
    "park": Place("park, city park, playground, garden, gardens", "a park with trees, lawns and a bench", "day"),
    "bridge": Place("bridge, bridges, pier, harbour, harbor, waterfront", "a bridge over dark water with lamps along it", "night"),
    "waterfall": Place("waterfall, waterfalls, cascade, jungle, rainforest", "a waterfall in a green jungle", "day"),
}  # fmt: skip
ABSTRACT = "abstract"  # no place: shapes and light in the palette

TIMES: dict[str, str] = {
    "sunrise": "sunrise, dawn, daybreak, early morning, morning, first light",
    "day": "day, daytime, daylight, noon, midday, afternoon, sunny, broad daylight",
    "golden hour": "golden hour, late afternoon, warm evening light",
    "sunset": "sunset, sundown, setting sun, evening sun",
    "dusk": "dusk, twilight, evening, blue hour, nightfall",
    "night": "night, nighttime, at night, midnight, moonlight, moonlit, nocturnal, after dark",
}
WEATHERS: dict[str, str] = {
    "clear": "clear, clear sky, cloudless",
    "rain": "rain, rainy, raining, drizzle, downpour, rain soaked, wet, puddles, showers",
    "snow": "snow, snowy, snowing, snowfall, snowflakes, blizzard, winter",
    "fog": "fog, foggy, mist, misty, haze, hazy, smoke, smoky",
    "wind": "wind, windy, breeze, breezy, gale, blowing leaves, autumn leaves",
    "storm": "storm, stormy, thunder, thunderstorm, lightning, tempest",
}


class Prop(NamedTuple):
    phrases: str
    kind: str  # held (in a hand), worn, mount (carries the figure), ground, sky


PROPS: dict[str, Prop] = {
    "fishing rod": Prop("fishing rod, fishing pole, rod, fishing line", "held"),
    "guitar": Prop("guitar, guitars, acoustic guitar, electric guitar, bass guitar, ukulele", "held"),
    "microphone": Prop("microphone, mic, mike, microphone stand", "held"),
    "umbrella": Prop("umbrella, umbrellas, parasol", "held"),
    "lantern": Prop("lantern, lanterns, lamp, oil lamp, paper lantern, torch", "held"),
    "candle": Prop("candle, candles, candlelight, candle light", "held"),
    "photograph": Prop("photograph, photo, photos, photographs, polaroid, picture, old memory", "held"),
    "letter": Prop("letter, letters, envelope, love letter, note", "held"),
    "phone": Prop("phone, smartphone, cell phone, mobile, mobile phone", "held"),
    "flowers": Prop("flowers, bouquet, flower, roses, rose, bunch of flowers, sunflower", "held"),
    "balloon": Prop("balloon, balloons, red balloon", "held"),
    "kite": Prop("kite, kites", "held"),
    "book": Prop("book, books, diary, notebook, journal, novel", "held"),
    "camera": Prop("camera, film camera, video camera, polaroid camera", "held"),
    "coffee": Prop("coffee, cup of coffee, coffee cup, mug, cup, tea, cup of tea", "held"),
    "suitcase": Prop("suitcase, luggage, bag, backpack, suitcases", "held"),
    "headphones": Prop("headphones, headset, earphones", "worn"),
    "bicycle": Prop("bicycle, bike, bicycles, bikes, cycle", "mount"),
    "boat": Prop("boat, boats, rowing boat, rowboat, sailboat, canoe, kayak, raft, sail boat", "mount"),
    "car": Prop("car, cars, convertible, sports car, taxi, truck, van", "mount"),
    "skateboard": Prop("skateboard, skateboards, skate", "mount"),
    "piano": Prop("piano, pianos, keyboard, synth, synthesizer, keys", "ground"),
    "drums": Prop("drums, drum kit, drum set, drummer", "ground"),
    "campfire": Prop("campfire, camp fire, bonfire, fire, fireplace", "ground"),
    "tent": Prop("tent, tents, camp, camping", "ground"),
    "bench": Prop("bench, park bench, benches", "ground"),
    "street lamp": Prop("street lamp, streetlamp, lamp post, lamppost, street light, streetlight", "ground"),
    "telescope": Prop("telescope, telescopes", "ground"),
    "dog": Prop("dog, dogs, puppy, puppies, hound", "ground"),
    "cat": Prop("cat, cats, kitten, kittens", "ground"),
    "birds": Prop("birds, bird, seagulls, doves, flock of birds, crows", "sky"),
    "fireworks": Prop("fireworks, firework, sparklers", "sky"),
}  # fmt: skip

ACTIONS: dict[str, str] = {
    "stand": "stand, stands, standing, waits, waiting, wait",
    "walk": "walk, walks, walking, stroll, strolling, wander, wandering, wanders, stroll",
    "run": "run, runs, running, racing, sprint, sprinting, chase, chasing",
    "sit": "sit, sits, sitting, seated",
    "lie": "lie, lies, lying, lying down, lay, laying, sleeping, asleep",
    "dance": "dance, dances, dancing, twirl, twirling, spin, spinning",
    "jump": "jump, jumps, jumping, leap, leaping, bounce, bouncing",
    "sing": "sing, sings, singing, performs, performing, croon",
    "play guitar": "play guitar, plays guitar, playing guitar, playing the guitar, strumming, strums",
    "play piano": "play piano, plays piano, playing piano, playing the piano, playing keys",
    "play drums": "play drums, plays drums, playing drums, playing the drums, drumming",
    "fish": "fish, fishes, fishing, casting a line, cast a line",
    "ride": "ride, rides, riding, cycling, cycle, biking, skateboarding, skating, rowing, sailing",
    "drive": "drive, drives, driving, cruising, road trip",
    "hug": "hug, hugs, hugging, embrace, embracing, embraces, cuddle",
    "hold hands": "hold hands, holding hands, hand in hand, hands held",
    "look up": "look up, looks up, looking up, gazing up, stargazing, gaze at the sky, watching the sky",
    "look down": "look down, looks down, looking down, slump, slumps, slumped, hangs their head, mourn",
    "wave": "wave, waves, waving, greet, greeting",
    "reach": "reach, reaches, reaching, reaching out, reaching for",
    "read": "read, reads, reading",
    "float": "float, floats, floating, drift, drifting, weightless, fly, flying",
    "sway": "sway, sways, swaying, rocking, lean, leaning",
    "cheer": "cheer, cheers, cheering, celebrate, celebrating, raise their arms, arms raised",
}
EXPRESSIONS: dict[str, str] = {
    "joyful": "joyful, happy, smiling, smile, laughing, laugh, cheerful, delighted, grinning",
    "sad": "sad, sorrowful, crying, tearful, downcast, melancholic, heartbroken, gloomy, lonely",
    "calm": "calm, neutral, serene, peaceful, relaxed, content, quiet, gentle",
    "angry": "angry, furious, scowling, enraged, raging, defiant",
    "dreamy": "dreamy, eyes closed, dreaming, lost in thought, wistful, nostalgic",
    "surprised": "surprised, amazed, astonished, awed, wonder, in awe, wide eyed",
    "fierce": "fierce, determined, intense, focused, bold, confident, epic",
    "tender": "tender, loving, in love, affectionate, romantic, longing",
}
FRAMINGS: dict[str, str] = {
    "wide": "wide, wide shot, long shot, establishing shot, full shot, extreme wide",
    "medium": "medium, medium shot, mid shot, waist shot, cowboy shot, two shot",
    "close-up": "close-up, close up, closeup, portrait, tight shot, extreme close-up",
}
MOVES: dict[str, str] = {
    "static": "static, locked off, still, fixed, tripod",
    "slow push-in": "slow push-in, push-in, push in, dolly in, zoom in, fast push-in",
    "pull back": "pull back, pull out, dolly out, zoom out, reveal",
    "pan left": "pan left",
    "pan right": "pan right, pan, tracking shot, tracking, follow, truck",
    "crane up": "crane up, tilt up, rise, rising, ascend",
    "crane down": "crane down, tilt down, descend",
    "orbit": "orbit, arc, circling, 360",
    "handheld": "handheld, hand-held, shaky, documentary",
    "whip pan": "whip pan, whip",
    "drift": "drift, slow drift, floating camera",
}
LOOKS: dict[str, str] = {
    "flat": "flat, flat vector, vector, minimal, minimalist, clean, simple, motion graphics",
    "watercolor": "watercolor, watercolour, watercolors, watercolours, ink wash, aquarelle",
    "neon": "neon, neon lit, glowing, cyberpunk, synthwave, outrun, blade runner, 80s, retro neon",
    "noir": "noir, film noir, black and white, monochrome, b&w, black-and-white",
    "anime": "anime, manga, ghibli, cel shaded, cel-shaded, cartoon",
    "pixel art": "pixel art, pixel, pixelated, 8 bit, 16 bit, 8-bit, 16-bit, retro game",
    "retro film": "retro film, vhs, vintage, super 8, film grain, grainy, old film, 35mm, 16mm, lo fi, lofi, 90s, home video",
    "pastel": "pastel, pastels, soft pastel, vaporwave, candy colours, candy colors",
    "ink": "ink, comic, comic book, graphic novel, ink drawing, line art, pen and ink, halftone",
    "oil painting": "oil painting, oil paint, painterly, impressionist, brush strokes",
    "lyric video": "lyric video, lyrics video, lyric-video, karaoke, lyrics on screen, sing along, sing-along, kinetic typography",
}  # fmt: skip

VOCABULARIES: dict[str, dict] = {
    "place": PLACES,
    "time": TIMES,
    "weather": WEATHERS,
    "prop": PROPS,
    "action": ACTIONS,
    "expression": EXPRESSIONS,
    "framing": FRAMINGS,
    "move": MOVES,
    "look": LOOKS,
}

# What an action is done with: the prop it needs to read as that action.
ACTION_PROPS: dict[str, str] = {
    "fish": "fishing rod",
    "sing": "microphone",
    "play guitar": "guitar",
    "play piano": "piano",
    "play drums": "drums",
    "read": "book",
    "drive": "car",
}

# Activities: a phrase that names both what the characters do and what they hold or use.
ACTIVITIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "fishing": ("fish", ("fishing rod",)),
    "riding a bicycle": ("ride", ("bicycle",)),
    "riding bicycles": ("ride", ("bicycle",)),
    "riding bikes": ("ride", ("bicycle",)),
    "riding a bike": ("ride", ("bicycle",)),
    "cycling": ("ride", ("bicycle",)),
    "biking": ("ride", ("bicycle",)),
    "skateboarding": ("ride", ("skateboard",)),
    "rowing": ("ride", ("boat",)),
    "sailing": ("ride", ("boat",)),
    "driving": ("drive", ("car",)),
    "road trip": ("drive", ("car",)),
    "playing guitar": ("play guitar", ("guitar",)),
    "playing the guitar": ("play guitar", ("guitar",)),
    "strumming": ("play guitar", ("guitar",)),
    "playing piano": ("play piano", ("piano",)),
    "playing the piano": ("play piano", ("piano",)),
    "playing drums": ("play drums", ("drums",)),
    "playing the drums": ("play drums", ("drums",)),
    "drumming": ("play drums", ("drums",)),
    "reading": ("read", ("book",)),
    "camping": ("sit", ("tent", "campfire")),
    "stargazing": ("look up", ("telescope",)),
    "flying a kite": ("run", ("kite",)),
    "flying kites": ("run", ("kite",)),
    "singing": ("sing", ("microphone",)),
    "walking the dog": ("walk", ("dog",)),
    "walking a dog": ("walk", ("dog",)),
}


# ------------------------------------------------------------------------- reading phrases


def _phrases(kind: str, name: str) -> list[str]:
    entry = VOCABULARIES[kind][name]
    text = entry if isinstance(entry, str) else entry.phrases
    return [name, *(p.strip() for p in text.split(",") if p.strip())]


@cache
def _pattern(kind: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex of every phrase of a vocabulary, longest first, and phrase -> name."""
    names: dict[str, str] = {}
    for name in VOCABULARIES[kind]:
        for phrase in _phrases(kind, name):
            names.setdefault(_normal(phrase), name)
    alternatives = sorted(names, key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"[\s-]+") for p in alternatives)
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])"), names


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("’", "'").replace("-", " ")).strip()


def find(kind: str, text: str) -> list[str]:
    """Every name of vocabulary `kind` that `text` mentions, in order of first mention."""
    pattern, names = _pattern(kind)
    found = [names[_normal(m.group(0))] for m in pattern.finditer(_normal(text))]
    return list(dict.fromkeys(found))


def name_of(kind: str, text: str) -> str | None:
    """The name a phrase means: itself when it is one, else the first one it mentions; of
    two named back to back the second is the noun ("a mountain lake" is a lake)."""
    if text in VOCABULARIES[kind]:
        return text
    pattern, names = _pattern(kind)
    lowered = _normal(text)
    matches = list(pattern.finditer(lowered))
    if not matches:
        return None
    first = matches[0]
    for later in matches[1:]:
        if lowered[first.end() : later.start()].strip():
            break
        first = later
    return names[_normal(first.group(0))]


def activities(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """The (action, props) of every activity the text names, in order."""
    lowered = _normal(text)
    hits = [
        (m.start(), value)
        for phrase, value in ACTIVITIES.items()
        for m in re.finditer(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", lowered)
    ]
    return list(dict.fromkeys(value for _, value in sorted(hits)))


# ------------------------------------------------------------------------- shots as words


def setting_text(setting: Setting) -> str:
    """ "a calm lake ringed by trees at golden hour, in the rain" """
    place = PLACES.get(setting["place"])
    text = place.text if place else setting["place"]
    time = setting["time"]
    when = {"day": "by day", "night": "at night"}.get(time, f"at {time}")
    weather = {"clear": "", "rain": ", in the rain", "snow": ", in falling snow",
               "fog": ", in fog", "wind": ", in the wind", "storm": ", in a storm"}.get(
        setting["weather"], f", {setting['weather']}")  # fmt: skip
    return f"{text} {when}{weather}"


def setting_key(setting: Setting) -> str:
    """ "lake, golden hour, fog": one key per setting, for references of its look."""
    return f"{setting['place']}, {setting['time']}, {setting['weather']}"


def view_key(shot: Shot) -> str:
    """ "lake, golden hour, fog, view 1": the shot's setting seen from its view."""
    return f"{setting_key(shot['setting'])}, view {shot.get('view', 0)}"


def camera_text(shot: Shot) -> str:
    """ "medium shot, slow push-in" """
    framing = shot["camera"]["framing"]
    return (
        f"{framing} shot, {shot['camera']['move']}"
        if framing in FRAMINGS
        else (f"{framing}, {shot['camera']['move']}")
    )


def subject_text(shot: Shot, characters: dict[str, Character]) -> list[str]:
    """One line per character on screen: who, doing what, looking how."""
    lines = []
    for subject in shot["subjects"]:
        who = characters.get(subject["character"])
        name = who["name"] if who else subject["character"]
        lines.append(f"{name} — {subject['action']}, {subject['expression']}")
    return lines


def shot_text(shot: Shot, characters: dict[str, Character]) -> str:
    """Every field of the shot as short labelled lines (what a prompt is built from)."""
    parts = [
        f"Setting: {setting_text(shot['setting'])}.",
        *(f"{line}." for line in subject_text(shot, characters)),
    ]
    if shot["props"]:
        parts.append("With: " + ", ".join(shot["props"]) + ".")
    parts += [
        f"Camera: {camera_text(shot)}.",
        f"Lighting: {shot['lighting']}.",
        f"Mood: {shot['mood']}.",
    ]
    return " ".join(parts)


# ------------------------------------------------------------------------- building shots


def make_shot(
    place: str,
    *,
    time: str,
    weather: str = "clear",
    view: int = 0,
    subjects: list[Subject] | None = None,
    props: list[str] | None = None,
    framing: str = "wide",
    move: str = "static",
    lighting: str = "",
    mood: str = "",
    description: str = "",
    kind: str = "story",
) -> Shot:
    """A shot from its fields; the description defaults to the setting's words."""
    setting: Setting = {"place": place, "time": time, "weather": weather}
    return {
        "kind": kind,
        "setting": setting,
        "view": view,
        "subjects": list(subjects or []),
        "props": list(props or []),
        "camera": {"framing": framing, "move": move},
        "lighting": lighting,
        "mood": mood,
        "description": description or setting_text(setting),
    }


def subject(character: str, action: str = "stand", expression: str = "calm") -> Subject:
    return {"character": character, "action": action, "expression": expression}
