"""The pieces of the offline procedural video backend (see tools/video_procedural.py)."""
