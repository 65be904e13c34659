"""``python -m pmkit.generate OUT_DIR ...`` (the same as ``pmkit generate``)."""

from pmkit.generate import main

raise SystemExit(main())
