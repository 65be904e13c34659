// pmkit: a chart is drawn when it is shown (see pmkit/ui/_shown.py).
// altair's render embeds every chart at once, those on hidden tabs too: each costs the page a
// Vega parse, compile and draw before the page is idle. Here a chart is drawn as soon as its
// view is on the page and no ancestor hides it (checked without asking for a layout); one with
// a display:none ancestor (a hidden tab, a closed accordion section, a hidden box) waits: it
// is drawn when it gets a box (an IntersectionObserver with a margin larger than any page, so
// "intersecting" means "laid out", scrolled into view or not), or when the page is idle after
// its first chart is drawn, one chart per idle period, so a later tab switch finds it drawn.
// Until then the widget's model keeps what the kernel sends: the spec drawn is the last one
// (altair's embed reads model.get("spec") when it runs), and the page tells the kernel it has
// embedded a spec (local_tz) only when it has, so no data update is sent to a view not made.
// globalThis.pmkitDefer (for benches and tests): "eager" embeds at once as altair does,
// "no-idle" draws only when shown.
const pmkitWaiting = new Set(); // the draws of charts not shown yet, in the order rendered
let pmkitIdleQueued = false;
let pmkitAnyDrawn = false;
let pmkitFallback = null;
const pmkitIdleMs = 1000; // the longest a busy page makes an idle draw wait
const pmkitMode = () => globalThis.pmkitDefer || "idle";
function pmkitIdleNext() {
  // draw the next waiting chart in the page's next idle period
  if (pmkitIdleQueued || !pmkitWaiting.size || pmkitMode() !== "idle") return;
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
function pmkitWhenShown(el, embed) {
  // the function altair's render calls instead of its embed: at once when the chart is
  // shown (or was drawn already), else once its element is laid out or the page is idle
  let drawn = false;
  let observer = null;
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
  return async () => {
    if (drawn) return embed(); // a change after the first draw: as altair
    if (pmkitMode() === "eager" || typeof IntersectionObserver === "undefined") return first();
    if (el.isConnected && !pmkitHidden(el)) return first(); // on the page, not hidden: shown
    if (observer !== null) return; // waiting already: the model keeps the last spec
    pmkitWaiting.add(waiting);
    observer = new IntersectionObserver(entries => {
      if (entries.some(e => e.isIntersecting)) first();
    }, {rootMargin: "100000px"});
    observer.observe(el);
    // the view is put on the page after its render: as soon as it is, a chart not hidden is
    // drawn at once (the observer's first report waits for the next frame)
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
}
