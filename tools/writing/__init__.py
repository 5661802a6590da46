"""Role `writer`: the request read, the script written, the shots planned on the beat grid."""
