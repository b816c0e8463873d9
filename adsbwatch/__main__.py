import sys

from .receiver.cli import main

sys.exit(main())
