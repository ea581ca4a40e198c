// Replaced by the importer implementations.
