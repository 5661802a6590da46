"""Drawable settings: the places a scene can happen, and which place each content label evokes.

The keys are the settings that `tools.request` understands ("in the desert" -> "desert"). The
offline listener and writer describe places with these texts, and a writer reading a story
finds the place again by parsing the text with `parse_request` (a test checks that round trip).
"""

from typing import NamedTuple


class Scenery(NamedTuple):
    setting: str  # concrete and drawable: what a renderer paints
    at: str  # the place after a verb, first mention: "stands on a city rooftop at night"
    again: str  # the place mentioned again: "on the rooftop"
    title: str  # for titles: "Blue Hour over the City"
    has_time: bool  # the text already fixes the time of day


SCENERY: dict[str, Scenery] = {
    "city at night": Scenery(
        "a city rooftop at night above a glowing skyline",
        "on a city rooftop at night",
        "on the rooftop",
        "over the City",
        True,
    ),
    "rainy street": Scenery(
        "a rain-soaked street at night, neon signs mirrored in puddles",
        "in a rain-soaked street",
        "in the rain",
        "in the Rain",
        True,
    ),
    "open road": Scenery(
        "an empty open road running straight to the horizon",
        "on an empty open road",
        "on the road",
        "on the Open Road",
        False,
    ),
    "desert": Scenery(
        "a desert of rolling dunes under a huge sky",
        "among desert dunes",
        "among the dunes",
        "across the Desert",
        False,
    ),
    "ocean shore": Scenery(
        "an ocean shore where long waves break on the sand",
        "on an ocean shore",
        "on the shore",
        "by the Shore",
        False,
    ),
    "underwater": Scenery(
        "underwater, shafts of light falling through drifting particles",
        "underwater",
        "deep underwater",
        "in the Deep",
        False,
    ),
    "outer space": Scenery(
        "outer space, drifting among the stars above a pale planet",
        "in outer space",
        "among the stars",
        "among the Stars",
        True,
    ),
    "forest": Scenery(
        "a forest of tall pines, light falling through the branches",
        "in a forest of tall pines",
        "in the woods",
        "in the Forest",
        False,
    ),
    "mountains": Scenery(
        "a mountain ridge above a sea of clouds",
        "on a mountain ridge",
        "up on the mountain",
        "above the Clouds",
        False,
    ),
    "stage": Scenery(
        "a concert stage in spotlights, haze drifting over the crowd",
        "on a concert stage",
        "on the stage",
        "under the Spotlights",
        True,
    ),
    "dance floor": Scenery(
        "a dance floor in a club, strobes sweeping over the crowd",
        "on a crowded dance floor",
        "on the dance floor",
        "on the Dance Floor",
        True,
    ),
    "room": Scenery(
        "a small bedroom lit by a lamp, a tall window beside the bed",
        "in a small bedroom",
        "in the room",
        "behind the Window",
        False,
    ),
    "meadow": Scenery(
        "a wide flower meadow in open countryside",
        "in a wide flower meadow",
        "in the meadow",
        "in the Meadow",
        False,
    ),
    "snowfield": Scenery(
        "a white snowfield under slowly falling snow",
        "on a white snowfield",
        "in the snow",
        "in the Snow",
        False,
    ),
}

# content label (tools/vocab/content.txt) -> (setting key, time of day it implies or None)
CONTENT_SCENERY: dict[str, tuple[str, str | None]] = {
    "city at night": ("city at night", None),
    "neon city streets": ("rainy street", None),
    "city rooftop": ("city at night", None),
    "rainy street": ("rainy street", None),
    "rainy window": ("room", "night"),
    "open road": ("open road", None),
    "highway at night": ("open road", "night"),
    "desert": ("desert", None),
    "canyon": ("desert", "dusk"),
    "ocean waves": ("ocean shore", None),
    "beach at sunset": ("ocean shore", "dusk"),
    "tropical island": ("ocean shore", "day"),
    "underwater": ("underwater", None),
    "outer space": ("outer space", None),
    "starry sky": ("outer space", None),
    "moonlight": ("meadow", "night"),
    "forest": ("forest", None),
    "jungle": ("forest", "day"),
    "mountains": ("mountains", None),
    "waterfall": ("forest", "day"),
    "snowfall": ("snowfield", None),
    "frozen lake": ("snowfield", "dusk"),
    "thunderstorm": ("rainy street", None),
    "flower meadow": ("meadow", "day"),
    "countryside": ("meadow", None),
    "sunrise": ("mountains", "dawn"),
    "summer day": ("meadow", "day"),
    "campfire": ("forest", "night"),
    "dance floor": ("dance floor", None),
    "nightclub": ("dance floor", None),
    "concert stage": ("stage", None),
    "festival crowd": ("stage", None),
    "fireworks": ("city at night", None),
    "empty room": ("room", None),
    "bedroom": ("room", None),
    "cafe": ("room", "day"),
    "train window": ("open road", None),
    "old photographs": ("room", None),
    "childhood memories": ("meadow", "day"),
    "heartbreak": ("rainy street", None),
    "chase": ("city at night", None),
    "battle": ("mountains", None),
    "spaceship": ("outer space", None),
    "robots and machines": ("city at night", None),
}

# Where a figure belongs: an astronaut is not drawn in a bedroom. Figures not listed go anywhere.
FIGURE_SCENERY: dict[str, tuple[str, ...]] = {
    "astronaut": ("outer space", "desert", "underwater", "snowfield", "mountains", "ocean shore"),
}
FIGURE_HOME = {
    "astronaut": "outer space",
    "singer": "stage",
    "dancer": "dance floor",
    "robot": "city at night",
    "person": "open road",
}

TIME_PHRASES = {"night": "at night", "dusk": "at dusk", "dawn": "at dawn", "day": "in daylight"}


def fits(key: str, figure: str) -> bool:
    """Whether setting `key` suits `figure`."""
    return key in FIGURE_SCENERY.get(figure, (key,))


def home_settings(
    content: list[str], figure: str, *, limit: int = 2
) -> list[tuple[str, str | None]]:
    """Up to `limit` distinct (setting key, time) pairs for content labels ranked best first.

    Settings that do not suit the figure are skipped; with none left, the figure's home.
    """
    places: dict[str, str | None] = {}
    for label in content:
        key, time = CONTENT_SCENERY.get(label, (None, None))
        if key is not None and key not in places and fits(key, figure):
            places[key] = time
    picked = list(places.items())[:limit]
    return picked or [(FIGURE_HOME.get(figure, "open road"), None)]


def spread(keys: list[str], n: int) -> list[str]:
    """`n` section settings that walk through `keys` in contiguous blocks (a journey)."""
    return [keys[min(i * len(keys) // n, len(keys) - 1)] for i in range(n)]


def setting_text(key: str, time_of_day: str | None) -> str:
    """The drawable setting, with the time of day unless the place already fixes one."""
    scenery = SCENERY[key]
    if time_of_day is None or scenery.has_time:
        return scenery.setting
    return f"{scenery.setting}, {TIME_PHRASES[time_of_day]}"
