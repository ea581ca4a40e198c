// Replaced by the sinks.
