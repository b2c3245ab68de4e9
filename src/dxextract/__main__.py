import sys

from dxextract.cli import main

sys.exit(main())
