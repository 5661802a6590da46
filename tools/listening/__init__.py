"""Role `listener` (pipeline 2): a story sketch from listening to the song."""
