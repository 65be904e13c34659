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
# # Earned value and earned schedule for a programme
#
# Each project reports planned value (PV), earned value (EV) and actual cost (AC) at every
# status report (the `snapshots` table). `evm_series` turns one project's reports into the
# classic indices (SPI = EV / PV, CPI = EV / AC, EAC...) and Lipke's earned schedule (ES: the
# date when the plan expected today's EV; SPI(t) = ES / AT), which stays meaningful late in a
# project when SPI drifts back to 1.

# %%
import pandas as pd

import pmkit

p = pmkit.load_sample()
programme = p.projects["programme"].value_counts().index[0]
members = p.projects.loc[p.projects["programme"] == programme, "project_id"].tolist()
print(f"{programme}: {members}")

# %% [markdown]
# ## The latest report of each project

# %%
latest = []
for pid in members:
    series = pmkit.evm_series(p, pid)
    if len(series):
        latest.append(series.iloc[-1].rename(pid))
latest = pd.DataFrame(latest)
latest[["report_date", "pv", "ev", "ac", "bac", "spi", "cpi", "spi_t", "eac"]]

# %% [markdown]
# ## The programme as one project
# Indices do not add up, their inputs do: sum PV, EV, AC and BAC over the projects first,
# then divide. (Averaging SPIs would weigh a small project like a large one.)

# %%
totals = latest[["pv", "ev", "ac", "bac"]].sum()
m = pmkit.evm_metrics(totals["pv"], totals["ev"], totals["ac"], totals["bac"])
print(f"programme SPI {m.spi:.2f}, CPI {m.cpi:.2f}, EAC {m.eac:,.0f} (BAC {totals['bac']:,.0f})")
# check by hand: SPI = EV / PV, CPI = EV / AC
print(f"by hand:   SPI {totals['ev'] / totals['pv']:.2f}, CPI {totals['ev'] / totals['ac']:.2f}")

# %% [markdown]
# ## One project's trend
# SPI and SPI(t) over the reports of the largest project of the programme.

# %%
big = p.projects.set_index("project_id").loc[members, "budget"].idxmax()
pmkit.evm_series(p, big)[["report_date", "spi", "spi_t", "cpi", "es_date"]]
