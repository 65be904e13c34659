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
# # What-if sweep: the critical chain's durations from -20 % to +20 %
#
# `what_if` re-schedules a project with changed durations (a factor per task) and compares it
# with the plan. Sweeping one factor over every critical task shows how sensitive the finish
# is, and where the critical path shifts to other tasks (then the finish stops following).

# %%
import altair as alt
import pandas as pd

import pmkit

p = pmkit.load_sample()
project_id = p.project_ids[0]
plan = pmkit.schedule_project(p, project_id)
chain = plan.critical_path()
print(f"{project_id}: {len(chain)} critical tasks, planned finish {plan.finish:%d %b %Y}")

# %%
rows = []
for factor in (0.8, 0.9, 1.0, 1.1, 1.2):
    result = pmkit.what_if(
        p, project_id, duration_changes={uid: factor for uid in chain}, before=plan
    )
    rows.append(
        {
            "change": f"{factor - 1:+.0%}",
            "factor": factor,
            "finish": result.finish_after,
            "finish_delta_days": result.finish_delta_days,
        }
    )
sweep = pd.DataFrame(rows)
sweep

# %% [markdown]
# The chart: finish shift (working days) against the duration change. A straight line means
# the same chain stays critical across the range.

# %%
alt.Chart(sweep).mark_line(point=True).encode(
    x=alt.X("factor:Q", title="Duration factor on the critical chain", axis=alt.Axis(format="%")),
    y=alt.Y("finish_delta_days:Q", title="Finish shift (working days)"),
    tooltip=["change", "finish:T", "finish_delta_days:Q"],
).properties(width=420, height=240, title=f"{project_id}: finish vs critical-chain durations")
