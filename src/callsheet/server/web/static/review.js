// The review player: frame-accurate playback of a Version's browser renditions, a filmstrip over
// the timeline, J/K/L, compare two Versions (side by side or wiped), a Playlist's Versions in
// order, and notes drawn on a paused frame (saved as a Note with the annotation image).
"use strict";
(function () {
  const C = window.Callsheet;
  const data = C.pageData("review-data");
  if (!data) return;
  const $ = (selector) => document.querySelector(selector);
  const A = $("#video-a");
  const B = $("#video-b");
  const scrub = $("#scrub");
  const stage = $("#stage");
  const canvas = $("#draw-canvas");
  const annotationView = $("#annotation-view");
  const STRIP_FRAME_PX = 240;  // ShotGrid's filmstrip frame width

  let index = 0;          // the Version playing, in data.versions
  let compareIndex = null;
  let version = null;
  let fps = 24;
  let frames = 1;
  let reverseTimer = null;
  let reverseSpeed = 0;
  let drawing = false;
  let strokes = 0;
  let strip = null;       // the loaded filmstrip image

  const clamp = (n, low, high) => Math.max(low, Math.min(high, n));
  // Frame N (1-based) covers [(N-1)/fps, N/fps); seeks land in the middle of the frame.
  const frameAt = (t) => clamp(Math.floor(t * fps + 1e-3) + 1, 1, frames);
  const timeOf = (n) => (n - 1 + 0.5) / fps;
  const current = () => frameAt(A.currentTime);

  function timecode(frame) {
    const rate = Math.max(1, Math.round(fps));
    const total = frame - 1;
    const ff = total % rate;
    const seconds = Math.floor(total / rate);
    const pad = (n) => String(n).padStart(2, "0");
    return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}:${pad(ff)}`;
  }

  function setSources(video, entry) {
    // The page already gave the first Version's sources (the fetch is under way): keep them.
    const given = [...video.querySelectorAll("source")].map((s) => s.getAttribute("src"));
    if (given.length && given.join("\n") === entry.sources.map((s) => s.url).join("\n")) return;
    video.replaceChildren(...entry.sources.map((s) => C.el("source", { src: s.url, type: s.type || undefined })));
    if (entry.poster) video.setAttribute("poster", entry.poster); else video.removeAttribute("poster");
    video.load();
  }

  function message(entry) {
    const box = $("#stage-message");
    let text = "";
    if (entry.error) text = "The movie could not be transcoded: " + entry.error;
    else if (!entry.sources.length) text = entry.transcoding ? "Transcoding… reload in a moment." : "This Version has no movie to play.";
    box.textContent = text;
    box.hidden = !text;
    box.classList.toggle("error", Boolean(entry.error));
    $("#viewer-a").hidden = !entry.sources.length;
  }

  function load(i, keepFrame) {
    stopReverse();
    index = i;
    version = data.versions[i];
    fps = version.frame_rate || 24;
    frames = Math.max(1, version.frame_count || 1);
    $("#review-title").textContent = version.code;
    $("#label-a").textContent = version.code;
    $("#version-link").href = "/detail/Version/" + version.id;
    setSources(A, version);
    message(version);
    scrub.max = frames;
    $("#frame-total").textContent = frames;
    strip = null;
    loadFilmstrip(version);
    hideAnnotation();
    clearDrawing();
    renderNotes();
    renderPlaylist();
    renderCompareChoices();
    $("#prev-version").hidden = $("#next-version").hidden = !data.playlist;
    $("#prev-version").disabled = index === 0;
    $("#next-version").disabled = index >= data.versions.length - 1;
    if (keepFrame) A.addEventListener("loadedmetadata", () => seekFrame(keepFrame), { once: true });
    show(1);
  }

  // The filmstrip (often the largest image) waits until the movie shows its first frame, so
  // that it does not take the connection from the movie; without a movie it loads at once.
  function loadFilmstrip(entry) {
    if (!entry.filmstrip) return;
    const fetchStrip = () => {
      if (version !== entry) return;
      const image = new Image();
      image.onload = () => { if (version === entry) strip = image; };
      image.src = entry.filmstrip;
    };
    if (!entry.sources.length || A.readyState >= 2) fetchStrip();
    else {
      A.addEventListener("loadeddata", fetchStrip, { once: true });
      A.addEventListener("error", fetchStrip, { once: true, capture: true });
    }
  }

  A.addEventListener("loadedmetadata", () => {
    if (!version.frame_count && A.duration) frames = Math.max(1, Math.round(A.duration * fps));
    scrub.max = frames;
    $("#frame-total").textContent = frames;
    sizeOverlays();
    show(current());
  });

  // ---- display -----------------------------------------------------------------------------
  function show(frame) {
    const out = $("#frame-display");
    out.textContent = frame;
    out.dataset.frame = frame;
    $("#timecode").textContent = timecode(frame);
    $("#note-frame").textContent = frame;
    scrub.value = frame;
    $("#play").textContent = A.paused && !reverseTimer ? "▶" : "⏸";
  }
  function tick() {
    show(current());
    if (!A.paused) requestAnimationFrame(tick);
  }
  A.addEventListener("play", () => { hideAnnotation(); requestAnimationFrame(tick); syncB("play"); });
  A.addEventListener("pause", () => { show(current()); syncB("pause"); });
  A.addEventListener("seeked", () => { show(current()); syncB("seek"); });
  A.addEventListener("ratechange", () => syncB("rate"));

  // ---- transport ---------------------------------------------------------------------------
  function seekFrame(n) {
    A.currentTime = timeOf(clamp(n, 1, frames));
    show(clamp(n, 1, frames));
  }
  function step(delta) {
    stopReverse();
    A.pause();
    seekFrame(current() + delta);
  }
  function togglePlay() {
    if (reverseTimer) { stopReverse(); return; }
    if (A.paused) { A.playbackRate = Number($("#speed").value); A.play(); } else A.pause();
  }
  function stopReverse() {
    if (reverseTimer) clearInterval(reverseTimer);
    reverseTimer = null;
    reverseSpeed = 0;
  }
  function playForward() {  // L: play; again: twice as fast
    stopReverse();
    if (A.paused) { A.playbackRate = 1; A.play(); } else A.playbackRate = Math.min(8, A.playbackRate * 2);
  }
  function playBackward() {  // J: browsers cannot play backwards; step back at the frame rate
    A.pause();
    reverseSpeed = reverseSpeed ? Math.min(8, reverseSpeed * 2) : 1;
    if (reverseTimer) clearInterval(reverseTimer);
    reverseTimer = setInterval(() => {
      const frame = current();
      if (frame <= 1) {
        if ($("#loop").checked) seekFrame(frames); else { stopReverse(); show(1); }
        return;
      }
      seekFrame(frame - 1);
    }, 1000 / (fps * reverseSpeed));
    show(current());
  }

  $("#play").addEventListener("click", togglePlay);
  $("#prev-frame").addEventListener("click", () => step(-1));
  $("#next-frame").addEventListener("click", () => step(1));
  $("#loop").addEventListener("change", (e) => { A.loop = e.target.checked; B.loop = e.target.checked; });
  $("#speed").addEventListener("change", (e) => { A.playbackRate = Number(e.target.value); });
  $("#fullscreen").addEventListener("click", fullScreen);
  function fullScreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else stage.requestFullscreen?.();
  }
  scrub.addEventListener("input", () => { stopReverse(); A.pause(); seekFrame(Number(scrub.value)); });

  // ---- filmstrip over the timeline ---------------------------------------------------------
  const hover = $("#filmstrip-hover");
  scrub.addEventListener("mousemove", (event) => {
    const box = scrub.getBoundingClientRect();
    const fraction = clamp((event.clientX - box.left) / box.width, 0, 1);
    const frame = Math.round(fraction * (frames - 1)) + 1;
    $("#hover-frame").textContent = frame;
    hover.style.left = (event.clientX - box.left) + "px";
    if (strip) {
      const count = Math.max(1, Math.floor(strip.naturalWidth / STRIP_FRAME_PX));
      const cell = clamp(Math.floor(fraction * count), 0, count - 1);
      hover.style.backgroundImage = `url("${strip.src}")`;
      hover.style.backgroundPosition = `-${cell * STRIP_FRAME_PX}px 0`;
      hover.style.height = strip.naturalHeight + "px";
      hover.dataset.cell = cell;
    }
    hover.hidden = false;
  });
  scrub.addEventListener("mouseleave", () => { hover.hidden = true; });

  // ---- compare -----------------------------------------------------------------------------
  function renderCompareChoices() {
    const select = $("#compare-with");
    select.replaceChildren(C.el("option", { value: "", text: "—" }));
    data.versions.forEach((entry, i) => {
      if (i !== index) select.append(C.el("option", { value: String(i), text: entry.code, selected: i === compareIndex }));
    });
  }
  function setCompare(i) {
    compareIndex = i;
    const on = i !== null && i !== index;
    $("#viewer-b").hidden = !on;
    $("#compare-mode").hidden = !on;
    if (!on) { stage.dataset.compare = "off"; B.pause(); $("#wipe").hidden = true; return; }
    setSources(B, data.versions[i]);
    $("#label-b").textContent = data.versions[i].code;
    B.addEventListener("loadedmetadata", () => { B.currentTime = A.currentTime; }, { once: true });
    setMode($("#compare-mode").value);
  }
  function setMode(mode) {
    stage.dataset.compare = mode;
    $("#wipe").hidden = mode !== "wipe";
    wipe();
  }
  function wipe() {
    const at = Number($("#wipe").value);
    $("#viewer-b").style.clipPath = stage.dataset.compare === "wipe" ? `inset(0 0 0 ${at}%)` : "";
  }
  function syncB(what) {
    if (compareIndex === null || $("#viewer-b").hidden) return;
    if (what === "play") { B.playbackRate = A.playbackRate; B.currentTime = A.currentTime; B.play(); }
    else if (what === "pause") { B.pause(); B.currentTime = A.currentTime; }
    else if (what === "seek") B.currentTime = A.currentTime;
    else if (what === "rate") B.playbackRate = A.playbackRate;
  }
  $("#compare-with").addEventListener("change", (e) => setCompare(e.target.value === "" ? null : Number(e.target.value)));
  $("#compare-mode").addEventListener("change", (e) => setMode(e.target.value));
  $("#wipe").addEventListener("input", wipe);

  // ---- playlist ----------------------------------------------------------------------------
  function renderPlaylist() {
    const list = $("#playlist-list");
    if (!list) return;
    list.replaceChildren(...data.versions.map((entry, i) => {
      const item = C.el("li", { "data-version-id": entry.id, "aria-current": i === index ? "true" : "false", text: entry.code });
      item.addEventListener("click", () => load(i));
      return item;
    }));
  }
  $("#next-version").addEventListener("click", () => { if (index < data.versions.length - 1) load(index + 1); });
  $("#prev-version").addEventListener("click", () => { if (index > 0) load(index - 1); });

  // ---- drawing -----------------------------------------------------------------------------
  function sizeOverlays() {
    const box = A.getBoundingClientRect();
    const parent = A.parentElement.getBoundingClientRect();
    for (const node of [canvas, annotationView]) {
      node.style.left = (box.left - parent.left) + "px";
      node.style.top = (box.top - parent.top) + "px";
      node.style.width = box.width + "px";
      node.style.height = box.height + "px";
    }
    if (A.videoWidth && (canvas.width !== A.videoWidth || canvas.height !== A.videoHeight)) {
      canvas.width = A.videoWidth;
      canvas.height = A.videoHeight;
      strokes = 0;
    }
  }
  window.addEventListener("resize", sizeOverlays);
  function setDrawing(on) {
    drawing = on;
    if (on) { stopReverse(); A.pause(); hideAnnotation(); sizeOverlays(); }
    canvas.hidden = !on && strokes === 0;
    canvas.classList.toggle("active", on);
    $("#draw-toggle").setAttribute("aria-pressed", String(on));
  }
  function clearDrawing() {
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
    strokes = 0;
    if (!drawing) canvas.hidden = true;
  }
  let last = null;
  function point(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
  }
  canvas.addEventListener("pointerdown", (event) => {
    if (!drawing) return;
    canvas.setPointerCapture(event.pointerId);
    last = point(event);
    line(last, last);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing || !last) return;
    const next = point(event);
    line(last, next);
    last = next;
  });
  canvas.addEventListener("pointerup", () => { last = null; });
  function line(from, to) {
    const ctx = canvas.getContext("2d");
    const erase = $("#erase-tool").checked;
    ctx.globalCompositeOperation = erase ? "destination-out" : "source-over";
    ctx.strokeStyle = $("#pen-colour").value;
    ctx.lineWidth = Math.max(2, canvas.width / (erase ? 60 : 240));
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(from[0], from[1]);
    ctx.lineTo(to[0] + 0.01, to[1]);
    ctx.stroke();
    if (!erase) strokes += 1;
  }
  $("#draw-toggle").addEventListener("click", () => setDrawing(!drawing));
  $("#clear-drawing").addEventListener("click", clearDrawing);

  // The annotation image: the paused frame with the strokes on it (as ShotGrid saves them).
  function annotationImage() {
    if (!strokes || !A.videoWidth) return null;
    const out = document.createElement("canvas");
    out.width = A.videoWidth;
    out.height = A.videoHeight;
    const ctx = out.getContext("2d");
    ctx.drawImage(A, 0, 0, out.width, out.height);
    ctx.drawImage(canvas, 0, 0, out.width, out.height);
    return out.toDataURL("image/png");
  }

  $("#note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = $("#save-note");
    button.disabled = true;
    try {
      const answer = await C.post(data.notes_url.replace("{id}", version.id), {
        content: $("#note-text").value,
        frame: current(),
        annotation: annotationImage(),
        playlist_id: data.playlist ? data.playlist.id : null,
      });
      version.notes = answer.notes;
      $("#note-text").value = "";
      clearDrawing();
      setDrawing(false);
      renderNotes();
      C.toast("Note saved.");
    } catch (error) {
      C.toast(error.message, "error");
    } finally {
      button.disabled = false;
    }
  });

  // ---- notes on the timeline ---------------------------------------------------------------
  function renderNotes() {
    const markers = $("#markers");
    const list = $("#notes-list");
    markers.replaceChildren();
    list.replaceChildren();
    for (const note of version.notes) {
      const item = C.el("li", { "data-note-id": note.id, "data-frame": note.frame ?? "" },
        C.el("strong", { text: note.author || "" }), " ", note.content,
        note.annotation && C.el("img", { src: note.annotation, alt: "Drawing", loading: "lazy" }));
      item.addEventListener("click", () => openNote(note));
      list.append(item);
      if (note.frame) {
        const marker = C.el("button", {
          type: "button", class: "marker", "data-note-id": note.id, "data-frame": note.frame,
          title: `Frame ${note.frame}: ${note.content}`,
        });
        marker.style.left = (frames > 1 ? ((note.frame - 1) / (frames - 1)) * 100 : 0) + "%";
        marker.addEventListener("click", () => openNote(note));
        markers.append(marker);
      }
    }
  }
  function openNote(note) {
    if (!note.frame) return;
    setDrawing(false);
    stopReverse();
    A.pause();
    seekFrame(note.frame);
    if (note.annotation) {
      sizeOverlays();
      annotationView.src = note.annotation;
      annotationView.dataset.noteId = note.id;
      annotationView.hidden = false;
    }
  }
  function hideAnnotation() { annotationView.hidden = true; delete annotationView.dataset.noteId; }

  // ---- keyboard ----------------------------------------------------------------------------
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input[type=text], textarea, select, [contenteditable]") || event.ctrlKey || event.metaKey || event.altKey) return;
    const keys = {
      " ": togglePlay,
      ArrowLeft: () => step(-1),
      ArrowRight: () => step(1),
      j: playBackward,
      k: () => { stopReverse(); A.pause(); show(current()); },
      l: playForward,
      f: fullScreen,
      d: () => setDrawing(!drawing),
      ArrowUp: () => { if (data.playlist && index > 0) load(index - 1); },
      ArrowDown: () => { if (data.playlist && index < data.versions.length - 1) load(index + 1); },
      Home: () => step(-frames),
      End: () => step(frames),
    };
    const run = keys[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    if (!run) return;
    event.preventDefault();
    run();
  });

  load(0);
  if (data.compare && data.versions.length > 1) {
    $("#compare-with").value = "1";
    setCompare(1);
  }
  window.CallsheetReview = { seekFrame, current, load, get frames() { return frames; }, get fps() { return fps; } };
})();
