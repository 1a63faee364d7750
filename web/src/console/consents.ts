// The session's consent history in the workspace: what the customer allowed, refused
// or withdrew (camera, screen, co-browse, control, recording), when, and the exact
// text they were shown. Loaded when opened and again on each update while open.
import { h } from "../shared/dom";
import type { ConsoleApi } from "./api";
import { lang, t } from "./strings";

interface ConsentRecord {
  id: string;
  participant_role: string;
  kind: string;
  decision: string;
  text: string;
  lang: string;
  at: string;
}

export class ConsentHistory {
  readonly root: HTMLDetailsElement;
  private readonly body = h("div", {}, h("p", { class: "muted" }, "…"));

  constructor(
    private readonly api: ConsoleApi,
    private readonly sessionId: string,
  ) {
    this.root = h("details", { class: "box consents" }, h("summary", {}, t("console.consents")), this.body) as HTMLDetailsElement;
    this.root.addEventListener("toggle", () => {
      if (this.root.open) void this.refresh();
    });
  }

  /** Reload while open (an update may come with a new answer). */
  changed(): void {
    if (this.root.open) void this.refresh();
  }

  async refresh(): Promise<void> {
    let records: ConsentRecord[];
    try {
      const path = `/api/sessions/${encodeURIComponent(this.sessionId)}/consents`;
      records = (await this.api.call<{ consents: ConsentRecord[] }>("GET", path)).consents;
    } catch {
      this.body.replaceChildren(h("p", { class: "muted" }, t("console.consents.error")));
      return;
    }
    if (!records.length) {
      this.body.replaceChildren(h("p", { class: "muted" }, t("console.consents.none")));
      return;
    }
    const list = h("ol", { class: "consent-list" });
    const time = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    for (const r of records) {
      list.append(
        h(
          "li",
          { "data-decision": r.decision },
          h("time", { datetime: r.at }, time.format(new Date(r.at))),
          " ",
          h("b", {}, t(`console.consent.kind.${r.kind}`)),
          `: ${t(`console.consent.decision.${r.decision}`)}`,
          r.text ? h("small", { class: "consent-text" }, `“${r.text}” (${r.lang || "?"})`) : null,
        ),
      );
    }
    this.body.replaceChildren(list);
  }
}
