import sys

try:
    from kpack.launch import run
except KeyboardInterrupt:  # Ctrl-C (or SIGINT) while starting: no traceback either
    sys.stderr.write("kpack: interrupted\n")
    sys.exit(130)

run()
