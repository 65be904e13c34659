"""Every MSPDI file pmkit writes has its elements in the order of Microsoft's schema
(s15c). The schema (``mspdi_pj12.xsd`` and its successors) declares each record as an
``xs:sequence``: Project validates against it, so an element out of place can make it refuse
the file or drop the field.

The orders below are the schema's, as MPXJ's classes generated from it list them
(joniles/mpxj 764fe84f, ``src/main/java/org/mpxj/mspdi/schema/Project.java``, each
``@XmlType(propOrder = ...)`` with its ``@XmlElement(name = ...)``; the assignment's
enterprise custom fields ``f4040xx`` left out). Copied here, not read from pmkit, so the
check is independent of the writer.

Before (452d6ea): every exported task had ``Manual`` after ``OutlineLevel``,
``ActualDuration``/``RemainingDuration`` before ``ActualStart`` and ``ConstraintDate``
before ``CalendarUID``; a manual task's ``ManualStart`` came before its links.
"""

from __future__ import annotations

import itertools
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import pmkit
from pmkit.io.mspdi import read_mspdi, write_mspdi

DATA = Path(__file__).resolve().parents[2] / "data"
CORPUS = Path(
    os.environ.get("PMKIT_CORPUS") or Path(__file__).resolve().parents[3] / "shared" / "corpus"
)

_PROJECT = """
SaveVersion UID Name GUID Title Subject Category Company Manager Author CreationDate
Revision LastSaved ScheduleFromStart StartDate FinishDate FYStartDate CriticalSlackLimit
CurrencyDigits CurrencySymbol CurrencyCode CurrencySymbolPosition CalendarUID
DefaultStartTime DefaultFinishTime MinutesPerDay MinutesPerWeek DaysPerMonth DefaultTaskType
DefaultFixedCostAccrual DefaultStandardRate DefaultOvertimeRate DurationFormat WorkFormat
EditableActualCosts HonorConstraints EarnedValueMethod InsertedProjectsLikeSummary
MultipleCriticalPaths NewTasksEffortDriven NewTasksEstimated SplitsInProgressTasks
SpreadActualCost SpreadPercentComplete TaskUpdatesResource FiscalYearStart WeekStartDay
MoveCompletedEndsBack MoveRemainingStartsBack MoveRemainingStartsForward
MoveCompletedEndsForward BaselineForEarnedValue AutoAddNewResourcesAndTasks StatusDate
CurrentDate MicrosoftProjectServerURL Autolink NewTaskStartDate NewTasksAreManual
DefaultTaskEVMethod ProjectExternallyEdited ExtendedCreationDate ActualsInSync
RemoveFileProperties AdminProject BaselineCalendar
UpdateManuallyScheduledTasksWhenEditingLinks
KeepTaskOnNearestWorkingTimeWhenMadeAutoScheduled OutlineCodes WBSMasks ExtendedAttributes
Calendars Tasks Resources Assignments
"""

_CALENDAR = """
UID GUID Name IsBaseCalendar IsBaselineCalendar BaseCalendarUID WeekDays Exceptions
WorkWeeks
"""

_WEEKDAY = """
DayType DayWorking TimePeriod WorkingTimes
"""

_EXCEPTION = """
EnteredByOccurrences TimePeriod Occurrences Name Type Period DaysOfWeek MonthItem
MonthPosition Month MonthDay DayWorking WorkingTimes
"""

_TIMEPERIOD = """
FromDate ToDate
"""

_WORKINGTIME = """
FromTime ToTime
"""

_TASK = """
UID GUID ID Name Active Manual Type IsNull CreateDate Contact WBS WBSLevel OutlineNumber
OutlineLevel Priority Start Finish Duration DurationFormat Work Stop Resume ResumeValid
EffortDriven Recurring OverAllocated Estimated Milestone Summary DisplayAsSummary Critical
IsSubproject IsSubprojectReadOnly SubprojectName ExternalTask ExternalTaskProject EarlyStart
EarlyFinish LateStart LateFinish StartVariance FinishVariance WorkVariance FreeSlack
TotalSlack StartSlack FinishSlack FixedCost FixedCostAccrual PercentComplete
PercentWorkComplete Cost OvertimeCost OvertimeWork ActualStart ActualFinish ActualDuration
ActualCost ActualOvertimeCost ActualWork ActualOvertimeWork RegularWork RemainingDuration
RemainingCost RemainingWork RemainingOvertimeCost RemainingOvertimeWork ACWP CV
ConstraintType CalendarUID ConstraintDate Deadline LevelAssignments LevelingCanSplit
LevelingDelay LevelingDelayFormat PreLeveledStart PreLeveledFinish Hyperlink
HyperlinkAddress HyperlinkSubAddress IgnoreResourceCalendar Notes HideBar Rollup BCWS BCWP
PhysicalPercentComplete EarnedValueMethod PredecessorLink ActualWorkProtected
ActualOvertimeWorkProtected ExtendedAttribute Baseline OutlineCode IsPublished StatusManager
CommitmentStart CommitmentFinish CommitmentType StartText FinishText DurationText
ManualStart ManualFinish ManualDuration TimephasedData Project
"""

_PREDECESSORLINK = """
PredecessorUID Type CrossProject CrossProjectName LinkLag LagFormat
"""

_BASELINE = """
TimephasedData Number Interim Start Finish Duration DurationFormat EstimatedDuration Work
Cost BCWS BCWP FixedCost
"""

_RESOURCE = """
UID GUID ID Name Type IsNull Initials Phonetics NTAccount MaterialLabel Code Group WorkGroup
EmailAddress Hyperlink HyperlinkAddress HyperlinkSubAddress MaxUnits PeakUnits OverAllocated
AvailableFrom AvailableTo Start Finish CanLevel AccrueAt Work RegularWork OvertimeWork
ActualWork RemainingWork ActualOvertimeWork RemainingOvertimeWork PercentWorkComplete
StandardRate StandardRateFormat Cost OvertimeRate OvertimeRateFormat OvertimeCost CostPerUse
ActualCost ActualOvertimeCost RemainingCost RemainingOvertimeCost WorkVariance CostVariance
SV CV ACWP CalendarUID Notes BCWS BCWP IsGeneric IsInactive IsEnterprise BookingType
ActualWorkProtected ActualOvertimeWorkProtected ActiveDirectoryGUID CreationDate
ExtendedAttribute Baseline OutlineCode CostCenter IsCostResource AssnOwner AssnOwnerGuid
IsBudget AvailabilityPeriods Rates TimephasedData
"""

_ASSIGNMENT = """
UID GUID TaskUID ResourceUID PercentWorkComplete ActualCost ActualFinish ActualOvertimeCost
ActualOvertimeWork ActualStart ActualWork ACWP Confirmed Cost CostRateTable CostVariance CV
Delay Finish FinishVariance Hyperlink HyperlinkAddress HyperlinkSubAddress WorkVariance
HasFixedRateUnits FixedMaterial LevelingDelay LevelingDelayFormat LinkedFields Milestone
Notes Overallocated OvertimeCost OvertimeWork PeakUnits RateScale RegularWork RemainingCost
RemainingOvertimeCost RemainingOvertimeWork RemainingWork ResponsePending Start Stop Resume
StartVariance Summary SV Units UpdateNeeded VAC Work WorkContour BCWS BCWP BookingType
ActualWorkProtected ActualOvertimeWorkProtected CreationDate AssnOwner AssnOwnerGuid
BudgetCost BudgetWork ExtendedAttribute Baseline TimephasedData
"""

ORDER: dict[str, list[str]] = {
    "Project": _PROJECT.split(),
    "Calendar": _CALENDAR.split(),
    "WeekDay": _WEEKDAY.split(),
    "Exception": _EXCEPTION.split(),
    "TimePeriod": _TIMEPERIOD.split(),
    "WorkingTime": _WORKINGTIME.split(),
    "Task": _TASK.split(),
    "PredecessorLink": _PREDECESSORLINK.split(),
    "Baseline": _BASELINE.split(),
    "Resource": _RESOURCE.split(),
    "Assignment": _ASSIGNMENT.split(),
}


def order_errors(path: Path) -> list[str]:
    """Each element whose children break the schema's sequence or are not in it."""
    out: list[str] = []
    for el in ET.parse(path).getroot().iter():
        tag = el.tag.rsplit("}", 1)[-1]
        order = ORDER.get(tag)
        if order is None:
            continue
        kids = [k.tag.rsplit("}", 1)[-1] for k in el]
        out += [f"{tag}: {k} is not in the schema" for k in kids if k not in order]
        pos = [order.index(k) for k in kids if k in order]
        out += [f"{tag}: {order[a]} before {order[b]}" for a, b in itertools.pairwise(pos) if a > b]
    return sorted(set(out))


def test_the_check_finds_an_element_out_of_place(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(
        '<Project xmlns="http://schemas.microsoft.com/project"><Tasks><Task><UID>1</UID>'
        "<CalendarUID>-1</CalendarUID><ConstraintType>0</ConstraintType></Task></Tasks>"
        "</Project>",
        encoding="utf-8",
    )
    assert order_errors(bad) == ["Task: CalendarUID before ConstraintType"]


def test_every_exported_sample_project_is_in_schema_order(tmp_path: Path) -> None:
    p = pmkit.load_portfolio(DATA)
    errors = {}
    for pid in p.projects["project_id"]:
        errs = order_errors(pmkit.export_project(p, pid, tmp_path / f"{pid}.xml"))
        if errs:
            errors[pid] = errs
    assert not errors, errors


@pytest.mark.skipif(not (CORPUS / "mspdi").is_dir(), reason="corpus not beside the checkout")
def test_every_corpus_file_written_again_is_in_schema_order(tmp_path: Path) -> None:
    """Manual tasks, splits, resources and assignments: what pmkit writes of Project's files."""
    errors = {}
    files = sorted((CORPUS / "mspdi").glob("*.xml")) + sorted(
        (CORPUS / "mspdi-aspose").glob("*.xml")
    )
    assert len(files) > 50
    for f in files:
        out = tmp_path / f.name
        write_mspdi(read_mspdi(f), out)
        errs = order_errors(out)
        if errs:
            errors[f.name] = errs
    assert not errors, errors
