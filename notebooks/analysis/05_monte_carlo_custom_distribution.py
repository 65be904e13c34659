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
# # Monte Carlo schedule risk with a distribution of your own
#
# `simulate_project` draws each task's duration from its three-point estimate (beta-PERT or
# triangular) and reports the spread of the finish. When your organisation has its own view of
# uncertainty (here: *most tasks go to plan, but one in five hits a snag that costs 10-60 %
# extra*), draw the durations yourself and let the project's network do the scheduling:
# `project_network(...).forward(durations)` computes every run's early dates at once.

# %%
import numpy as np
import pandas as pd

import pmkit

p = pmkit.load_sample()
project_id = p.project_ids[0]
network = pmkit.project_network(p, project_id)
pert = pmkit.simulate(network, runs=2000, seed=1)
pert.percentiles()

# %% [markdown]
# ## The custom distribution
# Durations are in working minutes, one row per task, one column per run. Each task keeps
# its most likely duration, and with probability 0.2 takes a snag of 10-60 % on top.

# %%
rng = np.random.default_rng(1)
runs = 2000
base = network.most_likely[:, None] * np.ones((1, runs))
snag = rng.random(base.shape) < 0.2
extra = rng.uniform(0.10, 0.60, base.shape)
durations = base * np.where(snag, 1 + extra, 1.0)

early = network.forward(durations)  # (early starts; early finishes) stacked
finish = network.finish_of(early)  # the project's own tasks
days = (finish - network.deterministic_finish()) / (8 * 60)
custom = pd.Series(days).quantile([0.5, 0.8, 0.9]).rename("days after the plan's finish")
custom

# %% [markdown]
# Compare the two views at P80 (the finish date you would commit to with 80 % confidence):

# %%
pert_p80 = (np.percentile(pert.finish, 80) - pert.deterministic_finish) / (8 * 60)
print(f"PERT P80: {pert_p80:+.1f} working days; snag model P80: {custom.loc[0.8]:+.1f} working days")
