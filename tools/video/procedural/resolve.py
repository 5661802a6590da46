"""A shot read into what the procedural renderer can draw, with every substitution recorded.

Writers (a template, an LLM) fill shots with names of `tools.shots` or with short phrases of
their own. Here each field becomes one drawable name: itself when the renderer knows it, the
name its phrase mentions ("a misty mountain lake" -> lake), or the nearest stand-in, and then
an `Unmet` entry says what was wanted and what is drawn instead. Nothing is dropped silently.
"""

from dataclasses import dataclass, field

from tools.shots import ABSTRACT, ACTION_PROPS, PLACES, PROPS, name_of
from tools.types import Shot, StyleBible, Unmet
from tools.video.procedural import held

ATTACHED_KINDS = frozenset({"held", "worn", "mount"})
PLAYED = frozenset({"piano", "drums"})  # ground props that belong to whoever plays them


@dataclass
class SubjectPlan:
    character: str
    action: str
    expression: str
    props: list[str] = field(default_factory=list)  # attached: held, worn, ridden, played


@dataclass
class Resolved:
    place: str
    time: str
    weather: str
    look: str
    framing: str
    move: str
    subjects: list[SubjectPlan]
    props: list[str]  # props that stand in the scene by themselves
    unmet: list[Unmet]


def resolve(shot: Shot, bible: StyleBible, *, places: set[str], looks: set[str]) -> Resolved:
    """Every field of the shot as a name the renderer draws (`places` and `looks` are the
    names it has builders and treatments for)."""
    unmet: list[Unmet] = []

    def pick(element: str, wanted: str, known: set[str] | None, fallback: str) -> str:
        name = name_of(element, wanted) if wanted else None
        if name is not None and (known is None or name in known):
            return name
        if wanted and wanted != fallback:
            unmet.append({"element": element, "wanted": wanted, "drawn": fallback})
        return fallback

    setting = shot["setting"]
    place = pick("place", setting["place"], places, ABSTRACT)
    default_time = PLACES[place].time if place in PLACES else "night"
    look_text = bible.get("look") or bible.get("medium", "")
    subjects = [
        SubjectPlan(
            s["character"],
            pick("action", s["action"], None, "stand"),
            pick("expression", s["expression"], None, "calm"),
        )
        for s in shot["subjects"]
    ]
    loose = _give_props(shot["props"], subjects, unmet)
    return Resolved(
        place=place,
        time=pick("time", setting["time"], None, default_time),
        weather=pick("weather", setting["weather"], None, "clear"),
        look=pick("look", look_text, looks, "flat"),
        framing=pick("framing", shot["camera"]["framing"], None, "wide"),
        move=shot["camera"]["move"],
        subjects=subjects,
        props=loose,
        unmet=unmet,
    )


def _give_props(wanted: list[str], subjects: list[SubjectPlan], unmet: list[Unmet]) -> list[str]:
    """Hand each subject what its action needs, then the shot's held, worn and ridden props
    one per subject (the first free one); the rest stand in the scene. Returns the rest."""
    names = []
    for text in wanted:
        name = name_of("prop", text)
        if name is None:
            unmet.append({"element": "prop", "wanted": text, "drawn": ""})
        elif name not in names:
            names.append(name)
    for subject in subjects:
        need = ACTION_PROPS.get(subject.action)
        if need:
            subject.props.append(need)
            if need in names:
                names.remove(need)
    for name in list(names):
        if PROPS[name].kind not in ATTACHED_KINDS and name not in PLAYED:
            continue
        taker = _free_subject(subjects, name)
        if taker is not None:
            taker.props.append(name)
            names.remove(name)
    return names


def _free_subject(subjects: list[SubjectPlan], name: str) -> SubjectPlan | None:
    """The first subject with a free slot of the prop's kind (one held item, one mount, one
    played instrument each); a mount only carries a subject who rides or drives (else it
    stands in the scene: a boat on the water beside someone fishing from the bank), an
    instrument only goes to who plays it, and a held item only to a subject whose action
    leaves it the hands (else it stands in the scene: a kite in the sky over a cyclist)."""
    kind = "played" if name in PLAYED else PROPS[name].kind

    def slot(prop: str) -> str:
        return "played" if prop in PLAYED else PROPS[prop].kind

    order = {
        "mount": [s for s in subjects if s.action in ("ride", "drive")],
        "played": [s for s in subjects if s.action == f"play {name}"],
        "held": [s for s in subjects if len(held.FREE.get(s.action, ())) >= held.hands_for(name)],
    }.get(kind, subjects)
    for subject in order:
        if kind == "worn" or all(slot(p) != kind for p in subject.props):
            return subject
    return None
