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
//   by itself and resumes after the last head it received, `Last-Event-ID`).

const MIN_GAP_MS = 3000;

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
  source = new EventSource('/v1/heads');
  indicator('connecting');
  source.addEventListener('open', () => indicator('on'));
  source.addEventListener('error', () => indicator(source && source.readyState === EventSource.CLOSED ? 'off' : 'connecting'));
  source.addEventListener('head', (ev) => {
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
