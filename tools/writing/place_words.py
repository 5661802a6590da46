"""How stories name the places of `tools.shots.PLACES`, and which place the music evokes.

The offline listener and writer tell a place with these phrases ("by a calm lake", "by the
lake"), and a writer reading a story finds the place again with `shots.find("place", text)` (a
test checks that round trip for every place). Content labels of the taggers evoke a place, and
sometimes a time of day and a weather.
"""

from typing import NamedTuple

from tools import shots
from tools.types import Setting


class Scenery(NamedTuple):
    at: str  # the place after a verb, first mention: "stands by a calm lake"
    again: str  # the place mentioned again: "by the lake"
    title: str  # for titles: "Still Water by the Lake"


SCENERY: dict[str, Scenery] = {
    "lake": Scenery("by a calm lake", "by the lake", "by the Lake"),
    "river": Scenery("along a winding river", "by the river", "down the River"),
    "forest": Scenery("in a forest of tall trees", "in the forest", "in the Forest"),
    "meadow": Scenery("in a wide green meadow", "in the meadow", "in the Meadow"),
    "snowfield": Scenery("on a snowy plain", "out on the snowfield", "across the Snowfield"),
    "street": Scenery("on a busy city street", "on the street", "on the Street"),
    "rooftop": Scenery("on a rooftop above the city", "on the rooftop", "over the Rooftops"),
    "skyline": Scenery("before the glowing city skyline", "under the city lights", "over the City"),
    "beach": Scenery("on a sandy beach", "on the beach", "on the Beach"),
    "sea": Scenery("out on the open sea", "out at sea", "across the Sea"),
    "island": Scenery("on a small island", "on the island", "on the Island"),
    "desert": Scenery("among desert dunes", "among the dunes", "across the Desert"),
    "mountains": Scenery("high in the mountains", "up on the mountain", "in the Mountains"),
    "space": Scenery("in outer space", "among the planets", "among the Planets"),
    "starfield": Scenery("on a hill under a starry sky", "under the stars", "under the Stars"),
    "underwater": Scenery("underwater", "deep underwater", "under the Sea"),
    "stage": Scenery("on a concert stage", "on the stage", "under the Spotlights"),
    "club": Scenery("on a crowded dance floor", "on the dance floor", "on the Dance Floor"),
    "room": Scenery("in a small room", "in the room", "in a Quiet Room"),
    "cafe": Scenery("in a cosy cafe", "in the cafe", "at the Cafe"),
    "road": Scenery("on an open road", "on the road", "on the Open Road"),
    "train": Scenery("aboard a train", "on the train", "on the Last Train"),
    "park": Scenery("in a city park", "in the park", "in the Park"),
    "bridge": Scenery("on a bridge over dark water", "on the bridge", "across the Bridge"),
    "waterfall": Scenery("beside a jungle waterfall", "by the waterfall", "by the Waterfall"),
}  # fmt: skip


class Evoked(NamedTuple):
    place: str  # a name of shots.PLACES
    time: str | None = None  # a name of shots.TIMES it implies
    weather: str | None = None  # a name of shots.WEATHERS it implies


# content label (tools/tagging/vocab/content.txt) -> what it evokes
CONTENT_SCENERY: dict[str, Evoked] = {
    "city at night": Evoked("skyline", "night"),
    "neon city streets": Evoked("street", "night"),
    "city rooftop": Evoked("rooftop"),
    "rainy street": Evoked("street", None, "rain"),
    "rainy window": Evoked("room", "night", "rain"),
    "open road": Evoked("road"),
    "highway at night": Evoked("road", "night"),
    "desert": Evoked("desert"),
    "canyon": Evoked("desert", "dusk"),
    "ocean waves": Evoked("sea"),
    "beach at sunset": Evoked("beach", "sunset"),
    "tropical island": Evoked("island", "day"),
    "underwater": Evoked("underwater"),
    "outer space": Evoked("space"),
    "starry sky": Evoked("starfield", "night"),
    "moonlight": Evoked("lake", "night"),
    "forest": Evoked("forest"),
    "jungle": Evoked("waterfall", "day"),
    "mountains": Evoked("mountains"),
    "waterfall": Evoked("waterfall", "day"),
    "snowfall": Evoked("snowfield", None, "snow"),
    "frozen lake": Evoked("snowfield", "dusk"),
    "thunderstorm": Evoked("street", None, "storm"),
    "flower meadow": Evoked("meadow", "day"),
    "countryside": Evoked("meadow"),
    "sunrise": Evoked("mountains", "sunrise"),
    "summer day": Evoked("park", "day"),
    "campfire": Evoked("forest", "night"),
    "dance floor": Evoked("club"),
    "nightclub": Evoked("club"),
    "concert stage": Evoked("stage"),
    "festival crowd": Evoked("stage"),
    "fireworks": Evoked("skyline", "night"),
    "empty room": Evoked("room"),
    "bedroom": Evoked("room"),
    "cafe": Evoked("cafe"),
    "train window": Evoked("train"),
    "old photographs": Evoked("room"),
    "childhood memories": Evoked("park", "day"),
    "heartbreak": Evoked("street", None, "rain"),
    "chase": Evoked("street", "night"),
    "battle": Evoked("mountains"),
    "spaceship": Evoked("space"),
    "robots and machines": Evoked("skyline", "night"),
}

# Where a figure belongs: an astronaut is not drawn in a bedroom. Figures not listed go anywhere.
FIGURE_SCENERY: dict[str, tuple[str, ...]] = {
    "astronaut": (
        "space", "starfield", "desert", "underwater", "snowfield", "mountains", "beach", "sea",
    ),
}  # fmt: skip
FIGURE_HOME = {
    "astronaut": "space",
    "singer": "stage",
    "dancer": "club",
    "robot": "skyline",
    "person": "road",
}


def fits(place: str, figure: str) -> bool:
    """Whether `place` suits `figure`."""
    return place in FIGURE_SCENERY.get(figure, (place,))


def home_places(content: list[str], figure: str, *, limit: int = 2) -> list[Evoked]:
    """Up to `limit` distinct places that content labels ranked best first evoke.

    Places that do not suit the figure are skipped; with none left, the figure's home.
    """
    places: dict[str, Evoked] = {}
    for label in content:
        evoked = CONTENT_SCENERY.get(label)
        if evoked and evoked.place not in places and fits(evoked.place, figure):
            places[evoked.place] = evoked
    picked = list(places.values())[:limit]
    return picked or [Evoked(FIGURE_HOME.get(figure, "road"))]


def spread(keys: list[str], n: int) -> list[str]:
    """`n` items that walk through `keys` in contiguous blocks (a journey)."""
    return [keys[min(i * len(keys) // n, len(keys) - 1)] for i in range(n)]


def setting_text(place: str, time_of_day: str | None) -> str:
    """A place of shots.PLACES in words, at `time_of_day` or the place's own time."""
    setting: Setting = {
        "place": place,
        "time": time_of_day or shots.PLACES[place].time,
        "weather": "clear",
    }
    return shots.setting_text(setting)
