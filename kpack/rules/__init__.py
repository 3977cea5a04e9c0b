"""Rules per document kind. Each module defines its rules and a checker."""
