"""Property tests of the CPM engine on random DAGs (hypothesis)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmkit.calendar import Calendar
from pmkit.schedule import schedule_network

CAL = Calendar.from_spec(holidays=["2024-01-10", "2024-02-14"])
START = pd.Timestamp("2024-01-08 08:00")


@st.composite
def networks(draw, types=("FS", "SS", "FF", "SF"), max_lag=3):
    n = draw(st.integers(2, 25))
    dur = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    edges = draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    rows = []
    for a, b in sorted(edges):
        if a < b:
            rows.append(
                {
                    "pred_uid": a,
                    "succ_uid": b,
                    "type": draw(st.sampled_from(types)),
                    "lag_min": 480.0 * draw(st.integers(0, max_lag)),
                }
            )
    tasks = pd.DataFrame({"uid": range(n), "duration_min": [480.0 * d for d in dur]})
    links = pd.DataFrame(rows, columns=["pred_uid", "succ_uid", "type", "lag_min"])
    return tasks, links


def sched(tasks, links):
    return schedule_network(tasks, links, calendar=CAL, project_start=START)


def wm(x) -> np.ndarray:
    return CAL.to_working_minutes(pd.to_datetime(pd.Series(x)).to_numpy())


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(networks())
def test_es_before_ls_and_float_non_negative(net) -> None:
    t = sched(*net).tasks
    assert (wm(t["early_start"]) <= wm(t["late_start"])).all()
    assert (t["total_slack_min"] >= 0).all()
    assert (t["free_slack_min"] >= 0).all()
    assert (t["free_slack_min"] <= t["total_slack_min"]).all()


@SETTINGS
@given(networks())
def test_critical_chain_spans_the_project(net) -> None:
    s = sched(*net)
    t = s.tasks.set_index("uid")
    last = t.index[wm(t["early_finish"]) == wm([s.finish])[0]]
    assert len(last) and t.loc[last, "critical"].all()
    chain = s.driving_chain(last[0])
    first = chain[-1][0]
    # the chain starts at the project start and every step is a zero-float link
    assert wm([t.loc[first, "early_start"]])[0] == wm([START])[0]
    assert all(c[3] <= 0 for c in chain[:-1])


@SETTINGS
@given(networks(), st.data())
def test_adding_a_link_never_shortens_the_project(net, data) -> None:
    tasks, links = net
    before = sched(tasks, links).finish
    n = len(tasks)
    a = data.draw(st.integers(0, n - 2))
    b = data.draw(st.integers(a + 1, n - 1))
    extra = pd.DataFrame(
        [
            {
                "pred_uid": a,
                "succ_uid": b,
                "type": data.draw(st.sampled_from(["FS", "SS", "FF", "SF"])),
                "lag_min": 0.0,
            }
        ]
    )
    after = sched(tasks, pd.concat([links, extra], ignore_index=True)).finish
    assert wm([after])[0] >= wm([before])[0]


@SETTINGS
@given(networks())
def test_matches_textbook_longest_path(net) -> None:
    """Project length in working minutes equals a networkx longest path of the same DAG."""
    tasks, links = net
    s = sched(tasks, links)
    dur = tasks["duration_min"].to_numpy()
    g = nx.DiGraph()
    g.add_nodes_from(range(len(tasks)))
    for r in links.itertuples(index=False):
        g.add_edge(r.pred_uid, r.succ_uid, type=r.type, lag=r.lag_min)
    es = {}
    for v in nx.topological_sort(g):
        c = [0.0]
        for p, _, d in g.in_edges(v, data=True):
            base = es[p] + (dur[p] if d["type"] in ("FS", "FF") else 0) + d["lag"]
            c.append(base - (dur[v] if d["type"] in ("FF", "SF") else 0))
        es[v] = max(c)
    length = max(es[v] + dur[v] for v in es)
    assert wm([s.finish])[0] - wm([START])[0] == length
