"""Audio in: the song loaded and analysed (beats, sections, curves), given sections, demo song."""
