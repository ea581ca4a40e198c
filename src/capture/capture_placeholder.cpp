// Replaced by the capture implementation.
