"""The commands: what `kpack check`, `fix`, `provision`, `build`, `rules` do.

`kpack.cli` turns the command line into one typed request per command and calls the
command's `run(request) -> ExitStatus`; the exit-code policy is `kpack.status`. Nothing
here imports Typer, so a command can be called from Python as the command line calls it.
"""
