"""The dashboard's flows in headless Chromium (Debian's chromium and chromium-driver), driven by
Selenium against a live runhooks server: sign up, see the key once, create a job with a schedule
preview, see it listed, run it against a local target and open its executions, pause it, rotate
the key, sign out and back in with the new key; and a hostile job name shown as text.

    python3 dashboard_flows.py BASE_URL TARGET_URL SCREENSHOT.png RUNHOOKS_BINARY DATA_DIR

Exits 0 when every step held; otherwise prints the step that failed and exits 1."""
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

import subprocess

BASE, TARGET, SCREENSHOT, BINARY, DATA_DIR = sys.argv[1:6]
HOSTILE = "<img src=x onerror=alert(1)>"


def browser(width=1280, height=900):
    options = Options()
    for binary in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        try:
            open(binary).close()
            options.binary_location = binary
            break
        except OSError:
            pass
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={width},{height}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class Flow:
    def __init__(self, driver):
        self.driver = driver
        # The page re-renders as answers come: an element found a moment ago may be gone.
        self.wait = WebDriverWait(driver, 20, ignored_exceptions=[StaleElementReferenceException])

    def go(self, hash_route):
        self.driver.get(f"{BASE}/{hash_route}")

    def field(self, label):
        """The input a visible <label> names (fails if the label is missing or not tied to it)."""
        element = self.wait.until(EC.presence_of_element_located(
            (By.XPATH, f"//label[normalize-space(.)={xpath_string(label)}]")))
        return self.driver.find_element(By.ID, element.get_attribute("for"))

    def button(self, text):
        return self.wait.until(EC.element_to_be_clickable(
            (By.XPATH, f"//button[normalize-space(.)={xpath_string(text)}]")))

    def press(self, text):
        """Clicks the button of that text now on the page: one the page re-rendered between being
        found and being clicked is found again (the click never reached it)."""
        self.wait.until(lambda d: self.button(text).click() or True)

    def click(self, by, selector):
        """Clicks the element now on the page, found again if a re-render replaced it."""
        self.wait.until(lambda d: d.find_element(by, selector).click() or True)

    def text_present(self, text):
        self.wait.until(lambda d: text in d.find_element(By.TAG_NAME, "main").text)

    def heading(self, text):
        self.wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), text))

    def preview_settles(self, runs_ok, note_text=""):
        """Waits for the schedule preview to answer the expression just typed. The answer lands a
        moment after the last key (debounced, then a request); a click sent before it may be lost."""
        def settled(d):
            runs = [li.text for li in d.find_elements(By.CSS_SELECTOR, "[data-testid=preview] li")]
            note = d.find_element(By.CSS_SELECTOR, "[data-testid=preview-note]").text
            return runs_ok(runs) and note_text in note
        self.wait.until(settled)


def xpath_string(text):
    if "'" not in text:
        return f"'{text}'"
    return "concat('" + "', \"'\", '".join(text.split("'")) + "')"


def step(name):
    print(f"step: {name}", flush=True)


def main():
    driver = browser()
    flow = Flow(driver)
    try:
        step("sign up anonymously; the key is shown once with a copy button")
        flow.go("#/signup")
        flow.field("Name").send_keys("Browser test")
        flow.press("Create account")
        key = flow.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=api-key]"))).text
        assert key.startswith("rh_live_"), key
        flow.text_present("cannot be shown again")
        flow.button("Copy key")

        step("create a job; the next five runs are previewed in its time zone")
        flow.go("#/jobs/new")
        flow.field("Name").send_keys("nightly report")
        flow.field("Cron expression or interval (ms)").clear()
        flow.field("Cron expression or interval (ms)").send_keys("0 3 * * *")
        flow.field("Time zone (cron only)").clear()
        flow.field("Time zone (cron only)").send_keys("Asia/Kolkata")
        flow.preview_settles(lambda runs: len(runs) == 5 and all(run.endswith("03:00:00+05:30") for run in runs))
        flow.field("URL").send_keys(TARGET)
        Select(flow.field("Method")).select_by_value("POST")
        flow.field("Body").send_keys('{"report": "nightly"}')
        flow.press("Create job")
        flow.heading("nightly report")

        step("an invalid job shows the API's message next to the form")
        flow.go("#/jobs/new")
        flow.field("Name").send_keys("broken")
        flow.field("Cron expression or interval (ms)").clear()
        flow.field("Cron expression or interval (ms)").send_keys("61 * * * *")
        flow.preview_settles(lambda runs: not runs, "minute value 61")
        flow.field("URL").send_keys(TARGET)
        flow.press("Create job")
        error = flow.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".error"))).text
        assert "schedule.expression" in error, error

        step("a hostile name is shown as text")
        flow.field("Name").clear()
        flow.field("Name").send_keys(HOSTILE)
        flow.field("Cron expression or interval (ms)").clear()
        flow.field("Cron expression or interval (ms)").send_keys("*/5 * * * *")
        flow.preview_settles(lambda runs: len(runs) == 5, "Next runs")
        flow.press("Create job")
        flow.heading(HOSTILE)

        step("the jobs are listed with schedule, zone and status")
        flow.go("#/jobs")
        flow.text_present("nightly report")
        flow.text_present(HOSTILE)
        flow.text_present("daily at 03:00")
        flow.text_present("Asia/Kolkata")
        assert not driver.find_elements(By.CSS_SELECTOR, "main img"), "the hostile name became an element"

        step("run the job now and open its executions")
        flow.click(By.LINK_TEXT, "nightly report")
        flow.heading("nightly report")
        flow.press("Run now")
        flow.text_present("Run enqueued")
        # The page follows the run it asked for and shows the job again once the run has ended.
        flow.text_present("Run ended: success (HTTP 200")
        assert driver.find_elements(By.CSS_SELECTOR, "td .status-success"), "no successful execution appeared"
        assert driver.find_elements(By.CSS_SELECTOR, ".strip .s-success"), "the runs strip shows no success"

        step("pause it")
        flow.press("Pause")
        flow.button("Resume")
        flow.text_present("paused")

        step("rotate the key in Settings; the new one is shown once")
        flow.go("#/settings")
        flow.text_present("whsec_")
        flow.press("Rotate API key")
        driver.switch_to.alert.accept()
        new_key = flow.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=api-key]"))).text
        assert new_key.startswith("rh_live_") and new_key != key

        step("sign out, and back in with the new key (the old one is refused)")
        flow.press("Sign out")
        flow.heading("Sign in")
        flow.field("API key").send_keys(key)
        flow.press("Sign in with API key")
        flow.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".error")))
        flow.field("API key").clear()
        flow.field("API key").send_keys(new_key)
        flow.press("Sign in with API key")
        flow.heading("Jobs")
        flow.text_present("nightly report")
        flow.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "td .status-success"))
        if SCREENSHOT:
            driver.save_screenshot(SCREENSHOT)

        step("create an alert and see it listed; usage shows the plan's meters")
        flow.go("#/alerts/new")
        flow.field("Name").send_keys("on-call hook")
        Select(flow.field("Channel")).select_by_value("webhook")
        flow.field("Target (email address, webhook URL or Slack incoming-webhook URL)").send_keys(TARGET)
        flow.press("Create alert")
        flow.heading("on-call hook")
        flow.text_present("Delivery history")
        flow.go("#/alerts")
        flow.text_present("on-call hook")
        flow.go("#/usage")
        flow.text_present("Jobs")
        flow.text_present("2 of")

        step("an account with email and password: sign up, edit, run, replay and delete a job")
        flow.press("Sign out")
        flow.go("#/signup")
        flow.field("Name").send_keys("Operator")
        flow.field("Email (leave empty for an anonymous account)").send_keys("operator@example.com")
        flow.field("Password (with an email; at least 8 characters)").send_keys("a-long-password")
        flow.press("Create account")
        flow.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=api-key]")))
        flow.go("#/jobs/new")
        flow.field("Name").send_keys("every minute")
        Select(flow.field("Schedule type")).select_by_value("interval")
        flow.field("Cron expression or interval (ms)").clear()
        flow.field("Cron expression or interval (ms)").send_keys("60000")
        flow.preview_settles(lambda runs: len(runs) == 5, "Next runs")
        flow.field("URL").send_keys(TARGET)
        Select(flow.field("Method")).select_by_value("POST")
        flow.press("Create job")
        flow.heading("every minute")
        flow.click(By.LINK_TEXT, "Edit")
        flow.heading("Edit every minute")
        flow.field("Name").clear()
        flow.field("Name").send_keys("every minute, renamed")
        flow.preview_settles(lambda runs: len(runs) == 5, "Next runs")
        flow.press("Save job")
        flow.heading("every minute, renamed")
        flow.press("Run now")
        deadline = time.time() + 30
        while time.time() < deadline and not driver.find_elements(By.CSS_SELECTOR, "td .status-success"):
            time.sleep(0.5)
            flow.press("Refresh")
        flow.click(By.CSS_SELECTOR, "td details summary")
        flow.press("Replay")
        flow.text_present("Replay enqueued")
        flow.text_present("Replay ended: success")

        step("an expired access token is refreshed (the refresh token rotates)")
        before = driver.execute_script("return JSON.parse(sessionStorage.getItem('runhooks.session')).refreshToken")
        driver.execute_script(
            "const s = JSON.parse(sessionStorage.getItem('runhooks.session')); s.accessToken = 'expired';"
            "sessionStorage.setItem('runhooks.session', JSON.stringify(s));")
        flow.go("#/usage")
        flow.text_present("of")
        after = driver.execute_script("return JSON.parse(sessionStorage.getItem('runhooks.session')).refreshToken")
        assert after and after != before, "the refresh token did not rotate"

        step("delete the job after confirming")
        flow.go("#/jobs")
        flow.wait.until(EC.element_to_be_clickable((By.PARTIAL_LINK_TEXT, "renamed"))).click()
        flow.heading("every minute, renamed")
        flow.press("Delete")
        driver.switch_to.alert.accept()
        flow.heading("Jobs")
        flow.wait.until(lambda d: "renamed" not in d.find_element(By.TAG_NAME, "main").text)

        step("an admin sees the Cluster page")
        subprocess.run([BINARY, "admin", "set-role", "operator@example.com", "admin", "--data-dir", DATA_DIR],
                       check=True, capture_output=True)
        deadline = time.time() + 15  # the nodes' account caches hear of the role within a second
        while True:
            flow.press("Sign out")
            flow.field("Email").send_keys("operator@example.com")
            flow.field("Password").send_keys("a-long-password")
            flow.press("Sign in with password")
            flow.heading("Jobs")
            if driver.find_elements(By.LINK_TEXT, "Cluster") or time.time() > deadline:
                break
        flow.click(By.LINK_TEXT, "Cluster")
        flow.heading("Cluster")
        flow.text_present("runs alone")

        step("no script errors and no alert from the hostile name")
        severe = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"
                  and "401" not in entry["message"] and "400" not in entry["message"]]
        assert not severe, severe

        step("the layout holds on a phone-sized screen")
        driver.set_window_size(390, 844)
        for route, heading in (("#/jobs", "Jobs"), ("#/jobs/new", "New job"), ("#/settings", "Settings")):
            flow.go(route)
            flow.heading(heading)
            width = driver.execute_script("return document.documentElement.scrollWidth")
            assert width <= 400, f"{route} is {width}px wide on a 390px screen"
        step("change the password in Settings, sign in with it, then delete the account")
        driver.set_window_size(1280, 900)
        flow.go("#/settings")
        flow.field("Current password").send_keys("a-long-password")
        flow.field("New password (at least 8 characters)").send_keys("another-long-password")
        flow.field("New password again").send_keys("another-long-password")
        flow.press("Change password")
        flow.text_present("Password changed")
        flow.press("Sign out")
        flow.field("Email").send_keys("operator@example.com")
        flow.field("Password").send_keys("another-long-password")
        flow.press("Sign in with password")
        flow.heading("Jobs")
        flow.go("#/settings")
        flow.field("Password").send_keys("another-long-password")
        flow.press("Delete account")
        driver.switch_to.alert.accept()
        flow.heading("Sign in")
        flow.field("Email").send_keys("operator@example.com")
        flow.field("Password").send_keys("another-long-password")
        flow.press("Sign in with password")
        error = flow.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".error"))).text
        assert "Invalid email or password" in error, error
        print("ok: every dashboard flow held", flush=True)
    except Exception as failure:  # report the step and what the page showed
        main_text = ""
        try:
            main_text = driver.find_element(By.TAG_NAME, "main").text[:600]
        except Exception:
            pass
        print(f"FAILED: {type(failure).__name__}: {failure}\npage: {driver.current_url}\n{main_text}", flush=True)
        sys.exit(1)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
