"""``python -m pmkit.generate OUT_DIR ...`` (the same as ``pmkit generate``)."""

from pmkit.generate import main

if __name__ == "__main__":
    raise SystemExit(main())
