// Live pages: a page that declares itself `live` is drawn again when a block commits,
// following the node's stream of committed heads (`GET /v1/heads`, server-sent events)
// instead of asking the node on a timer.
//
// Rules:
// - one stream per tab, open only while a live page is shown; leaving it closes it;
// - at most one redraw per `MIN_GAP_MS`, however fast blocks commit: heads that arrive
//   in between fold into one redraw at the end of the gap;
// - a hidden tab does not redraw; a head that arrived while hidden redraws on return;
// - the header's indicator says whether the stream is connected (the browser reconnects
//   by itself and resumes after the last head it received, `Last-Event-ID`);
// - a stream the node closed for good (it refuses to resume, e.g. too far back or above
//   its head after a restore) is opened afresh after `REOPEN_MS`, and the page redrawn.

const MIN_GAP_MS = 3000;
const REOPEN_MS = 5000;

let source = null;
let redraw = null;
let last = 0;
let timer = null;
let missed = false;

function indicator(state) {
  const el = document.getElementById('live');
  if (!el) return;
  el.hidden = state === 'off';
  el.dataset.state = state;
}

function schedule() {
  if (timer) return;
  if (document.hidden) {
    missed = true;
    return;
  }
  timer = setTimeout(() => {
    timer = null;
    last = Date.now();
    if (redraw) redraw();
  }, Math.max(0, last + MIN_GAP_MS - Date.now()));
}

/** Starts following committed heads, calling `onHead` (at most once per gap) after each. */
export function follow(onHead) {
  redraw = onHead;
  if (source) return;
  last = Date.now();
  const es = new EventSource('/v1/heads');
  source = es;
  indicator('connecting');
  es.addEventListener('open', () => indicator('on'));
  es.addEventListener('error', () => {
    if (es.readyState !== EventSource.CLOSED) {
      indicator('connecting');
      return;
    }
    indicator('off');
    setTimeout(() => {
      if (source !== es || !redraw) return; // left the page meanwhile
      source = null;
      follow(redraw);
      schedule();
    }, REOPEN_MS);
  });
  es.addEventListener('head', (ev) => {
    document.body.dataset.head = ev.lastEventId;
    schedule();
  });
}

/** Stops following (the page shown next is not live). */
export function unfollow() {
  if (source) source.close();
  source = null;
  redraw = null;
  clearTimeout(timer);
  timer = null;
  missed = false;
  indicator('off');
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && missed && source) {
    missed = false;
    schedule();
  }
});
