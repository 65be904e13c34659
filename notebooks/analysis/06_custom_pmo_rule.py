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
# # A PMO rule of your own
#
# The RAG colours come from the PMO's `standards.yaml`: each dimension has a main test and
# may have extra tests on any roll-up column. Here the PMO adds one: *a project with 2 or more
# open high risks is at least amber on risk, with 4 or more red*. Nothing in pmkit's code
# changes: the rule is data, and every dashboard and report shows it with its reason.

# %%
import copy
import dataclasses

import pmkit

p = pmkit.load_sample()
before = pmkit.rollup(p)
pmkit.standards_of(p).rule_table()

# %% [markdown]
# ## Add the rule
# The standards are a plain dict on the portfolio. Copy it, add the test, and build a
# portfolio with the new standards (the original stays as it was). In a PMO's folder you
# would add the same two lines to `standards.yaml`:
#
# ```yaml
# rag:
#   risk:
#     open_high_risks: {amber: 2, red: 4}
# ```

# %%
standards = copy.deepcopy(p.standards)
standards["rag"]["risk"]["open_high_risks"] = {"amber": 2, "red": 4}
p2 = dataclasses.replace(p, standards=standards)
after = pmkit.rollup(p2)
rules = pmkit.standards_of(p2).rule_table()
rules[rules["dimension"] == "risk"]

# %% [markdown]
# ## What changed
# The projects whose risk colour moved, with the sentence that explains the new colour.

# %%
changed = before[["project_id", "open_high_risks", "rag_risk"]].merge(
    after[["project_id", "rag_risk", "risk_rule"]], on="project_id", suffixes=("_before", "")
)
changed[changed["rag_risk_before"] != changed["rag_risk"]]

# %% [markdown]
# ## A mistake is caught, with its place
# A typo in a rule is reported naming the file and the key, never silently ignored.

# %%
broken = copy.deepcopy(p.standards)
broken["rag"]["risk"]["open_high_risks"] = {"amber": "two"}
try:
    pmkit.standards_of(dataclasses.replace(p, standards=broken))
except pmkit.PmkitError as exc:
    print(exc)
