"""`kpack check --fix`: repairs that rules attach to their findings, applied to the text.

`model` holds the light types every finding may carry (imported by `kpack.diagnostics`);
`resolve` turns a rule's repair, written against JSON pointers, into text edits of the
file; `apply` runs the passes over a file and writes it back.
"""
