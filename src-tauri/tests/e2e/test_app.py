#!/usr/bin/env python3
"""The menu-bar app end to end (run by run.sh, which provides Xvfb and
tauri-driver; this script runs the real egress-helper on the sim itself, so
it can stop and restart it).

Drives the REAL app binary through its WebViews:
  1. at start only the popover exists (windows are built on demand); it
     shows the sim's egress (en0, Wi-Fi) from the live helper;
  2. one click on the popover's legacy toggle switches the helper's mode
     (checked with `egressctl --json status`); the popover then counts the
     exclusion route (registered first);
  3. the popover's "Route Inspector…" button opens the inspector window,
     which lists the exclusion route (203.0.113.7 via 192.0.2.1) and
     exports the table as CSV: the app saves it in the Downloads folder
     (run.sh's own, through XDG user dirs) and the page names the file;
  4. `egressctl sim network ethernet` moves the egress card to en7
     (Ethernet) without a reload (a marker set in the page survives), and
     the inspector shows the exclusion route at the new gateway
     (198.51.100.1);
  5. Ctrl+W closes the inspector (its window is destroyed);
  6. Escape hides the popover and its page learns it (`data-visible`), and
     a second launch (`egress-app --popover`, single instance over the
     session bus) shows the same page again;
  7. the helper stopping shows "not running" in the popover, and when it
     comes back the app reconnects by itself and the card returns;
  8. back to advanced from the UI.
Screenshots of each stage go to --artifacts.
"""

import argparse
import json
import os
import subprocess
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions

# What the test reads in the UI (ui/src): test ids and accessible names.
IFACE_V4 = '[data-testid="iface-v4"]'
CARD_V4 = 'article.egress-card[data-family="v4"]'
LEGACY_TOGGLE = '[data-testid="legacy-toggle"]'
MODE_PILL = '[data-testid="mode-pill"]'
MODE_CARD = "section.mode"
CONN_DOT = ".conn-dot"
ROUTE_TABLE = '[data-testid="route-table"]'
OPEN_INSPECTOR = '[data-testid="open-inspector"]'
EXPORT_CSV = '[data-testid="export-csv"]'
EXPORT_SAVED = '[data-testid="export-saved"]'

EXCLUSION = "203.0.113.7/32"


def log(text):
    print(f"e2e: {text}", flush=True)


class Helper:
    """egress-helper on the simulated Mac, at a fixed socket."""

    def __init__(self, binary, socket, state_dir, log_path):
        self.argv = [binary, "run", "--backend", "sim", "--socket", socket, "--state-dir", state_dir]
        self.socket = socket
        self.log_path = log_path
        self.proc = None

    def start(self):
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(self.argv, stderr=out, stdout=out)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"egress-helper did not start (see {self.log_path})")
            time.sleep(0.05)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)


class Test:
    def __init__(self, args):
        self.args = args
        self.driver = None
        self.shots = 0
        self.helper = Helper(args.helper, args.socket, args.state_dir, args.helper_log)

    def ctl(self, *argv):
        cmd = [self.args.ctl, "--socket", self.args.socket, *argv]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed: {out.stderr.strip()}")
        return out.stdout

    def helper_status(self):
        return json.loads(self.ctl("--json", "status"))["status"]

    def shot(self, name):
        self.shots += 1
        path = os.path.join(self.args.artifacts, f"e2e-{self.shots:02d}-{name}.png")
        try:
            self.driver.save_screenshot(path)
            log(f"screenshot {path}")
        except WebDriverException as e:
            log(f"no screenshot {name}: {e.msg}")

    def text(self, css):
        try:
            return self.driver.find_element(By.CSS_SELECTOR, css).text
        except WebDriverException:
            return ""

    def attr(self, css, name):
        try:
            return self.driver.find_element(By.CSS_SELECTOR, css).get_attribute(name) or ""
        except WebDriverException:
            return ""

    def wait(self, what, predicate, timeout=20.0):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = predicate()
                if last:
                    return last
            except WebDriverException as e:
                last = e.msg
            time.sleep(0.2)
        self.shot("timeout")
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")

    def handles(self):
        return self.driver.window_handles

    def run(self):
        self.helper.start()
        log("registering an exclusion so legacy mode has a route to show")
        self.ctl("exclude", "add", EXCLUSION, "--label", "e2e-peer")
        assert self.helper_status()["mode"] == "advanced"

        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": self.args.app})
        self.driver = webdriver.Remote(command_executor=self.args.webdriver, options=options)
        popover = self.driver.current_window_handle

        log("1. only the popover exists; it shows the sim's egress from the live helper")
        assert self.handles() == [popover], f"windows at start: {self.handles()}"
        self.wait("the IPv4 egress card to show en0", lambda: self.text(IFACE_V4) == "en0")
        assert "Wi-Fi" in self.text(CARD_V4), self.text(CARD_V4)
        assert self.attr(CONN_DOT, "aria-label") == "Helper: connected", self.attr(CONN_DOT, "aria-label")
        self.driver.execute_script("window.__egressE2eMarker = 'no reload';")
        self.shot("popover-advanced")

        log("2. one click on the legacy toggle switches the helper's mode")
        assert self.attr(LEGACY_TOGGLE, "aria-checked") == "false"
        self.driver.find_element(By.CSS_SELECTOR, LEGACY_TOGGLE).click()
        self.wait("the helper to be in legacy mode", lambda: self.helper_status()["mode"] == "legacy")
        self.wait("the toggle to read on", lambda: self.attr(LEGACY_TOGGLE, "aria-checked") == "true")
        self.wait("the mode pill to say Legacy", lambda: self.text(MODE_PILL) == "Legacy")
        self.wait(
            "the popover to count the exclusion route",
            lambda: "1 excluded prefixes, 1 host routes held" in self.text(MODE_CARD),
        )
        self.shot("popover-legacy")

        log("3. the popover opens the Route Inspector, which lists the exclusion route and exports it")
        self.driver.find_element(By.CSS_SELECTOR, OPEN_INSPECTOR).click()
        inspector = self.wait("the Route Inspector window", lambda: self.other_window(popover))
        self.in_window(inspector, self.inspector_lists_the_exclusion, "192.0.2.1")
        self.in_window(inspector, self.inspector_exports_csv)

        log("4. a simulated network switch moves the egress card without a reload")
        self.ctl("sim", "network", "ethernet")
        self.wait("the IPv4 egress card to show en7", lambda: self.text(IFACE_V4) == "en7")
        assert "Ethernet" in self.text(CARD_V4), self.text(CARD_V4)
        marker = self.driver.execute_script("return window.__egressE2eMarker || null;")
        assert marker == "no reload", f"the page was reloaded (marker {marker!r})"
        self.shot("popover-ethernet")
        self.in_window(inspector, self.inspector_lists_the_exclusion, "198.51.100.1")

        log("5. Ctrl+W closes the Route Inspector: its window is gone")
        self.in_window(inspector, self.press, "w", True)
        self.wait("the Route Inspector to be closed", lambda: self.handles() == [popover])

        log("6. Escape hides the popover and its page is told; a second launch shows it again")
        self.press("Escape", False)
        self.wait("the popover's page to know it is hidden", lambda: self.attr("main", "data-visible") == "false")
        log(f"   (WebKitGTK's document.hidden for the hidden popover: {self.driver.execute_script('return document.hidden;')})")
        self.second_launch("--popover")
        self.wait("the popover's page to know it is shown", lambda: self.attr("main", "data-visible") == "true")
        marker = self.driver.execute_script("return window.__egressE2eMarker || null;")
        assert marker == "no reload", f"the kept popover was reloaded (marker {marker!r})"

        log("7. the helper stops: the popover says so; it comes back: the app reconnects")
        self.helper.stop()
        self.wait(
            "the popover to show the helper as not running",
            lambda: self.attr(CONN_DOT, "aria-label") == "Helper: not running",
        )
        self.shot("popover-helper-gone")
        self.helper.start()
        self.wait(
            "the app to reconnect",
            lambda: self.attr(CONN_DOT, "aria-label") == "Helper: connected",
            timeout=30,
        )
        # A new helper on the sim starts from the sim's scenario again (Wi-Fi),
        # and keeps legacy mode from its journal.
        self.wait("the IPv4 egress card to be back", lambda: self.text(IFACE_V4) in ("en0", "en7"))
        marker = self.driver.execute_script("return window.__egressE2eMarker || null;")
        assert marker == "no reload", f"the page was reloaded (marker {marker!r})"

        log("8. back to advanced from the UI")
        mode = self.helper_status()["mode"]
        if mode == "legacy":
            self.wait("the toggle to be enabled", lambda: self.driver.find_element(By.CSS_SELECTOR, LEGACY_TOGGLE).is_enabled())
            self.driver.find_element(By.CSS_SELECTOR, LEGACY_TOGGLE).click()
        self.wait("the helper to be in advanced mode", lambda: self.helper_status()["mode"] == "advanced")
        self.wait("the mode pill to say Advanced", lambda: self.text(MODE_PILL) == "Advanced")
        self.shot("popover-advanced-again")
        log("passed")

    def other_window(self, popover):
        others = [h for h in self.handles() if h != popover]
        return others[0] if others else None

    def in_window(self, handle, step, *args):
        """Runs a step in another window, then comes back."""
        back = self.driver.current_window_handle
        self.driver.switch_to.window(handle)
        try:
            step(*args)
        finally:
            self.driver.switch_to.window(back)

    def press(self, key, ctrl):
        """A key press as the page's keyboard handler receives it, after the
        script returned (the key may close the window the script runs in)."""
        self.driver.execute_script(
            "const [key, ctrlKey] = [arguments[0], arguments[1]];"
            "setTimeout(() => window.dispatchEvent(new KeyboardEvent('keydown', {key, ctrlKey, bubbles: true})), 50);",
            key,
            ctrl,
        )

    def second_launch(self, *argv):
        """Runs the app again: it hands its arguments to the running one and exits."""
        out = subprocess.run([self.args.app, *argv], capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise AssertionError(f"a second launch failed ({out.returncode}): {out.stderr.strip()[-500:]}")

    def inspector_lists_the_exclusion(self, gateway):
        self.wait("the Route Inspector's table", lambda: "Destination" in self.text(ROUTE_TABLE))
        self.wait(
            f"the Route Inspector to list 203.0.113.7 via {gateway}",
            lambda: any(
                "203.0.113.7" in row.text and gateway in row.text
                for row in self.driver.find_elements(By.CSS_SELECTOR, f"{ROUTE_TABLE} tbody tr")
            ),
        )
        self.shot(f"inspector-legacy-via-{gateway}")

    def inspector_exports_csv(self):
        self.driver.find_element(By.CSS_SELECTOR, EXPORT_CSV).click()
        saved = self.wait("the export to say where it saved", lambda: self.text(EXPORT_SAVED))
        path = os.path.join(self.args.downloads, "egress-routes.csv")
        assert path in saved, f"{saved!r} does not name {path}"
        with open(path, encoding="utf-8") as f:
            text = f.read()
        assert text.startswith("family,destination,gateway,flags"), text[:80]
        assert "203.0.113.7" in text, "the export lacks the exclusion route"

    def close(self):
        if self.driver is not None:
            try:
                self.driver.quit()
            except WebDriverException:
                pass
        self.helper.stop()


def main():
    p = argparse.ArgumentParser()
    for name in ("app", "helper", "ctl", "socket", "state-dir", "helper-log", "webdriver", "artifacts", "downloads"):
        p.add_argument(f"--{name}", required=True)
    args = p.parse_args()
    test = Test(args)
    try:
        test.run()
    except (AssertionError, WebDriverException) as e:
        log(f"FAILED: {e}")
        return 1
    finally:
        test.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
