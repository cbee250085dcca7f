"""``python -m corskit``: the ``corskit`` command."""

from corskit.cli import main

raise SystemExit(main())
