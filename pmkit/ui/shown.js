// pmkit: a chart is drawn when it is shown (see pmkit/ui/_shown.py).
// altair's render embeds every chart at once, those on hidden tabs too: each costs the page a
// Vega parse, compile and draw before the page is idle. Here a chart is embedded at render,
// into its view's still-detached element as altair does, unless the widget tree already says
// it is hidden (pmkitKnownHidden: a tab or stack not selected, an accordion section closed, a
// layout display "none" on it or an ancestor, read from the widget models, which exist before
// any view). A hidden one waits: it is drawn when it gets a box (an IntersectionObserver with a
// margin larger than any page, so "intersecting" means "laid out", scrolled into view or not),
// when its view is on the page with no hiding ancestor, or when the page is idle after its
// first chart is drawn, one chart per idle period, so a later tab switch finds it drawn.
// Until then the widget's model keeps what the kernel sends: the spec drawn is the last one
// (altair's embed reads model.get("spec") when it runs), and the page tells the kernel it has
// embedded a spec (local_tz) only when it has, so no data update is sent to a view not made.
// When the tree cannot tell (no chart model found), the chart is embedded at once.
// globalThis.pmkitDefer (for benches and tests): "eager" embeds at once as altair does,
// "no-idle" draws only when shown, "attach" waits for every chart's view to be on the page
// and asks the page (session 13's way, kept to measure against).
const pmkitWaiting = new Set(); // the draws of charts not shown yet, in the order rendered
let pmkitIdleQueued = false;
let pmkitAnyDrawn = false;
let pmkitFallback = null;
const pmkitIdleMs = 1000; // the longest a busy page makes an idle draw wait
const pmkitMode = () => globalThis.pmkitDefer || "idle";
function pmkitIdleNext() {
  // draw the next waiting chart in the page's next idle period
  if (pmkitIdleQueued || !pmkitWaiting.size || pmkitMode() === "no-idle") return;
  pmkitIdleQueued = true;
  const later = globalThis.requestIdleCallback || (f => setTimeout(f, 50));
  later(async () => {
    pmkitIdleQueued = false;
    const next = [...pmkitWaiting].find(w => w.el.isConnected);
    if (next === undefined) return; // only removed views wait: none left to draw
    await next.draw();
    pmkitIdleNext();
  }, {timeout: pmkitIdleMs});
}
function pmkitDrawn() {
  // a chart has been drawn: the page's first chart is on screen, the idle draws may start
  pmkitAnyDrawn = true;
  if (pmkitFallback !== null) { clearTimeout(pmkitFallback); pmkitFallback = null; }
  pmkitIdleNext();
}
function pmkitHidden(el) {
  // hidden by an ancestor the cheap way (no layout asked): a Lumino widget hidden (a tab's
  // panel, a closed section), the hidden attribute, an inline display:none (a box's layout)
  for (let n = el; n; n = n.parentElement) {
    if (n.hidden || (n.classList && n.classList.contains("lm-mod-hidden"))
        || (n.style && n.style.display === "none")) return true;
  }
  return false;
}
const pmkitChoosers = {TabModel: "tab", StackModel: "tab", AccordionModel: "accordion"};
async function pmkitKnownHidden(model) {
  // is the chart hidden in the widget tree at render? true only when the models say so: its
  // view is made before it is put on the page, so the page cannot be asked yet. The chart's
  // model is the one holding the very spec object the view reads; its places in the tree are
  // found through every model's children; it is hidden if every place is (a path to a root).
  try {
    const spec = model.get("spec");
    const all = model.widget_manager && model.widget_manager._models;
    if (spec == null || all == null) return false;
    const none = {};
    const models = (await Promise.all(Object.values(all).map(
      p => Promise.race([p, none]).catch(() => none)))) // models still being made are skipped
      .filter(m => m !== none && m != null && typeof m.get === "function");
    const self = models.find(m => m.get("spec") === spec);
    if (self === undefined) return false;
    const parents = new Map();
    for (const m of models) {
      const kids = m.get("children");
      if (!Array.isArray(kids)) continue;
      for (const k of kids) {
        if (!parents.has(k)) parents.set(k, []);
        parents.get(k).push(m);
      }
    }
    const hidden = (m, depth) => {
      const layout = m.get("layout");
      if (layout != null && typeof layout.get === "function" && layout.get("display") === "none") return true;
      const up = parents.get(m);
      if (up === undefined || depth > 64) return false; // a root (or a loop): shown
      return up.every(p => {
        const kind = pmkitChoosers[p.get("_model_name")];
        if (kind !== undefined) {
          const i = p.get("selected_index");
          if (i == null ? kind === "accordion" : i !== p.get("children").indexOf(m)) return true;
        }
        return hidden(p, depth + 1);
      });
    };
    return hidden(self, 0);
  } catch (e) {
    return false; // cannot tell: drawn at once, as altair does
  }
}
function pmkitWhenShown(el, embed, model) {
  // the function altair's render calls instead of its embed: at once unless the widget tree
  // says the chart is hidden (or it was drawn already), else once its element is laid out or
  // shown, or the page is idle
  let drawn = false;
  let observer = null;
  let known = null; // the tree's answer at the first call: hidden at render?
  const waiting = {el, draw: null};
  const first = async () => {
    if (drawn) return;
    drawn = true;
    pmkitWaiting.delete(waiting);
    if (observer !== null) { observer.disconnect(); observer = null; }
    await embed();
    pmkitDrawn();
  };
  waiting.draw = first;
  const wait = () => {
    pmkitWaiting.add(waiting);
    observer = new IntersectionObserver(entries => {
      if (entries.some(e => e.isIntersecting)) first();
    }, {rootMargin: "100000px"});
    observer.observe(el);
    // the view is put on the page after its render: as soon as it is, a chart not hidden there
    // is drawn at once (the observer's first report waits for the next frame)
    let tries = 0;
    const poll = () => {
      if (drawn || tries++ > 50) return;
      if (!el.isConnected) { setTimeout(poll, 0); return; }
      if (!pmkitHidden(el)) first();
    };
    setTimeout(poll, 0);
    if (pmkitAnyDrawn) pmkitIdleNext(); // the page has drawn before: drawn in its next idle time
    else if (pmkitFallback === null) {
      // no chart shown yet (a page whose first view has none): idle draws start anyway
      pmkitFallback = setTimeout(() => { pmkitFallback = null; pmkitDrawn(); }, 3000);
    }
  };
  return async () => {
    if (drawn) return embed(); // a change after the first draw: as altair
    const mode = pmkitMode();
    if (mode === "eager" || typeof IntersectionObserver === "undefined") return first();
    if (el.isConnected && !pmkitHidden(el)) return first(); // on the page, not hidden: shown
    if (observer !== null) return; // waiting already: the model keeps the last spec
    if (mode !== "attach") {
      if (known === null) known = pmkitKnownHidden(model);
      if (!(await known)) return first(); // not hidden in the tree: embedded now, as altair
      if (drawn || observer !== null) return;
    }
    wait();
  };
}
