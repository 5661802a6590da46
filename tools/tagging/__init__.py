"""Role `tagger` (pipeline 1): style, content and emotion labels for the song and its segments."""
