"""Lyrics: timed lines from speech recognition or a file, plain text aligned, subtitles out."""
