// Bring in an expert (issue #25): the workspace's form (an available colleague with a
// skill, or an outside e-mail that gets a link and a 6-digit code), and the card a
// colleague gets in their offers list ("join as expert").
import { h } from "../shared/dom";
import type { ConsoleApi } from "./api";
import { lang, t } from "./strings";

export interface ExpertOffer {
  escalation_id: string;
  session_id: string;
  invite: string;
  from: { id: string; name: string };
  skill: string | null;
  context: { customer?: string | null; page?: string | null; language?: string | null };
}

interface OutsideInvite { email: string; join_url: string; short_code: string }

/** The workspace's "Bring in an expert" group. */
export function expertForm(api: ConsoleApi, escalationId: string, status: HTMLElement): HTMLElement {
  const who = h("select", { name: "expert", "aria-label": t("console.expert.who") });
  const skill = h("select", { name: "expert-skill", "aria-label": t("console.expert.skill") });
  const email = h("input", { name: "expert-email", type: "email", maxlength: "254", placeholder: t("console.expert.email"), "aria-label": t("console.expert.email") });
  let colleagues: { id: string; name: string; status: string; skills: string[] }[] = [];
  const list = () => {
    const chosen = skill.value;
    const shown = colleagues.filter((c) => c.status === "available" && (!chosen || c.skills.includes(chosen)));
    who.replaceChildren(h("option", { value: "" }, t("console.expert.pick")), ...shown.map((c) => h("option", { value: c.id }, `${c.name} (${c.skills.join(", ")})`)));
  };
  const load = () => void api.colleagues().then((found) => {
    colleagues = found;
    const skills = [...new Set(found.flatMap((c) => c.skills))].sort();
    const chosen = skill.value;
    skill.replaceChildren(h("option", { value: "" }, t("console.expert.any_skill")), ...skills.map((s) => h("option", { value: s }, s)));
    skill.value = skills.includes(chosen) ? chosen : "";
    list();
  }).catch(() => undefined);
  load();
  who.addEventListener("focus", load);
  skill.addEventListener("change", list);
  const result = h("p", { class: "expert-result", role: "status" });
  const form = h("form", { class: "action-group expert" }, h("span", { class: "group-label" }, t("console.expert")), skill, who, email,
    h("button", { class: "btn", type: "submit" }, t("console.expert.invite")), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = email.value.trim()
      ? { email: email.value.trim() }
      : { agent_id: who.value, ...(skill.value ? { skill: skill.value } : {}) };
    status.textContent = "";
    try {
      const answer = await api.call<{ invited?: { name: string } } & Partial<OutsideInvite>>("POST", `/api/escalations/${encodeURIComponent(escalationId)}/experts`, body);
      if (answer.invited) {
        result.textContent = t("console.expert.invited").replace("{name}", answer.invited.name);
      } else if (answer.join_url && answer.short_code) {
        // coview sends no e-mail itself: the agent passes the link and the code on.
        const subject = encodeURIComponent(t("console.expert.mail_subject"));
        const text = encodeURIComponent(`${answer.join_url}\n${t("console.expert.code")}: ${answer.short_code}`);
        const mail = h("a", { href: `mailto:${encodeURIComponent(answer.email ?? "")}?subject=${subject}&body=${text}` }, t("console.expert.send_mail"));
        result.replaceChildren(`${t("console.expert.code")}: `, h("strong", { class: "expert-code" }, answer.short_code), " · ", h("code", {}, answer.join_url), " · ", mail);
        email.value = "";
      }
    } catch (error) {
      status.textContent = t("console.error", { detail: (error as Error).message });
    }
  });
  return form;
}

/** The card a colleague gets: join the call as expert in a new tab, or dismiss. */
export function expertOfferCard(api: ConsoleApi, offer: ExpertOffer, myName: string, done: () => void): HTMLElement {
  const about = [offer.context.customer, offer.context.page, offer.skill].filter(Boolean).join(" · ");
  const join = h("button", { class: "btn primary", type: "button" }, t("console.expert.join"));
  const dismiss = h("button", { class: "btn", type: "button" }, t("console.decline"));
  const card = h("li", { class: "offer expert-offer", "aria-label": t("console.expert.offer").replace("{name}", offer.from.name) },
    h("div", { class: "offer-head" }, h("strong", {}, t("console.expert.offer").replace("{name}", offer.from.name))),
    about ? h("p", { class: "offer-page" }, about) : null,
    h("div", { class: "offer-actions" }, dismiss, join));
  dismiss.addEventListener("click", () => { card.remove(); done(); });
  join.addEventListener("click", async () => {
    const tab = window.open("about:blank", "_blank");
    try {
      const joined = await api.call<{ token: string }>("POST", "/api/join", { invite: offer.invite, name: myName });
      // The call beside the customer's page (co-browse, view only), as participant.
      const url = `/observe/${encodeURIComponent(offer.session_id)}?lang=${lang}#as=expert&token=${encodeURIComponent(joined.token)}`;
      if (tab) {
        tab.opener = null;
        tab.location.href = url;
      }
      card.remove();
      done();
    } catch (error) {
      tab?.close();
      card.append(h("p", { class: "field-error", role: "alert" }, (error as Error).message));
    }
  });
  return card;
}
