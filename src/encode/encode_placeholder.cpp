// Replaced by the encoders.
