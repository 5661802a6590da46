"""Role `critic` (and the `judge`): do the clips keep the look and the characters?"""
