"""Other project files (MPP, MPX, XER, Primavera P6 XML, Phoenix, ...) through MPXJ.

MPXJ reads dozens of scheduling formats; we let it convert a file to MSPDI and read that with
:func:`pmkit.io.mspdi.read_mspdi`, so one reader owns the mapping to pmkit's tables. MPXJ is
optional (``pip install 'pmkit[mpxj]'``) because it needs a Java runtime.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pmkit.calendar import whole_days
from pmkit.errors import MpxjUnavailableError, MspdiError, PmkitError
from pmkit.io._schedule_text import check_schedule_text
from pmkit.io.mspdi import MspdiProject, read_mspdi

__all__ = [
    "JVM_QUIET_LOGGING",
    "MPXJ_SUFFIXES",
    "P6_SUFFIXES",
    "is_p6_xml",
    "mpxj_available",
    "p6_read_fixes",
    "read_project_file",
    "start_jvm",
]

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


def _convert_to_mspdi(src: Path, dst: Path, *, p6: bool = False) -> list[str]:
    """Write ``src`` as MSPDI to ``dst``; returns notes on how it was read."""
    start_jvm()
    from org.mpxj.mspdi import MSPDIWriter
    from org.mpxj.reader import UniversalProjectReader

    notes: list[str] = []
    try:
        project = UniversalProjectReader().read(str(src))
    except Exception:
        if src.suffix.lower() != ".mpx":
            raise
        project, locale = _read_mpx_in_another_language(src)
        notes.append(f"read as an MPX file written in language {locale!r}")
    if project is None:
        raise MspdiError("MPXJ does not recognise this file's format", file=str(src))
    if p6 or src.suffix.lower() in P6_SUFFIXES:
        p6_read_fixes(project)
    MSPDIWriter().write(project, str(dst))
    return notes


def _read_mpx_in_another_language(src: Path) -> tuple[Any, str]:
    """An MPX file from a German (French, ...) Project: its words (``Ja``/``Nein``, ``NV``,
    ``Mittel``) are its language's, and MPXJ reads English unless told. Each language MPXJ
    knows is tried, in its order, after English failed; none reading it re-raises English's
    error (the one that names the line)."""
    from org.mpxj.mpx import MPXReader

    first: Exception | None = None
    for locale in MPXReader.getSupportedLocales():
        reader = MPXReader()
        reader.setLocale(locale)
        try:
            return reader.read(str(src)), str(locale)
        except Exception as exc:  # the next language
            first = first or exc
    assert first is not None
    raise first


#: Primavera P6 files: roles and budgets are P6's, read by :func:`p6_read_fixes`.
P6_SUFFIXES = frozenset({".xer", ".pmxml"})
P6_XML_ROOT = b"<APIBusinessObjects"
"""The root element of a P6 XML file; P6 itself names its exports ``.xml``."""


def is_p6_xml(path: Path) -> bool:
    """A ``.xml`` file whose root is P6's (sniffed in its first 4 KB, after the declaration):
    P6 exports are ``*.xml``, so the ending alone sent them to the MSPDI reader, which
    refused them ("not a Microsoft Project XML file")."""
    with open(path, "rb") as fh:
        return P6_XML_ROOT in fh.read(4096)


def p6_read_fixes(project: Any) -> None:
    """What MPXJ reads from a P6 file but does not hand on to MSPDI, made MSPDI's:

    - the project's name is its title;
    - a resource's role is its primary role (MSPDI: Group); a role no assignment uses is not
      a resource (P6 keeps roles beside resources; MPXJ lists both);
    - an activity's budget is P6's Budgeted Total Cost: its assignments' planned costs plus
      its expenses' (MSPDI: the baseline cost, when the file's baseline has none); a WBS
      node's is the sum of its activities'.
    """
    from java.lang import Double

    props = project.getProjectProperties()
    if not str(props.getProjectTitle() or "") and str(props.getName() or ""):
        props.setProjectTitle(props.getName())  # P6's project name is MSPDI's title
    for r in list(project.getResources()):
        role = r.getPrimaryRole()
        if not r.getRole() and role is not None and not str(r.getGroup() or ""):
            r.setGroup(role.getName())
    used = {int(a.getResourceUniqueID() or 0) for a in project.getResourceAssignments()}
    for r in list(project.getResources()):
        if r.getRole() and int(r.getUniqueID() or 0) not in used:
            project.removeResource(r)

    def planned(task: Any) -> float:
        if task.hasChildTasks():
            return sum(planned(c) for c in task.getChildTasks())
        cost = sum(float(a.getPlannedCost() or 0) for a in task.getResourceAssignments())
        cost += sum(float(e.getPlannedCost() or 0) for e in task.getExpenseItems())
        if not float(task.getBaselineCost() or 0) and cost:
            task.setBaselineCost(Double(round(cost, 2)))
        return float(task.getBaselineCost() or 0)

    for task in project.getChildTasks():
        planned(task)
    _p6_summary(project)


def _p6_summary(project: Any) -> None:
    """The project summary (MSPDI's task UID 0) with the baseline project's start, finish
    and budget: pmkit reads the project's baseline finish there."""
    from java.lang import Double, Integer

    base = project.getBaselines().get(Integer(0))
    if base is None or project.getTaskByUniqueID(Integer(0)) is not None:
        return
    props = base.getProjectProperties()
    start, finish = props.getStartDate(), props.getFinishDate()
    if start is None or finish is None:
        return
    tasks = list(project.getChildTasks())
    summary = project.addTask()
    summary.setUniqueID(Integer(0))
    summary.setID(Integer(0))
    summary.setOutlineLevel(Integer(0))
    summary.setSummary(True)
    summary.setName(project.getProjectProperties().getProjectTitle())
    summary.setBaselineStart(start)
    summary.setBaselineFinish(finish)
    summary.setBaselineCost(Double(sum(float(t.getBaselineCost() or 0) for t in tasks)))


def _refuse_cut_text(src: Path) -> None:
    """An MPX file is text, one record per line, each ended by a line break. MPXJ reads a
    file cut in the middle of a record (a partial download or copy) without a word and pmkit
    imported the tasks before the cut: half a project. A last line without its end is refused.
    """
    if src.suffix.lower() != ".mpx":
        return
    with open(src, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        if size == 0:
            return  # MPXJ says it does not know the format
        fh.seek(size - 1)
        if fh.read(1) in (b"\n", b"\r"):
            return
    raise MspdiError(
        "the file ends in the middle of a record: it looks cut off (a partial download or "
        "copy); nothing was imported",
        file=str(src),
        expected="a complete MPX file (every record ends with a line break)",
    )


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
    p6_xml = src.suffix.lower() == ".xml" and src.is_file() and is_p6_xml(src)
    if src.suffix.lower() == ".xml" and not p6_xml:
        return read_mspdi(src)
    if src.suffix.lower() not in MPXJ_SUFFIXES and not p6_xml:
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
    _refuse_cut_text(src)
    # impossible dates, a cut file: MPXJ reads them leniently (pmkit/io/_schedule_text.py)
    notes = check_schedule_text(src, p6_xml=p6_xml)
    with tempfile.TemporaryDirectory(prefix="pmkit-mpxj-") as tmp:
        out = Path(tmp) / (src.stem + ".xml")
        try:
            notes += _convert_to_mspdi(src, out, p6=p6_xml)
        except PmkitError:
            raise
        except Exception as exc:  # Java exceptions carry the reason in their message
            raise MspdiError(f"MPXJ could not read the file: {exc}", file=str(src)) from exc
        try:
            project = read_mspdi(out)
        except PmkitError as exc:  # about the user's file, not pmkit's temporary MSPDI copy
            if exc.file == str(out):
                exc.file = str(src)
            raise
    project.path = str(src)
    project.notes[:0] = notes
    if src.suffix.lower() == ".mpx":
        _mpx_whole_days(project)
    return project


_FINISH_CONSTRAINTS = ("MFO", "FNET", "FNLT")


def _mpx_whole_days(project: MspdiProject) -> None:
    """An MPX file written with dates only (``09/10/2026``, no time of day) names whole days,
    which MPXJ reads as midnight. Project reads such a start as the start of that day's work
    and a finish as its end: an actual start at midnight showed a task starting at 00:00, and
    a finish constraint (MFO, FNET, FNLT) at midnight meant the previous working day's end.
    Files that write times (any start or finish not at midnight) are left as written."""
    t = project.tasks
    stored = pd.concat([pd.to_datetime(t[c]) for c in ("ms_start", "ms_finish") if c in t])
    stored = stored.dropna()
    if not len(stored) or (stored != stored.dt.normalize()).any():
        return
    cals = {**project.calendars, "": project.calendar}  # "": the project's own calendar
    cal_id = t["calendar_id"].map(lambda c: str(c) if str(c) in project.calendars else "")
    finish_constraint = t["constraint_type"].isin(_FINISH_CONSTRAINTS).to_numpy()
    # a milestone's actual dates are one instant, the day's end (as the portfolio reads them)
    zero = ((t["duration_min"].fillna(0) <= 0) & ~t["is_summary"].astype(bool)).to_numpy()
    t["actual_start"] = whole_days(t["actual_start"], cal_id, cals, finish=zero)
    t["actual_finish"] = whole_days(t["actual_finish"], cal_id, cals, finish=True)
    ends = whole_days(t["constraint_date"], cal_id, cals, finish=True)
    # a start constraint keeps midnight: the same working minute as the day's first start
    t["constraint_date"] = np.where(finish_constraint, ends, pd.to_datetime(t["constraint_date"]))
