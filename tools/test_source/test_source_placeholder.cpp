// Replaced by the test source.
