// Replaced by the GPU importers.
