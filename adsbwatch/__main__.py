import sys

from adsbwatch.receiver.cli.main import main

sys.exit(main())
