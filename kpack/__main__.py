import sys

from kpack.cli import main

sys.exit(main())
