// The Schedule (Gantt) and My Tasks pages. Every change is one API call through /web/rpc: the
// engine's scheduling rules decide the dates, then the page reloads to show what they decided.
(function () {
  const DAY_MS = 86400000;
  const shift = (iso, days) => new Date(Date.parse(iso + "T00:00:00Z") + days * DAY_MS).toISOString().slice(0, 10);

  async function updateTask(id, fields) {
    try {
      await Callsheet.rpc("update", { type: "Task", id, fields: Object.entries(fields).map(([field_name, value]) => ({ field_name, value })) });
      sessionStorage.setItem("callsheet.schedule.focus", String(id));
      location.reload();
    } catch (error) {
      Callsheet.toast(error.message || String(error), "error");
    }
  }

  // What a drag of `days` writes: a move changes the start (the engine keeps the duration), an
  // end changes that date alone.
  function changeFor(bar, end, days) {
    const start = bar.dataset.start, due = bar.dataset.due;
    if (end === "due") return { due_date: shift(due || start, days) };
    if (end === "start") return { start_date: shift(start || due, days), due_date: due || start };
    return start ? { start_date: shift(start, days) } : { due_date: shift(due, days) };
  }

  function ganttPage(gantt) {
    const dayPx = () => parseFloat(getComputedStyle(gantt).getPropertyValue("--day")) || 24;
    const bars = new Map([...gantt.querySelectorAll(".gantt-bar")].map((bar) => [bar.dataset.taskId, bar]));

    function drawArrows() {
      const svg = gantt.querySelector(".gantt-arrows");
      const box = gantt.querySelector(".gantt-body").getBoundingClientRect();
      const paths = [];
      for (const bar of bars.values()) {
        if (!bar.dataset.upstream) continue;
        const to = bar.getBoundingClientRect();
        for (const id of bar.dataset.upstream.split(",")) {
          const up = bars.get(id);
          if (!up) continue;
          const from = up.getBoundingClientRect();
          const x1 = from.right - box.left, y1 = from.top + from.height / 2 - box.top;
          const x2 = to.left - box.left, y2 = to.top + to.height / 2 - box.top;
          const cls = bar.classList.contains("violation") ? ' class="violation"' : "";
          paths.push(`<path${cls} d="M${x1},${y1} h6 V${y2} H${x2 - 2} l-4,-3 m4,3 l-4,3"/>`);
        }
      }
      svg.innerHTML = paths.join("");
    }

    gantt.addEventListener("pointerdown", (event) => {
      const bar = event.target.closest(".gantt-bar");
      if (!bar || event.button !== 0) return;
      event.preventDefault();
      const end = event.target.dataset.end || "move";
      const x0 = event.clientX;
      const left0 = bar.offsetLeft, width0 = bar.offsetWidth;
      bar.classList.add("dragging");
      bar.setPointerCapture(event.pointerId);
      const move = (e) => {
        const dx = e.clientX - x0;
        if (end === "move") bar.style.left = `${left0 + dx}px`;
        else if (end === "due") bar.style.width = `${Math.max(width0 + dx, 4)}px`;
        else { bar.style.left = `${left0 + dx}px`; bar.style.width = `${Math.max(width0 - dx, 4)}px`; }
      };
      const up = (e) => {
        bar.removeEventListener("pointermove", move);
        bar.removeEventListener("pointerup", up);
        bar.classList.remove("dragging");
        const days = Math.round((e.clientX - x0) / dayPx());
        if (days === 0) { bar.style.left = ""; bar.style.width = ""; return; }
        updateTask(Number(bar.dataset.taskId), changeFor(bar, end, days));
      };
      bar.addEventListener("pointermove", move);
      bar.addEventListener("pointerup", up);
    });

    gantt.addEventListener("keydown", (event) => {
      const bar = event.target.closest(".gantt-bar");
      if (!bar || (event.key !== "ArrowLeft" && event.key !== "ArrowRight")) return;
      event.preventDefault();
      const days = event.key === "ArrowLeft" ? -1 : 1;
      updateTask(Number(bar.dataset.taskId), changeFor(bar, event.shiftKey ? "due" : "move", days));
    });

    drawArrows();
    window.addEventListener("resize", drawArrows);
    const focus = sessionStorage.getItem("callsheet.schedule.focus");
    if (focus && bars.has(focus)) { bars.get(focus).focus(); sessionStorage.removeItem("callsheet.schedule.focus"); }
  }

  function myTasksPage(table) {
    table.addEventListener("change", async (event) => {
      const select = event.target.closest("select.task-status");
      if (!select) return;
      const id = Number(select.closest("tr").dataset.taskId);
      try {
        await Callsheet.rpc("update", { type: "Task", id, fields: [{ field_name: "sg_status_list", value: select.value }] });
        Callsheet.toast("Status saved.", "ok");
      } catch (error) { Callsheet.toast(error.message || String(error), "error"); }
    });
    table.addEventListener("submit", async (event) => {
      const form = event.target.closest("form.time-log");
      if (!form) return;
      event.preventDefault();
      const row = form.closest("tr");
      const fields = [
        { field_name: "entity", value: { type: "Task", id: Number(row.dataset.taskId) } },
        { field_name: "duration", value: Math.round(parseFloat(form.hours.value) * 60) },
        { field_name: "date", value: form.date.value },
        { field_name: "description", value: form.description.value || null },
      ];
      if (row.dataset.projectId) fields.push({ field_name: "project", value: { type: "Project", id: Number(row.dataset.projectId) } });
      fields.push({ field_name: "user", value: { type: "HumanUser", id: Number(table.dataset.userId) } });
      try {
        await Callsheet.rpc("create", { type: "TimeLog", fields });
        location.reload();  // shows the Task's new time_logs_sum as the engine rolled it up
      } catch (error) { Callsheet.toast(error.message || String(error), "error"); }
    });
  }

  const grouping = document.querySelector(".schedule-grouping select");
  if (grouping) grouping.addEventListener("change", () => grouping.form.submit());
  const gantt = document.getElementById("gantt");
  if (gantt) ganttPage(gantt);
  const table = document.getElementById("my-tasks");
  if (table) myTasksPage(table);
})();
