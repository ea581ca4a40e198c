// Replaced by the pipeline.
