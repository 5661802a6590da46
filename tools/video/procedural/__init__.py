"""The pieces of the offline procedural video backend (see tools/video/procedural_video.py)."""
