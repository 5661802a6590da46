"""The look tables of the template writer: palettes per mood and style, media, lighting, camera
language and moves, and what the cast is made of (skin, hair, outfits, accents, garments).

Tables only: `tools.writing.template` chooses from them, the plan edits restyle with them, the
evals pick palettes from them.
"""

from typing import NamedTuple

# ------------------------------------------------------------------------- style tables


class Swatch(NamedTuple):
    hex: str
    name: str


Palette = tuple[Swatch, Swatch, Swatch, Swatch, Swatch]  # deep, dark, mid, accent, highlight


def _palette(*pairs: tuple[str, str]) -> Palette:
    deep, dark, mid, accent, highlight = (Swatch(h, n) for h, n in pairs)
    return (deep, dark, mid, accent, highlight)


MOOD_PALETTES: dict[str, Palette] = {
    "melancholic": _palette(
        ("#0f1a2b", "midnight blue"),
        ("#243b55", "slate blue"),
        ("#5b7083", "rain grey"),
        ("#d9a441", "lamplight amber"),
        ("#e8eef2", "mist white"),
    ),
    "joyful": _palette(
        ("#264653", "deep teal"),
        ("#2a9d8f", "sea green"),
        ("#e9c46a", "saffron"),
        ("#e76f51", "coral"),
        ("#fff3d6", "cream"),
    ),
    "energetic": _palette(
        ("#10002b", "ink violet"),
        ("#3c096c", "electric purple"),
        ("#7b2cbf", "vivid violet"),
        ("#ff006e", "hot magenta"),
        ("#ffbe0b", "amber flash"),
    ),
    "dark": _palette(
        ("#0b0b0f", "near black"),
        ("#1f1d2b", "charcoal violet"),
        ("#3e3a4f", "smoke grey"),
        ("#8b1e3f", "blood crimson"),
        ("#c9c5d1", "ash"),
    ),
    "dreamy": _palette(
        ("#2d1e4f", "deep indigo"),
        ("#5a4e8c", "dusk lavender"),
        ("#a39fd8", "periwinkle"),
        ("#f6a6c1", "rose pink"),
        ("#fdf0f5", "blush white"),
    ),
    "romantic": _palette(
        ("#3a0f1f", "wine"),
        ("#7a1f3d", "burgundy"),
        ("#c9706f", "dusty rose"),
        ("#e8b04a", "candle gold"),
        ("#fbe3d7", "peach cream"),
    ),
    "angry": _palette(
        ("#120404", "scorched black"),
        ("#4a0d0d", "oxblood"),
        ("#8c1c13", "brick red"),
        ("#ff4d00", "flame orange"),
        ("#ffd6a0", "ember glow"),
    ),
    "calm": _palette(
        ("#102a2c", "deep pine"),
        ("#2f5d62", "sea green"),
        ("#7fa99b", "sage"),
        ("#e5c07b", "soft sun"),
        ("#f3f1e7", "linen"),
    ),
    "nostalgic": _palette(
        ("#2e2118", "sepia brown"),
        ("#6b4f3a", "walnut"),
        ("#b08968", "faded tan"),
        ("#e07a5f", "faded coral"),
        ("#f2e3c6", "old paper"),
    ),
    "epic": _palette(
        ("#0a0f1e", "night navy"),
        ("#1b2a49", "storm blue"),
        ("#4d648d", "steel blue"),
        ("#f2a541", "sunburst gold"),
        ("#fdf6e3", "bright ivory"),
    ),
    "mysterious": _palette(
        ("#0b1320", "abyss blue"),
        ("#1c2e4a", "deep slate"),
        ("#3f5e5a", "moss teal"),
        ("#7fdbca", "ghost mint"),
        ("#d8e2dc", "pale fog"),
    ),
    "hopeful": _palette(
        ("#1d3557", "dawn navy"),
        ("#457b9d", "morning blue"),
        ("#a8dadc", "pale aqua"),
        ("#f4a261", "sunrise orange"),
        ("#f1faee", "soft white"),
    ),
}

# Visual styles that come with their own colours; the others keep the mood's palette.
STYLE_PALETTES: dict[str, Palette] = {
    "neon": _palette(
        ("#07020f", "black violet"),
        ("#1a0b3b", "deep purple"),
        ("#2d3bff", "electric blue"),
        ("#ff2a6d", "neon pink"),
        ("#05d9e8", "neon cyan"),
    ),
    "noir": _palette(
        ("#050505", "ink black"),
        ("#2b2b2b", "charcoal"),
        ("#5a5a5a", "graphite grey"),
        ("#b3001b", "lipstick red"),
        ("#e6e6e6", "silver white"),
    ),
    "pastel": _palette(
        ("#5e548e", "muted violet"),
        ("#9f86c0", "lilac"),
        ("#b8e0d2", "mint"),
        ("#f7a1c4", "candy pink"),
        ("#fff5e1", "vanilla"),
    ),
    "retro": _palette(
        ("#140f2d", "night purple"),
        ("#3f2e8c", "grid violet"),
        ("#f433ab", "retro magenta"),
        ("#ff9b42", "sunset orange"),
        ("#ffe66d", "chrome yellow"),
    ),
    "psychedelic": _palette(
        ("#1b0036", "deep purple"),
        ("#5f0f40", "plum"),
        ("#0fa3b1", "acid teal"),
        ("#fb8b24", "tangerine"),
        ("#e8f745", "acid yellow"),
    ),
    "vaporwave": _palette(
        ("#2b1055", "deep purple"),
        ("#7597de", "periwinkle blue"),
        ("#ff71ce", "vapor pink"),
        ("#01cdfe", "aqua"),
        ("#fffb96", "pale yellow"),
    ),
    "cyberpunk": _palette(
        ("#0d0221", "void black"),
        ("#261447", "deep violet"),
        ("#0f4c75", "night teal"),
        ("#ff3864", "laser red"),
        ("#2de2e6", "cyber cyan"),
    ),
    "vintage film": _palette(
        ("#2b2118", "umber"),
        ("#5c4a3d", "worn brown"),
        ("#9c8a72", "khaki"),
        ("#c8553d", "faded red"),
        ("#efe6d2", "film white"),
    ),
    "watercolor": _palette(
        ("#2f4858", "blue-grey ink"),
        ("#33658a", "wash blue"),
        ("#86bbd8", "pale sky"),
        ("#f6ae2d", "saffron wash"),
        ("#fdf8ef", "paper white"),
    ),
}

STYLE_MEDIA = {
    "neon": "neon-lit 2D animation with glowing outlines on deep darkness",
    "watercolor": "hand-painted watercolor animation on textured paper",
    "noir": "high-contrast black-and-white film noir animation with a single colour accent",
    "pastel": "soft pastel 2D animation with rounded shapes",
    "retro": "1980s synthwave neon illustration with scanlines and a glowing grid horizon",
    "anime": "cel-shaded anime with clean line art",
    "cinematic": "cinematic live-action look, anamorphic 35mm film",
    "minimal": "minimal flat vector animation with generous negative space",
    "psychedelic": "psychedelic liquid neon animation with kaleidoscopic patterns",
    "vaporwave": "vaporwave collage animation in glossy pastel gradients",
    "cyberpunk": "cyberpunk neon 2D animation with holographic signs and hard reflections",
    "pixel art": "crisp 16-bit pixel art animation",
    "comic": "comic-book animation with bold ink outlines and halftone shading",
    "oil painting": "painterly animation in thick oil painting strokes",
    "vintage film": "animation with the look of faded 16mm retro film, grain and light leaks",
    "glitch": "digital neon animation with glitch artefacts and RGB split",
}
# The medium of each look of tools.shots.LOOKS (each names its look).
LOOK_MEDIA = {
    "flat": "bright flat vector animation with bold simple shapes",
    "watercolor": STYLE_MEDIA["watercolor"],
    "neon": STYLE_MEDIA["neon"],
    "noir": STYLE_MEDIA["noir"],
    "anime": STYLE_MEDIA["anime"],
    "pixel art": STYLE_MEDIA["pixel art"],
    "retro film": "retro film animation with the grain, faded colour and light leaks of 16mm",
    "pastel": STYLE_MEDIA["pastel"],
    "ink": "ink drawing animation with bold outlines and halftone shading",
    "oil painting": STYLE_MEDIA["oil painting"],
    "lyric video": "a lyric video: the sung lines in large type, lit word by word, over a calm, "
    "softly blurred backdrop",
}
# The look a mood suggests when the request names none.
MOOD_LOOKS = {
    "melancholic": "watercolor",
    "calm": "watercolor",
    "nostalgic": "retro film",
    "dreamy": "pastel",
    "dark": "noir",
    "mysterious": "noir",
    "energetic": "neon",
    "joyful": "flat",
    "romantic": "oil painting",
    "angry": "ink",
    "epic": "oil painting",
    "hopeful": "anime",
}
MOOD_LIGHTING = {
    "melancholic": "low, cold light with one warm lamp as the only accent",
    "joyful": "bright warm light with soft shadows",
    "energetic": "pulsing coloured light that flashes on the beat",
    "dark": "low-key light, deep shadows, thin rim light",
    "dreamy": "diffuse glowing light with soft bloom",
    "romantic": "warm golden light with soft highlights",
    "angry": "harsh hard light with red flashes",
    "calm": "soft, even natural light",
    "nostalgic": "warm faded light, as in an old photograph",
    "epic": "dramatic backlight with long light shafts",
    "mysterious": "dim, shifting light through fog",
    "hopeful": "clear light that grows warmer over the video",
}
STYLE_LIGHTING = {
    "neon": "neon glow and coloured rim light against darkness",
    "noir": "hard low-key light with long hard shadows",
    "retro": "saturated magenta and orange tones with neon edges",
    "cyberpunk": "neon signs and wet reflections",
    "vintage film": "warm, slightly overexposed light with light leaks",
}
CALM_MOODS = frozenset({"melancholic", "dreamy", "romantic", "calm", "nostalgic", "mysterious"})
DYNAMIC_MOODS = frozenset({"energetic", "angry", "joyful"})  # the rest move at a moderate pace
CAMERA_LANGUAGE = {
    "calm": "slow, gliding camera moves and long held shots",
    "moderate": "steady, flowing camera moves that follow the phrases of the music",
    "dynamic": "energetic camera moves and quick cuts on the beat",
}

# ------------------------------------------------------------------------- camera moves

# Names of tools.shots.MOVES. A section at least DYNAMIC_ENERGY loud gets a dynamic move.
CALM_MOVES = ("slow push-in", "pan left", "crane up", "static", "pan right", "pull back")
DYNAMIC_MOVES = ("orbit", "handheld", "whip pan", "crane down", "pan right", "crane up")

# ------------------------------------------------------------------------- characters

MAX_CHARACTERS = 4
ORDINALS = ("First", "Second", "Third", "Fourth")
CONTRAST = 30.0  # the least CIE76 distance of outfit and accent from every palette colour
DISTINCT = 20.0  # the least distance between two characters' outfits

SKIN_TONES = (
    Swatch("#f1c7a5", "light"),
    Swatch("#c99a6e", "olive"),
    Swatch("#a8704a", "warm brown"),
    Swatch("#e0ac82", "fair"),
    Swatch("#6f4429", "deep brown"),
    Swatch("#8d5a3b", "bronze"),
)
HAIR_TONES = (
    Swatch("#1a1410", "black"),
    Swatch("#3b2416", "dark brown"),
    Swatch("#6a3b20", "chestnut"),
    Swatch("#d9b56b", "blonde"),
    Swatch("#8d3a1c", "auburn"),
    Swatch("#b8b8b8", "silver-grey"),
)
ROBOT_PLATING = (
    Swatch("#9aa3ad", "brushed steel"),
    Swatch("#e6e8ea", "white enamel"),
    Swatch("#b58b3a", "brass"),
)
ROBOT_CREST = Swatch("#2b2f36", "graphite")

# Colours (COLORS words) each figure tries first for its outfit and accent, in order.
OUTFIT_CHOICES = {
    "astronaut": ("white", "orange", "red", "yellow", "cyan"),
    "singer": ("red", "gold", "white", "emerald", "magenta", "cyan"),
    "dancer": ("hot pink", "yellow", "cyan", "red", "lime", "white"),
    "robot": ("orange", "yellow", "red", "cyan", "white"),
    "person": ("red", "yellow", "orange", "white", "cyan", "emerald"),
}
ACCENT_CHOICES = ("amber", "cyan", "yellow", "lime", "magenta", "white", "red", "azure", "black")

DEFAULT_GARMENTS = {
    "person": "long coat",
    "singer": "stage jacket",
    "dancer": "loose dance outfit",
    "astronaut": "spacesuit",
    "robot": "chest shell",
}
# {outfit} is the coloured garment with its article ("an orange spacesuit"), {an_accent} the
# accent colour with its article ("an amber").
FIGURE_LOOKS = {
    "person": "with {hair} hair and {skin} skin, wearing {outfit} and {an_accent} scarf",
    "singer": "with {hair} hair and {skin} skin, in {outfit}, holding {an_accent} microphone",
    "dancer": "with {hair} hair tied back and {skin} skin, in {outfit} with {accent} sneakers",
    "astronaut": (
        "in {outfit} with {an_accent} visor and shoulder stripes, "
        "{skin} skin and {hair} hair behind the glass"
    ),
    "robot": (
        "with a slender humanoid frame of {skin} plating, {outfit}, "
        "a {hair} head crest and glowing {accent} eyes"
    ),
}
SMALL_WORDS = frozenset({"a", "an", "the", "in", "of", "with", "and", "on", "at"})
