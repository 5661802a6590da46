"""The clips and the song assembled into the final video."""
