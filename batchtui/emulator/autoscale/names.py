"""The names a formula can use that Batch defines: variables, constants, functions, methods.

Sources: "Create a formula to automatically scale compute nodes in a Batch pool" (Azure Batch
documentation), its Variables, Types, Functions and Obtain-sample-data sections.
"""

from __future__ import annotations

# Read-write service-defined variables. `$TargetDedicated` and `$TargetLowPriority` are the
# documented aliases; "if both the fully named variable and its alias are set by the formula,
# the value assigned to the fully named variable will take precedence."
TARGET_DEDICATED = "$TargetDedicatedNodes"
TARGET_LOW_PRIORITY = "$TargetLowPriorityNodes"
NODE_DEALLOCATION_OPTION = "$NodeDeallocationOption"
ALIASES = {"$TargetDedicated": TARGET_DEDICATED, "$TargetLowPriority": TARGET_LOW_PRIORITY}
WRITABLE = frozenset({TARGET_DEDICATED, TARGET_LOW_PRIORITY, NODE_DEALLOCATION_OPTION, *ALIASES})

# Read-only service-defined variables: objects with the sample methods below, and the latest
# value when read as a double. The reference's table lists all but the last; `$UsableNodeCount`
# is in the current page's table by two secondary sources we read but not in any copy of the page
# itself we could read: it is accepted, unverified.
READ_ONLY = (
    "$CPUPercent", "$WallClockSeconds", "$MemoryBytes", "$DiskBytes", "$DiskReadBytes", "$DiskWriteBytes",
    "$DiskReadOps", "$DiskWriteOps", "$NetworkInBytes", "$NetworkOutBytes", "$SampleNodeCount",
    "$ActiveTasks", "$RunningTasks", "$PendingTasks", "$SucceededTasks", "$FailedTasks", "$TaskSlotsPerNode",
    "$CurrentDedicatedNodes", "$CurrentLowPriorityNodes", "$PreemptedNodeCount", "$UsableNodeCount",
)
READ_ONLY_SET = frozenset(READ_ONLY)

# `$NodeDeallocationOption`'s values, written as bare names (`$NodeDeallocationOption = taskcompletion;`).
# Read here as string constants; "requeue" is the documented default.
DEALLOCATION_OPTIONS = ("requeue", "terminate", "taskcompletion", "retaineddata")
DEFAULT_DEALLOCATION = "requeue"

# The timeinterval constants, in seconds. TimeInterval_Year is not defined by the reference:
# 365 days is decided here.
TIME_INTERVALS = {
    "TimeInterval_Zero": 0.0,
    "TimeInterval_100ns": 1e-7,
    "TimeInterval_Microsecond": 1e-6,
    "TimeInterval_Millisecond": 1e-3,
    "TimeInterval_Second": 1.0,
    "TimeInterval_Minute": 60.0,
    "TimeInterval_Hour": 3600.0,
    "TimeInterval_Day": 86400.0,
    "TimeInterval_Week": 7 * 86400.0,
    "TimeInterval_Year": 365 * 86400.0,
}

CONSTANTS = frozenset({*TIME_INTERVALS, *DEALLOCATION_OPTIONS})

# Functions and how many arguments each takes (min, max; None: any number). A doubleVecList
# argument is any number of comma-separated doubles and doubleVecs, possibly none.
# ceil/floor/round: in the current reference's function table per the sources above, not in any
# copy we could read; accepted, unverified (round: halves away from zero, as C's round()).
# There is no `count` function: counting samples is the `Count()` method.
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "avg": (0, None), "len": (0, None), "max": (0, None), "min": (0, None), "norm": (0, None),
    "range": (0, None), "std": (0, None), "sum": (0, None),
    "lg": (1, None), "ln": (1, None), "log": (1, None), "ceil": (1, None), "floor": (1, None), "round": (1, None),
    "percentile": (2, 2), "val": (2, 2), "rand": (0, 0), "stop": (0, 0), "time": (0, 1),
}

# Methods of the read-only service variables, and their argument counts.
METHODS: dict[str, tuple[int, int]] = {
    "GetSample": (1, 3),
    "GetSamplePercent": (1, 2),
    "GetSamplePeriod": (0, 0),
    "Count": (0, 0),
    "HistoryBeginTime": (0, 0),
}

# Members of a timestamp.
TIMESTAMP_MEMBERS = ("year", "month", "day", "weekday", "hour", "minute", "second")

# "The formula string cannot exceed 8 KB, can include up to 100 statements that are separated by
# semicolons". The .NET SDK states the length as 8192 characters.
MAX_FORMULA_LENGTH = 8192
MAX_STATEMENTS = 100
