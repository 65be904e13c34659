# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Import a Microsoft Project file
#
# pmkit reads MS Project's XML format (MSPDI, "Save as XML" in Project) natively, and .mpp,
# Primavera .xer and others through MPXJ (`pip install 'pmkit[mpxj]'` and a Java runtime).
# `example_plan.xml` beside this notebook is a small MSPDI file; put your own file's path
# in `path`.

# %%
from pathlib import Path

import pmkit

path = Path("example_plan.xml")
plan = pmkit.read_project_file(path)  # MSPDI here; .mpp/.xer go through MPXJ
plan.tasks[["uid", "name", "duration_min", "is_summary", "ms_early_start", "ms_early_finish"]]

# %% [markdown]
# ## Recompute the schedule and compare with Project's own dates
# `schedule_mspdi` schedules the file from its inputs (durations, links, calendars,
# constraints) and ignores the dates Project stored, so the two can be compared.

# %%
s = pmkit.schedule_mspdi(plan)
ms = plan.tasks.set_index("uid")[["ms_early_start", "ms_early_finish"]]
compare = s.tasks.set_index("uid")[["name", "early_start", "early_finish", "critical"]].join(ms)
compare["same_finish"] = compare["early_finish"] == compare["ms_early_finish"]
compare

# %% [markdown]
# ## Add it to the portfolio
# `import_schedule` validates the file as a new project of the portfolio (nothing is written
# until you call `write_portfolio`), so the roll-up can include it.

# %%
p = pmkit.load_sample()
merged = pmkit.import_schedule(path, into=p, project_id="P99", name="Imported plan")
roll = pmkit.rollup(merged)
roll[roll["project_id"] == "P99"][["project_id", "name", "percent_complete", "forecast_finish"]]
