// pmkit: a chart's data update applied as a row diff (see pmkit/ui/_rowdiff.py).
// altair removes every tuple of the dataset and inserts every row again, so Vega rebuilds every
// mark item (and, with the SVG renderer, every DOM node) of the dataset. Here the tuples of
// rows still sent, in the order sent, are kept. Vega keeps a dataset's tuples in the order they
// came in and appends new ones, and a fresh embed has them in the order sent, so only two edits
// keep that order exactly: remove a tuple, append rows at the end. The plan keeps the longest
// run of the new rows, from the first, that the old tuples hold in order (greedy, linear), removes
// the other tuples and appends the rest of the rows. No tuple is modified in place: a row that
// changed leaves and a new one enters, as in a fresh embed, so every derived dataset and mark
// keeps the order it would have there. Anything unexpected replaces every row, as altair does.
const pmkitRows = new WeakMap(); // dataset -> {rows, keys} the dataset's tuples hold, in order
function pmkitKeyed(rows) {
  const keys = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r === null || typeof r !== "object" || Array.isArray(r)) return null;
    keys[i] = JSON.stringify(r);
  }
  return {rows, keys};
}
function pmkitPlan(old, now) {
  // tuple indexes to remove, and the index of the first row to append
  const rems = [];
  let j = 0;
  for (let i = 0; i < old.keys.length; i++) {
    if (j < now.keys.length && old.keys[i] === now.keys[j]) j++;
    else rems.push(i);
  }
  return {rems, tail: j};
}
function pmkitSetData(view, dataset, name, scope, value, model) {
  // true when the update was applied here; false: altair's own code applies it
  const op = dataset && dataset.input;
  if (!op || !Array.isArray(value)) return false;
  const now = pmkitKeyed(value);
  if (now === null) { pmkitRows.delete(dataset); return false; }
  let old = pmkitRows.get(dataset);
  if (old === undefined) { // the rows this view embedded
    const spec = model && scope.length === 0 ? model.get("spec") : null;
    const sent = spec && spec.datasets ? spec.datasets[name] : null;
    old = Array.isArray(sent) ? pmkitKeyed(sent) : null;
  }
  const tuples = op.value;
  const pending = view._input && view._input[op.id]; // a pulse not yet run: tuples are stale
  let plan = null;
  if (old && !pending && Array.isArray(tuples) && tuples.length === old.keys.length) {
    plan = pmkitPlan(old, now);
    if (plan.tail === 0) plan = null; // nothing kept: replace every row
  }
  pmkitRows.set(dataset, now);
  const cs = view.changeset(), copy = r => Object.assign({}, r); // Vega writes on its tuples
  if (plan === null) {
    cs.remove(() => true).insert(value.map(copy));
  } else {
    if (!plan.rems.length && plan.tail === value.length) return true; // the same rows
    for (const i of plan.rems) cs.remove(tuples[i]);
    if (plan.tail < value.length) cs.insert(value.slice(plan.tail).map(copy));
  }
  dataset.modified = true;
  view.pulse(op, cs);
  return true;
}
