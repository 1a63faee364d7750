"""Every browser test doubles as a Content-Security-Policy check: each context the
shared browser opens reports ``securitypolicyviolation`` events (from a listener added
to every document) and the console's "Refused to ..." lines (which also cover frames
where no script runs, like the sandboxed co-browse replay), and the test fails if any
arrived."""

from __future__ import annotations

from typing import Any

LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  const report = window.__coviewCspViolation;
  if (typeof report === "function") {
    report({directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile,
            line: e.lineNumber, sample: e.sample, page: location.href});
  }
});
"""


class CspWatch:
    def __init__(self) -> None:
        self.violations: list[Any] = []

    async def attach(self, context: Any) -> None:
        await context.expose_binding(
            "__coviewCspViolation", lambda _source, found: self.violations.append(found)
        )
        await context.add_init_script(LISTENER)
        context.on("console", self._console)

    def _console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.violations.append({"console": text, "page": message.location.get("url")})


class WatchedBrowser:
    """The shared Chromium, handing out contexts that report CSP violations."""

    def __init__(self, browser: Any, watch: CspWatch) -> None:
        self._browser = browser
        self.watch = watch

    async def new_context(self, **options: Any) -> Any:
        context = await self._browser.new_context(**options)
        await self.watch.attach(context)
        return context

    async def new_page(self, **options: Any) -> Any:
        context = await self.new_context(**options)
        return await context.new_page()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)
