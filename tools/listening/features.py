"""Pipeline 2 offline: a story sketch from the song's features, standing in for an audio-language
model.

The mood comes from the request, else from the feature tagger's top emotion; the cast from the
request, else the protagonist the music suggests; the place from the request, else what the
music evokes. Each section gets one scene that plays its dramatic role (setup in the intro,
tension in verses, release in choruses, a turn in the bridge, resolution in the outro). Places,
props and actions are told in phrases of `tools.shots` (via `tools.writing.place_words` and the mood
lexicons), so a writer reading the story finds them again.
Deterministic: the same song and request always give the same story.
"""

import numpy as np

from tools import shots
from tools.errors import InvalidInputError
from tools.tagging.features import rank, song_descriptors, suggested_figure
from tools.types import Analysis, Story
from tools.writing.directing import suited
from tools.writing.place_words import home_places, spread
from tools.writing.request import Intent, mood_of, parse_request
from tools.writing.storytelling import (
    arc_phrase,
    cast_members,
    cast_phrase,
    dramatic_roles,
    logline,
    scene_sentence,
    stable_index,
    title,
)


class FeatureListener:
    """A template story driven by energy arc, sections, mood and the user's request."""

    name = "features"

    def listen(self, audio: np.ndarray, sr: int, analysis: Analysis, *, request: str) -> Story:
        """A title, logline, short story and one scene per analysis section."""
        sections = analysis["sections"]
        if not sections:
            raise InvalidInputError("the song has no sections to tell a story over")
        intent = parse_request(request)
        song = song_descriptors(analysis)
        mood = story_mood(intent, song)
        members = cast_members(intent, default_figure=suggested_figure(song))
        cast = cast_phrase(members)
        roles = dramatic_roles(sections)
        places = story_places(intent, song, figure=members[0].figure, roles=roles)
        seed = stable_index(request, round(analysis["duration"], 1), round(analysis["tempo"]))
        scenes = [
            scene_sentence(
                role,
                cast=cast,
                place=place,
                mood=mood,
                variant=seed + roles[:i].count(role),
                arriving=i == 0 or places[i - 1] != place,
            )
            for i, (role, place) in enumerate(zip(roles, places, strict=True))
        ]
        arc = arc_phrase([s["energy"] for s in sections])
        return {
            "source": self.name,
            "title": title(mood=mood, place=places[0], variant=seed),
            "logline": logline(cast=cast, place=places[0], mood=mood, arc=arc),
            "text": story_text(scenes, roles),
            "sections": scenes,
        }


def story_mood(intent: Intent, song: dict[str, float]) -> str:
    """The request's mood, else the mood family of the song's top emotion label."""
    if intent["mood"]:
        return intent["mood"]
    return mood_of(rank("emotion", song, top_k=1)[0]["label"]) or "calm"


def story_places(
    intent: Intent, song: dict[str, float], *, figure: str, roles: list[str]
) -> list[str]:
    """A place (a name of tools.shots.PLACES) per section: the request's places as a journey;
    else the place the music evokes most for setup, tension and resolution, and its second place
    for the release and the turn (the chorus goes somewhere bigger), when the music evokes a
    second one that suits the protagonist. Where the request's props make no sense (a skateboard
    among dunes) the place gives way as the writer's does (`directing.suited`), so the story
    names the place the shots show."""
    if intent["places"]:
        return spread(intent["places"], len(roles))
    content = [label["label"] for label in rank("content", song)]
    evoked = [evoked.place for evoked in home_places(content, figure, limit=2)]
    music = [*evoked, *shots.PLACES]
    home = suited(evoked[0], figure=figure, props=intent["props"], others=music)
    away = suited(
        evoked[-1], figure=figure, props=intent["props"], others=[p for p in music if p != home]
    )
    return [away if role in ("release", "turn") else home for role in roles]


def story_text(scenes: list[str], roles: list[str]) -> str:
    """The story in a few sentences: the first scene of each dramatic role, in song order."""
    firsts = [scene for i, scene in enumerate(scenes) if roles[i] not in roles[:i]]
    return " ".join(firsts)
