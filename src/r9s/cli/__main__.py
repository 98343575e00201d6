import sys

from r9s.cli.main import main

sys.exit(main())
