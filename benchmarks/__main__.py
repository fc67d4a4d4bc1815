"""``python -m benchmarks``: run the suite and print its tables."""

from benchmarks.runner import main

raise SystemExit(main())
