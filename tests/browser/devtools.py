"""A real Chromium, driven over the Chrome DevTools Protocol (CDP) as a person
would use it: find the tab ssoenv opened, click a link, read the page it lands
on. Standard library only: Chromium's `--remote-debugging-pipe` speaks CDP as
JSON messages ended by a NUL byte, here over two named pipes that
`headless_chromium.sh` (the $BROWSER) connects to Chromium's fds 3 and 4.

Every wait is for a message from Chromium (an answer, an event), bounded by a
timeout that fails the test; nothing sleeps."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WRAPPER = HERE / "headless_chromium.sh"
TIMEOUT = 60.0  # seconds for any one step; generous: CI machines are shared

Event = dict[str, Any]


class DevToolsError(AssertionError):
    """Chromium did not answer, answered with an error, or went away."""


class Chromium:
    """One headless Chromium, started by ssoenv through $BROWSER or by `launch`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        os.mkfifo(directory / "to-browser", 0o600)
        os.mkfifo(directory / "from-browser", 0o600)
        self._cond = threading.Condition()
        self._answers: dict[int, Event] = {}
        self.events: list[Event] = []  # every event, in order; pages filter theirs
        self._next_id = 0
        self._closed = False
        self._writer: Any = None
        self._reader: threading.Thread | None = None
        self._launched: subprocess.Popen[bytes] | None = None

    @property
    def browser_variable(self) -> str:
        """The $BROWSER value that makes ssoenv start this Chromium."""
        return f"{shlex.quote(str(WRAPPER))} {shlex.quote(str(self.directory))}"

    def launch(self, url: str = "about:blank") -> subprocess.Popen[bytes]:
        """Start it from the test (not through ssoenv), on `url`."""
        self._launched = subprocess.Popen(
            [str(WRAPPER), str(self.directory), url],
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        return self._launched

    # ------------------------------------------------------------------ the pipes

    def connect(self, starter: subprocess.Popen[Any] | None = None) -> None:
        """Wait until Chromium has opened its ends of the pipes, or `starter` (the
        ssoenv that should start it through $BROWSER) has exited without."""
        settled = threading.Event()
        opened: list[Any] = []

        def open_pipes() -> None:
            # Each open waits for the other end: the wrapper opens in the same order.
            opened.append(open(self.directory / "to-browser", "wb", buffering=0))  # noqa: SIM115
            opened.append(open(self.directory / "from-browser", "rb", buffering=0))  # noqa: SIM115
            settled.set()

        def watch(process: subprocess.Popen[Any]) -> None:
            process.wait()
            settled.set()

        threading.Thread(target=open_pipes, daemon=True).start()
        if starter is not None:
            threading.Thread(target=watch, args=(starter,), daemon=True).start()
        if not settled.wait(TIMEOUT):
            raise DevToolsError(f"Chromium did not start within {TIMEOUT:g} s")
        if len(opened) < 2:
            code = starter.returncode if starter is not None else None
            raise DevToolsError(f"Chromium was never started: its starter exited ({code})")
        self._writer, reader = opened
        self._reader = threading.Thread(target=self._read, args=(reader,), daemon=True)
        self._reader.start()
        self.call("Target.setDiscoverTargets", discover=True)

    def _read(self, pipe: Any) -> None:
        pending = b""
        while chunk := pipe.read(65536):
            *messages, pending = (pending + chunk).split(b"\0")
            with self._cond:
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        self._answers[message["id"]] = message
                    else:
                        self.events.append(message)
                self._cond.notify_all()
        pipe.close()
        with self._cond:
            self._closed = True  # Chromium exited: its end of the pipe is closed
            self._cond.notify_all()

    def call(self, method: str, session: str | None = None, **params: Any) -> Any:
        """Send one command; its result, or DevToolsError."""
        with self._cond:
            self._next_id += 1
            ident = self._next_id
        message: Event = {"id": ident, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        self._writer.write(json.dumps(message).encode() + b"\0")
        with self._cond:
            if not self._cond.wait_for(
                lambda: ident in self._answers or self._closed, timeout=TIMEOUT
            ):
                raise DevToolsError(f"no answer to {method} within {TIMEOUT:g} s")
            answer = self._answers.pop(ident, None)
        if answer is None:
            raise DevToolsError(f"Chromium exited before answering {method}")
        if "error" in answer:
            raise DevToolsError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def wait_for(self, what: str, matches: Callable[[Event], bool], *, after: int = 0) -> int:
        """The index in `events` of the first event from `after` on that matches."""
        found: list[int] = []

        def seen() -> bool:
            found[:] = [i for i in range(after, len(self.events)) if matches(self.events[i])][:1]
            return bool(found)

        with self._cond:
            if not self._cond.wait_for(lambda: seen() or self._closed, timeout=TIMEOUT):
                raise DevToolsError(f"{what}: not within {TIMEOUT:g} s")
            if not found:
                raise DevToolsError(f"{what}: Chromium exited first")
        return found[0]

    # ------------------------------------------------------------------ tabs

    def tab(self, url_prefix: str) -> Tab:
        """The open tab whose address starts with `url_prefix`, attached."""

        def is_it(event: Event) -> bool:
            info = event.get("params", {}).get("targetInfo", {})
            return (
                event.get("method") in ("Target.targetCreated", "Target.targetInfoChanged")
                and info.get("type") == "page"
                and str(info.get("url", "")).startswith(url_prefix)
            )

        index = self.wait_for(f"a tab on {url_prefix}", is_it)
        return self._attach(self.events[index]["params"]["targetInfo"]["targetId"])

    def new_tab(self) -> Tab:
        """A new, blank tab, as when a person opens one."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        return self._attach(target)

    def _attach(self, target: str) -> Tab:
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        tab = Tab(self, session)
        for domain in ("Page", "Network", "Runtime"):
            tab.call(f"{domain}.enable")
        return tab

    # ------------------------------------------------------------------ the end

    def close(self) -> None:
        """Close the browser; end its process group if it does not go."""
        if self._writer is not None:
            with contextlib.suppress(DevToolsError, OSError):
                self.call("Browser.close")
            with self._cond:
                gone = self._cond.wait_for(lambda: self._closed, timeout=TIMEOUT)
            self._writer.close()
            if gone:
                if self._launched is not None:
                    self._launched.wait(TIMEOUT)  # reaped: it has closed its pipe
                return
        pid_file = self.directory / "pid"
        if pid_file.exists():
            # The wrapper's pid is Chromium's (exec), and the leader of the group
            # that it and its helpers run in (started in a new session).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(int(pid_file.read_text()), signal.SIGKILL)


class Tab:
    """One attached tab: its commands and its events."""

    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session
        self.start = len(browser.events)  # where this tab's events begin

    def call(self, method: str, **params: Any) -> Any:
        return self.browser.call(method, self.session, **params)

    def mark(self) -> int:
        """A point in the events: `landed` and `requests` look after it."""
        return len(self.browser.events)

    def _mine(self, event: Event, method: str) -> bool:
        return event.get("sessionId") == self.session and event.get("method") == method

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def loaded(self, url_prefix: str) -> str:
        """Wait until the tab shows a page at an address starting with `url_prefix`,
        loaded; its address. A tab just opened may still show its blank page."""
        for _ in range(3):
            mark = self.mark()
            try:
                href = str(
                    self.evaluate(
                        "new Promise(done => { const ready = () => done(location.href);"
                        " if (document.readyState === 'complete') ready();"
                        " else addEventListener('load', ready); })"
                    )
                )
            except DevToolsError as error:
                if "context" not in str(error) and "navigated" not in str(error):
                    raise
                continue  # the page it ran in was replaced by the one awaited: ask that
            if href.startswith(url_prefix):
                return href
            self.landed(url_prefix, after=mark)
        raise DevToolsError(f"the tab never settled on {url_prefix}")

    def navigate(self, url: str) -> None:
        """Type `url` into the address bar; wait for the page it shows."""
        mark = self.mark()
        self.call("Page.navigate", url=url)
        self.landed(url, after=mark)

    def reload(self) -> None:
        mark = self.mark()
        url = self.evaluate("location.href")
        self.call("Page.reload")
        self.landed(url, after=mark)

    def click(self, selector: str) -> None:
        """Click the element with the mouse, in its middle, as a person does."""
        box = self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def landed(self, url_prefix: str, *, after: int) -> None:
        """Wait until, after `after`, the tab showed a page for an address starting
        with `url_prefix` (Chromium's own error page for it, too) and loaded it."""

        def navigated(event: Event) -> bool:
            frame = event.get("params", {}).get("frame", {})
            address = frame.get("unreachableUrl") or frame.get("url", "")
            return (
                self._mine(event, "Page.frameNavigated")
                and "parentId" not in frame
                and str(address).startswith(url_prefix)
            )

        index = self.browser.wait_for(f"the tab showing {url_prefix}", navigated, after=after)
        self.browser.wait_for(
            f"{url_prefix} loaded", lambda e: self._mine(e, "Page.loadEventFired"), after=index
        )

    def text(self) -> str:
        """What the page says: its title and its visible text."""
        return str(self.evaluate("document.title + '\\n' + document.body.innerText"))

    def requests(self, *, after: int = 0) -> list[str]:
        """Every address this tab requested since `after` (and since it was attached)."""
        return [
            event["params"]["request"]["url"]
            for event in self.browser.events[max(after, self.start) :]
            if self._mine(event, "Network.requestWillBeSent")
        ]

    def response(self, url_prefix: str, *, after: int = 0) -> Event:
        """The response Chromium received for the document at `url_prefix`."""
        for event in self.browser.events[max(after, self.start) :]:
            if self._mine(event, "Network.responseReceived"):
                answer = event["params"]["response"]
                if event["params"].get("type") == "Document" and str(answer["url"]).startswith(
                    url_prefix
                ):
                    return dict(answer)
        raise DevToolsError(f"no document response for {url_prefix}")

    def external_references(self) -> list[str]:
        """Addresses in the page (src, href, action, CSS url(), meta refresh) that
        would reach outside this machine's loopback, or any address at all."""
        found = self.evaluate(
            """(() => {
              const out = [];
              for (const el of document.querySelectorAll('*')) {
                for (const name of ['src', 'href', 'action', 'srcset', 'poster', 'data']) {
                  const value = el.getAttribute(name);
                  if (value !== null) out.push(value);
                }
                const style = el.getAttribute('style') || '';
                if (style.includes('url(')) out.push(style);
                if (el.tagName === 'META' && el.httpEquiv.toLowerCase() === 'refresh')
                  out.push(el.content);
              }
              for (const sheet of document.styleSheets)
                for (const rule of sheet.cssRules)
                  if (rule.cssText.includes('url(') || rule.cssText.includes('@import'))
                    out.push(rule.cssText);
              return out;
            })()"""
        )
        return list(found)
