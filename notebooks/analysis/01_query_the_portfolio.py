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
# # Load and query the portfolio with pandas
#
# A pmkit portfolio is a set of plain pandas tables (projects, tasks, links, resources,
# snapshots, risks, change requests...) plus the PMO's standards. Everything a dashboard
# shows is a query on these tables, so you can ask your own questions in a few lines.
#
# `load_sample()` reads the sample portfolio (or the folder in `$PMKIT_DATA`); for your
# own data use `pmkit.load_portfolio("path/to/folder")` or `pmkit.load_workbook("file.xlsx")`.

# %%
import pmkit

p = pmkit.load_sample()
print(f"{len(p.projects)} projects, {len(p.tasks):,} tasks, status date {p.status_date:%d %b %Y}")
p.projects[["project_id", "name", "programme", "phase", "budget"]].head()

# %% [markdown]
# ## Budget by programme
# Ordinary pandas: group, sum, sort.

# %%
by_programme = (
    p.projects.groupby("programme")
    .agg(projects=("project_id", "size"), budget=("budget", "sum"))
    .sort_values("budget", ascending=False)
)
by_programme

# %% [markdown]
# ## Which tasks are late?
# A task is late when it should have finished by the status date (baseline finish before it)
# but is not complete. The tables are joined on `project_id`.

# %%
t = p.tasks[~p.tasks["is_summary"]]
late = t[(t["baseline_finish"] < p.status_date) & (t["percent_complete"] < 100)]
late_by_project = (
    late.groupby("project_id")
    .size()
    .rename("late_tasks")
    .to_frame()
    .join(p.projects.set_index("project_id")["name"])
    .sort_values("late_tasks", ascending=False)
)
late_by_project.head(10)

# %% [markdown]
# ## The roll-up: one row per project, with the rule behind every colour
# `rollup` computes progress, SPI/CPI, forecast finish, EAC, risk exposure and the RAG status
# of each dimension; each `*_rule` column says which rule set the colour.

# %%
roll = pmkit.rollup(p)
roll[["project_id", "spi", "cpi", "rag_overall", "overall_rule"]].sort_values("spi").head()
