// Progressive enhancement for public galleries (/c/<slug>). Without scripts the lightbox already
// works: each tile links to its item's #fragment and CSS shows the :target overlay. This adds
// ←/→ to step, Esc to close, horizontal swipes, and focus on the open viewer's close button.
(() => {
  const ids = Array.from(document.querySelectorAll(".lightbox"), (el) => el.id);
  if (ids.length === 0) return;
  const open = () => ids.indexOf(decodeURIComponent(location.hash.slice(1)));
  // step: +1 next, -1 previous, 0 close. Returns whether a viewer was open.
  const go = (step) => {
    const i = open();
    if (i < 0) return false;
    if (step === 0) location.hash = "gallery";
    else if (ids[i + step]) location.replace("#" + ids[i + step]);
    return true;
  };
  addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const step = { ArrowRight: 1, ArrowLeft: -1, Escape: 0 }[e.key];
    if (step !== undefined && go(step)) e.preventDefault();
  });
  let start = null;
  addEventListener("touchstart", (e) => {
    start = e.touches.length === 1 ? { x: e.touches[0].clientX, y: e.touches[0].clientY } : null;
  }, { passive: true });
  addEventListener("touchend", (e) => {
    if (!start) return;
    const dx = e.changedTouches[0].clientX - start.x;
    const dy = e.changedTouches[0].clientY - start.y;
    start = null;
    if (Math.abs(dx) > 50 && Math.abs(dx) > 2 * Math.abs(dy)) go(dx < 0 ? 1 : -1);
  }, { passive: true });
  const focusViewer = () => {
    const i = open();
    if (i >= 0) document.getElementById(ids[i])?.querySelector(".lb-close")?.focus({ preventScroll: true });
  };
  addEventListener("hashchange", focusViewer);
  focusViewer();
})();
