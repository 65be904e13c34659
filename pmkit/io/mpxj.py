"""Other project files (MPP, MPX, XER, Primavera P6 XML, Phoenix, ...) through MPXJ.

MPXJ reads dozens of scheduling formats; we let it convert a file to MSPDI and read that with
:func:`pmkit.io.mspdi.read_mspdi`, so one reader owns the mapping to pmkit's tables. MPXJ is
optional (``pip install 'pmkit[mpxj]'``) because it needs a Java runtime.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from pmkit.errors import MpxjUnavailableError, MspdiError, PmkitError
from pmkit.io.mspdi import MspdiProject, read_mspdi

__all__ = ["JVM_QUIET_LOGGING", "MPXJ_SUFFIXES", "mpxj_available", "read_project_file", "start_jvm"]

#: File endings MPXJ reads that pmkit hands to it (MSPDI ``.xml`` is read natively).
MPXJ_SUFFIXES = frozenset(
    {".mpp", ".mpt", ".mpx", ".xer", ".pmxml", ".pp", ".pod", ".gan", ".planner", ".ppx",
     ".fts", ".cdpx", ".sp", ".schedule_grid", ".zip"}
)  # fmt: skip


def mpxj_available() -> bool:
    """True when the optional ``mpxj`` package and a Java runtime are both present."""
    try:
        import jpype  # noqa: F401
        import mpxj  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None


#: JVM options: MPXJ's libraries log through the Log4j API, which has no provider on MPXJ's
#: class path and says so on stderr at the first log call ("main ERROR Log4j API could not
#: find a logging provider") -- a user reads ERROR on a successful import. Bind the API to its
#: own simple logger, switched off, and silence its status logger: problems still surface as
#: Java exceptions, which pmkit reports with the file's name.
JVM_QUIET_LOGGING = (
    "-Dlog4j.provider=org.apache.logging.log4j.simple.internal.SimpleProvider",  # Log4j >= 2.24
    "-Dlog4j2.loggerContextFactory=org.apache.logging.log4j.simple.SimpleLoggerContextFactory",
    "-Dlog4j2.simplelogLevel=OFF",
    "-Dlog4j2.statusLoggerLevel=OFF",
)


def start_jvm() -> None:
    """Start the JVM for MPXJ once, with quiet logging (:data:`JVM_QUIET_LOGGING`)."""
    import jpype
    import mpxj  # noqa: F401  (puts MPXJ's jars on the class path)

    if not jpype.isJVMStarted():
        jpype.startJVM(*JVM_QUIET_LOGGING, convertStrings=True)


def _convert_to_mspdi(src: Path, dst: Path) -> None:
    start_jvm()
    from org.mpxj.mspdi import MSPDIWriter
    from org.mpxj.reader import UniversalProjectReader

    project = UniversalProjectReader().read(str(src))
    if project is None:
        raise MspdiError("MPXJ does not recognise this file's format", file=str(src))
    MSPDIWriter().write(project, str(dst))


def read_project_file(path: str | Path) -> MspdiProject:
    """Read any schedule file: MSPDI natively, the other formats through MPXJ.

    Raises
    ------
    MpxjUnavailableError
        The format needs MPXJ and Java, and one of them is missing.
    MspdiError
        The file cannot be read; the message names the file.
    """
    src = Path(path)
    if not src.exists():
        raise PmkitError("file not found", file=str(src))
    if src.suffix.lower() == ".xml":
        return read_mspdi(src)
    if src.suffix.lower() not in MPXJ_SUFFIXES:
        raise PmkitError(
            "unknown schedule file type",
            file=str(src),
            value=src.suffix,
            expected=".xml (MSPDI) or one of " + ", ".join(sorted(MPXJ_SUFFIXES)),
        )
    if not mpxj_available():
        raise MpxjUnavailableError(
            "reading this format needs MPXJ and Java: pip install 'pmkit[mpxj]' and a JRE",
            file=str(src),
        )
    with tempfile.TemporaryDirectory(prefix="pmkit-mpxj-") as tmp:
        out = Path(tmp) / (src.stem + ".xml")
        try:
            _convert_to_mspdi(src, out)
        except PmkitError:
            raise
        except Exception as exc:  # Java exceptions carry the reason in their message
            raise MspdiError(f"MPXJ could not read the file: {exc}", file=str(src)) from exc
        project = read_mspdi(out)
    project.path = str(src)
    return project
