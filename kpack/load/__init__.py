"""Stage 1: read files into documents whose every value has a source position."""
