// Replaced by the CPU importer.
