"""`kpack check --fix`: repairs that rules attach to their findings, applied to the text.

The fix model (`Fix`, `Edit`, `RenameKey`, `SetValue`) is `kpack.fixes`, and
`kpack.load.resolve` turns a rule's repair into text edits, when it can prove them safe.
Here: `apply` runs the passes over a file, `verify` proves each pass did what its fixes
promised and nothing else, `write` reads the file and writes it back by kpack's writer
rules, `diff` shows what `--diff` would change, escaped and with secrets masked.
"""
