// pmkit: a chart's data update applied as a row diff (see pmkit/ui/_rowdiff.py).
// altair removes every tuple of the dataset and inserts every row again, so Vega rebuilds every
// mark item (and, with the SVG renderer, every DOM node) of the dataset. Here the rows that did
// not change keep their tuples. Vega keeps a dataset's tuples in the order they came in and
// appends new ones, and a fresh embed has them in the order sent; the plan keeps that order
// exactly: a tuple is kept (same row), modified in place (the same row, by its first field,
// with other values) or removed, and rows after the last kept tuple are appended. The cheapest
// such plan is found by a small dynamic programme; when it costs as much as replacing every
// row, or anything is unexpected, every row is replaced, as altair does.
const pmkitRows = new WeakMap(); // dataset -> {rows, keys, ids} of the rows its tuples hold
function pmkitKeyed(rows) {
  const keys = new Array(rows.length), ids = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r === null || typeof r !== "object" || Array.isArray(r)) return null;
    keys[i] = JSON.stringify(r);
    const first = Object.keys(r)[0];
    ids[i] = first === undefined ? "" : first + "=" + JSON.stringify(r[first]);
  }
  return {rows, keys, ids};
}
function pmkitPlan(a, b) {
  // cost[i][j]: fewest changed tuples turning tuples a[i:] into rows b[j:] (keep: 0, modify the
  // same row: 1, remove: 1; rows left over are appended: 1 each)
  const n = a.keys.length, m = b.keys.length;
  if ((n + 1) * (m + 1) > 1e6) return null; // a bigger table: every row replaced
  const w = m + 1, cost = new Float32Array((n + 1) * w);
  const step = (i, j) =>
    a.keys[i] === b.keys[j] ? 0 : a.ids[i] === b.ids[j] ? 1 : Infinity;
  for (let j = 0; j <= m; j++) cost[n * w + j] = m - j;
  for (let i = n - 1; i >= 0; i--) {
    cost[i * w + m] = n - i;
    for (let j = m - 1; j >= 0; j--) {
      const take = step(i, j) + cost[(i + 1) * w + j + 1], drop = 1 + cost[(i + 1) * w + j];
      cost[i * w + j] = take <= drop ? take : drop;
    }
  }
  const pairs = []; // [tuple index, row index]; row -1: remove the tuple
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (step(i, j) + cost[(i + 1) * w + j + 1] <= 1 + cost[(i + 1) * w + j]) pairs.push([i++, j++]);
    else pairs.push([i++, -1]);
  }
  for (; i < n; i++) pairs.push([i, -1]);
  return {pairs, tail: j, changes: cost[0]};
}
function pmkitEdits(plan, st, now, tuples) {
  // the tuples to remove, [tuple, field, value] to modify, rows to append; null when a
  // modified row has other fields than its tuple's (not a modification)
  const rems = [], mods = [];
  for (const [t, r] of plan.pairs) {
    if (r < 0) { rems.push(tuples[t]); continue; }
    if (st.keys[t] === now.keys[r]) continue;
    const was = st.rows[t], row = now.rows[r], fields = Object.keys(row);
    if (fields.length !== Object.keys(was).length || fields.some(f => !(f in was))) return null;
    for (const f of fields)
      if (JSON.stringify(was[f]) !== JSON.stringify(row[f])) mods.push([tuples[t], f, row[f]]);
  }
  return {rems, mods, adds: now.rows.slice(plan.tail)};
}
function pmkitSetData(view, dataset, name, scope, value, model) {
  // true when the update was applied here; false: altair's own code applies it
  const op = dataset && dataset.input;
  if (!op || !Array.isArray(value)) return false;
  const now = pmkitKeyed(value);
  if (now === null) { pmkitRows.delete(dataset); return false; }
  let st = pmkitRows.get(dataset);
  if (st === undefined) { // the rows this view embedded
    const spec = model && scope.length === 0 ? model.get("spec") : null;
    const sent = spec && spec.datasets ? spec.datasets[name] : null;
    st = Array.isArray(sent) ? pmkitKeyed(sent) : null;
  }
  const tuples = op.value;
  const pending = view._input && view._input[op.id]; // a pulse not yet run: tuples are stale
  let edits = null;
  if (st && !pending && Array.isArray(tuples) && tuples.length === st.rows.length) {
    const plan = pmkitPlan(st, now);
    if (plan !== null && plan.changes < tuples.length + value.length)
      edits = pmkitEdits(plan, st, now, tuples);
  }
  pmkitRows.set(dataset, now);
  const cs = view.changeset(), copy = r => Object.assign({}, r); // Vega writes on its tuples
  if (edits === null) {
    cs.remove(() => true).insert(value.map(copy));
  } else {
    if (!edits.rems.length && !edits.mods.length && !edits.adds.length) return true;
    for (const t of edits.rems) cs.remove(t);
    for (const [t, f, v] of edits.mods) cs.modify(t, f, v);
    if (edits.adds.length) cs.insert(edits.adds.map(copy));
  }
  dataset.modified = true;
  view.pulse(op, cs);
  return true;
}
