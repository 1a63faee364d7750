// Landing page: shows whether the server answers its liveness probe.
export {}; // a module: its `status` is not the global window.status

const status = document.getElementById("server-status");
const labels = status?.closest<HTMLElement>("[data-status-ok]")?.dataset;

async function probe(): Promise<void> {
  if (!status || !labels) return;
  try {
    const response = await fetch("/healthz", { cache: "no-store" });
    const ok = response.ok;
    status.textContent = ok ? labels.statusOk ?? "ok" : labels.statusDown ?? "down";
    status.classList.toggle("ok", ok);
    status.classList.toggle("bad", !ok);
  } catch {
    status.textContent = labels.statusDown ?? "down";
    status.classList.add("bad");
  }
}

void probe();
