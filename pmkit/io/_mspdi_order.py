"""The order of MSPDI records' children in Microsoft's schema (each record is an
``xs:sequence``; Project validates a file against it). Taken from MPXJ's classes generated
from the schema (joniles/mpxj, ``org/mpxj/mspdi/schema/Project.java``, ``propOrder``), the
assignment's enterprise custom fields left out."""

from __future__ import annotations

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

SEQUENCE: dict[str, tuple[str, ...]] = {
    "Task": tuple(_TASK.split()),
    "Resource": tuple(_RESOURCE.split()),
    "Assignment": tuple(_ASSIGNMENT.split()),
}

#: tag -> position, per record
POSITION: dict[str, dict[str, int]] = {
    rec: {tag: i for i, tag in enumerate(seq)} for rec, seq in SEQUENCE.items()
}
