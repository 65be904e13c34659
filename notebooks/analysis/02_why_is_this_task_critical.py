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
# # Schedule one project and ask why a task is critical
#
# `schedule_project` runs the critical path method (CPM) on one project of the portfolio:
# forward and backward passes over the links, on the project's working calendar. The result
# holds early/late dates and float for every task, and the *driving* links (those with zero
# float) that explain each date.

# %%
import pmkit

p = pmkit.load_sample()
project_id = p.project_ids[0]
s = pmkit.schedule_project(p, project_id)
print(f"{project_id}: start {s.start:%d %b %Y}, finish {s.finish:%d %b %Y}")

# %% [markdown]
# ## The critical path
# Critical tasks have no total float: any delay on them delays the finish. Float is stored in
# working minutes; divide by the minutes of a working day to read it in days.

# %%
minutes_per_day = 8 * 60
critical = s.tasks[s.tasks["critical"] & ~s.tasks["is_summary"]].copy()
critical["float_days"] = critical["total_slack_min"] / minutes_per_day
critical.sort_values("early_start")[["uid", "name", "early_start", "early_finish", "float_days"]]

# %% [markdown]
# ## Why is the last critical task critical?
# `driving_chain(uid)` follows the driving links backwards to the project start: each step
# names the predecessor that sets the date, the link type and its lag. That chain *is* the
# answer to "why does this task start then?".

# %%
import pandas as pd

last = s.critical_path()[-1]
chain = pd.DataFrame(s.driving_chain(last), columns=["uid", "link_type", "lag_min", "link_float_min"])
names = s.tasks.set_index("uid")["name"]
chain.insert(1, "name", chain["uid"].map(names))
chain

# %% [markdown]
# ## And a task that is *not* critical?
# The one with the most float: how many working days it may slip before it moves the finish.

# %%
free = s.tasks[~s.tasks["is_summary"]].sort_values("total_slack_min").iloc[-1]
print(f"{free['uid']} {free['name']!r}: {free['total_slack_min'] / minutes_per_day:.1f} days of float")
