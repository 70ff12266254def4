/* global window, document, requestAnimationFrame, MutationObserver, innerHeight */
// Page-side instrumentation for bench/suites/ui.ts, injected into every page before any of
// the page's own scripts run (Playwright's addInitScript). It defines window.__uiBench:
//
//   firstRender(spec) → Promise<{ start, painted, loads, firstLoadMs }>: page-clock
//     milliseconds; for 'app' also how many pages the log had started loading by then
//     (aria-busy periods) and how long the first of them took (request to response)
//     spec.kind 'app':   starts at the next click anywhere in the page (a capturing
//                        listener on window, so before React's); done in the first frame
//                        in which the newest row of the message log labelled spec.log holds
//                        spec.lastText and lies inside the log, or, when spec.lastText is
//                        null (an empty conversation), in which the log has finished
//                        loading (aria-busy went "true", then "false").
//     spec.kind 'plain': starts at navigation start (0); done in the first frame in which
//                        the element #last lies inside the viewport.
//     "Inside" allows 2 px cut off (positions are fractional). "painted" is taken in a
//     task posted from that frame's requestAnimationFrame callback, so it falls after the
//     frame's style, layout and paint on the main thread. Rejects after spec.timeoutMs,
//     saying what it saw.
//
//   scrollThrough(spec) → Promise<{ deltas, durationMs, stalledFrames, loads, busyMs, timedOut, scrolledPx }>
//     Scrolls up at spec.speed px/s (the step of each frame is speed × the time since the
//     previous frame) until the top of the history: for 'app', scrollTop 0 with the
//     "Start of the conversation" line rendered; for 'plain', scrollTop 0. `deltas` are the
//     requestAnimationFrame timestamp differences seen meanwhile; `stalledFrames` are frames
//     that began at scrollTop 0 while an older page was still to come; `loads` counts the
//     log's aria-busy periods (older pages fetched) and `busyMs` their total length;
//     `scrolledPx` is the distance moved in all (the app holds only part of the history, so
//     its scrollHeight is not the history's height).
(() => {
  const afterFrame = (callback) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      callback(performance.now());
    };
    channel.port2.postMessage(null);
  };
  const logOf = (label) => document.querySelector(`[role="log"][aria-label="${label}"]`);
  // Layout positions are fractional: a row counts as inside with up to 2 px cut off.
  const inside = (rect, top, bottom) => rect.height > 0 && rect.top >= top - 2 && rect.bottom <= bottom + 2;

  /** The newest rendered row of a virtualized message log, by data-index. */
  function newestSlot(log) {
    let best = null;
    let bestIndex = -1;
    for (const slot of log.querySelectorAll('.message-slot')) {
      const index = Number(slot.getAttribute('data-index'));
      if (index > bestIndex) {
        best = slot;
        bestIndex = index;
      }
    }
    return best;
  }

  /** Watches aria-busy on message logs: whether it was ever "true", how often and how long. */
  function busyWatcher() {
    const state = { sawBusy: false, loads: 0, busyMs: 0, firstMs: null, since: null };
    const update = (busy) => {
      if (busy && state.since === null) {
        state.sawBusy = true;
        state.loads++;
        state.since = performance.now();
      } else if (!busy && state.since !== null) {
        state.busyMs += performance.now() - state.since;
        state.firstMs ??= state.busyMs;
        state.since = null;
      }
    };
    const observer = new MutationObserver((records) => {
      // Several flips can land in one callback: the value after a record is the old value
      // of the next record on the same element, or the current value after the last one.
      records.forEach((record, index) => {
        if (record.type !== 'attributes') {
          if (document.querySelector('[role="log"][aria-busy="true"]')) update(true);
          return;
        }
        const next = records.slice(index + 1).find((later) => later.type === 'attributes' && later.target === record.target);
        const after = next ? next.oldValue : record.target.getAttribute('aria-busy');
        if (record.oldValue === 'true') update(true);
        update(after === 'true');
      });
    });
    observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-busy'], attributeOldValue: true });
    return { state, stop: () => observer.disconnect() };
  }

  function firstRender(spec) {
    return new Promise((resolve, reject) => {
      const armed = performance.now();
      let start = spec.kind === 'plain' ? 0 : null;
      const busy = spec.kind === 'app' ? busyWatcher() : null;
      if (spec.kind === 'app') {
        window.addEventListener('click', () => (start ??= performance.now()), { capture: true, once: true });
      }
      const done = () => {
        if (spec.kind === 'plain') {
          const last = document.getElementById('last');
          return last !== null && inside(last.getBoundingClientRect(), 0, innerHeight);
        }
        const log = logOf(spec.log);
        if (log === null) return false;
        if (spec.lastText === null) return busy.state.sawBusy && log.getAttribute('aria-busy') === 'false';
        const slot = newestSlot(log);
        const text = slot?.querySelector('.message-text');
        if (!slot || !text || text.textContent !== spec.lastText) return false;
        const bounds = log.getBoundingClientRect();
        return inside(slot.querySelector('article').getBoundingClientRect(), bounds.top, bounds.bottom);
      };
      const diagnose = () => {
        if (spec.kind === 'plain') return `#last ${JSON.stringify(document.getElementById('last')?.getBoundingClientRect())}`;
        const log = logOf(spec.log);
        if (log === null) return 'no message log';
        const slot = newestSlot(log);
        return JSON.stringify({
          sawBusy: busy.state.sawBusy,
          busy: log.getAttribute('aria-busy'),
          newest: slot?.getAttribute('data-index'),
          text: slot?.querySelector('.message-text')?.textContent,
          row: slot?.querySelector('article')?.getBoundingClientRect(),
          log: log.getBoundingClientRect(),
        });
      };
      const frame = (now) => {
        if (start !== null && done()) {
          busy?.stop();
          afterFrame((painted) => resolve({ start, painted, loads: busy?.state.loads ?? 0, firstLoadMs: busy?.state.firstMs ?? null }));
          return;
        }
        if (now - armed > spec.timeoutMs) {
          busy?.stop();
          reject(new Error(`no first render after ${spec.timeoutMs} ms: ${start === null ? 'no click' : diagnose()}`));
          return;
        }
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
  }

  function scrollThrough(spec) {
    return new Promise((resolve) => {
      const element = () => (spec.kind === 'plain' ? document.scrollingElement : logOf(spec.log));
      const atStart = (scroller) => scroller.scrollTop <= 0 && (spec.kind === 'plain' || scroller.querySelector('.history-start') !== null);
      const busy = spec.kind === 'app' ? busyWatcher() : null;
      const deltas = [];
      let first = null;
      let last = null;
      let carry = 0;
      let stalledFrames = 0;
      let scrolledPx = 0;
      const frame = (now) => {
        const scroller = element();
        if (last !== null) deltas.push(now - last);
        const elapsed = last === null ? 0 : now - last;
        first ??= now;
        last = now;
        const timedOut = now - first > spec.timeoutMs;
        if (atStart(scroller) || timedOut) {
          busy?.stop();
          resolve({
            deltas,
            durationMs: now - first,
            stalledFrames,
            loads: busy?.state.loads ?? 0,
            busyMs: busy?.state.busyMs ?? 0,
            timedOut,
            scrolledPx,
          });
          return;
        }
        if (scroller.scrollTop <= 0) stalledFrames++;
        carry += (spec.speed * elapsed) / 1000;
        const step = Math.floor(carry);
        carry -= step;
        if (step > 0) {
          const from = scroller.scrollTop;
          scroller.scrollTop = Math.max(0, from - step);
          scrolledPx += from - scroller.scrollTop;
        }
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
  }

  window.__uiBench = { firstRender, scrollThrough };
})();
