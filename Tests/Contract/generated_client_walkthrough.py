"""The README's walk-through, through a client generated from the served OpenAPI document.

Usage: generated_client_walkthrough.py API_URL CLIENT_DIR TARGET_URL

API_URL is the server's `/api/v1` URL; CLIENT_DIR holds the package that
`openapi-python-client generate` wrote (runhooks_api_client); TARGET_URL answers GET with 200.
No HTTP is written by hand: every call goes through the generated functions and models.
"""
import sys
import time
import uuid

api_url, client_dir, target_url = sys.argv[1:4]
sys.path.insert(0, client_dir)

from runhooks_api_client import AuthenticatedClient, Client  # noqa: E402
from runhooks_api_client.api.account import get_profile, register_anonymous, rotate_api_key  # noqa: E402
from runhooks_api_client.api.alerts import create_alert, list_alerts  # noqa: E402
from runhooks_api_client.api.executions import get_execution, replay_execution  # noqa: E402
from runhooks_api_client.api.jobs import (  # noqa: E402
    create_job, get_job, list_job_executions, list_jobs, trigger_job, update_job)
from runhooks_api_client.api.usage import get_usage  # noqa: E402
from runhooks_api_client import models  # noqa: E402

failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what, flush=True)
    if not condition:
        failures.append(what)


def expect(response, status, what):
    check(response.status_code == status, f"{what}: {response.status_code} (want {status})")
    if response.status_code != status:
        print("      " + response.content.decode(errors="replace")[:500])
    return response.parsed


public = Client(base_url=api_url, raise_on_unexpected_status=True)
registered = expect(
    register_anonymous.sync_detailed(client=public, body=models.AnonymousRequest(name="Walkthrough")), 201,
    "register an anonymous account")
api_key = registered.data.api_key
check(api_key.startswith("rh_live_"), "the API key is shown once")
client = AuthenticatedClient(base_url=api_url, token=api_key, raise_on_unexpected_status=True)

cron = expect(create_job.sync_detailed(client=client, idempotency_key=str(uuid.uuid4()), body=models.JobInput(
    name="Nightly report",
    schedule=models.CronSchedule(type_="cron", expression="0 9 * * MON-FRI", timezone="Europe/London"),
    http_config=models.JobInputHttpConfig(url=target_url, method=models.JobInputHttpConfigMethodType0.GET),
    tags=["reports"],
)), 201, "create a cron job").data
interval = expect(create_job.sync_detailed(client=client, body=models.JobInput(
    name="Heartbeat",
    schedule=models.IntervalSchedule(type_="interval", expression="60000"),
    http_config=models.JobInputHttpConfig(url=target_url, timeout_ms=5000),
    retry_policy=models.JobInputRetryPolicyType0(max_retries=2, initial_delay=1000),
)), 201, "create an interval job").data
check(cron.schedule.timezone == "Europe/London" and interval.schedule.expression == "60000", "both jobs read back as sent")

page = expect(list_jobs.sync_detailed(client=client, tag="reports", status=models.ListJobsStatus.ACTIVE, limit=10), 200,
              "list jobs with filters").data
check([job.id for job in page.data] == [cron.id], "the tag filter finds the cron job only")
check(page.total == 1 and page.total_pages == 1, "the page counts")
by_name = expect(list_jobs.sync_detailed(client=client, name="^heart"), 200, "list jobs by name").data
check([job.id for job in by_name.data] == [interval.id], "the name filter is a case-insensitive regular expression")

got = expect(get_job.sync_detailed(client=client, id=interval.id), 200, "get a job").data
check(got.name == "Heartbeat" and got.next_execution_at is not None, "the job has its next run")
patched = expect(update_job.sync_detailed(client=client, id=interval.id, body=models.JobPatch(
    description="Checks the target every minute", tags=["health"])), 200, "patch a job").data
check(patched.description == "Checks the target every minute" and patched.tags == ["health"], "the patch applied")
paused = expect(update_job.sync_detailed(client=client, id=cron.id, body=models.JobPatch(
    status=models.JobPatchStatusType0.PAUSED)), 200, "pause a job").data
check(paused.status == models.JobStatus.PAUSED, "the job is paused")

def run_to_its_end(execution_id):
    """Reads the requested run's execution until it has ended; it is 404 until the run starts."""
    deadline = time.time() + 60
    while time.time() < deadline:
        response = get_execution.sync_detailed(client=client, id=execution_id)
        if response.status_code == 200 and response.parsed.data.status not in (
                models.ExecutionStatus.PENDING, models.ExecutionStatus.RUNNING):
            return response.parsed.data
        check(response.status_code in (200, 404), f"read the requested run: HTTP {response.status_code}")
        time.sleep(0.5)
    return None


requested = expect(trigger_job.sync_detailed(client=client, id=interval.id, idempotency_key=str(uuid.uuid4())), 202,
                   "trigger a job").data
check(requested.job_id == interval.id and bool(requested.execution_id), "the answer names the run's execution")
run = run_to_its_end(requested.execution_id)
check(run is not None and run.status == models.ExecutionStatus.SUCCESS, "the triggered run succeeded")
check(run is not None and run.http_status_code == 200, "its answer was recorded")
executions = expect(list_job_executions.sync_detailed(client=client, id=interval.id), 200,
                    "list the job's executions").data.data
check([e.id for e in executions][:1] == [requested.execution_id], "the run is the job's newest execution")
if run is not None:
    replay = expect(replay_execution.sync_detailed(client=client, id=run.id), 202, "replay the execution").data
    check(replay.replay_of == run.id, "the replay names the execution it replays")
    replayed = run_to_its_end(replay.execution_id)
    check(replayed is not None and replayed.replay_of == run.id, "the replay ran as a new execution")

alert = expect(create_alert.sync_detailed(client=client, body=models.AlertInputType1(
    name="Ops webhook", channel="webhook", target=target_url, job_id=interval.id, consecutive_failures_threshold=3)),
    201, "create an alert").data
alerts = expect(list_alerts.sync_detailed(client=client), 200, "list alerts").data
check([a.id for a in alerts] == [alert.id], "the alert is listed")

usage = expect(get_usage.sync_detailed(client=client), 200, "usage").data
check(usage.usage.jobs.used == 2, "usage counts the two jobs")

rotated = expect(rotate_api_key.sync_detailed(client=client, idempotency_key=str(uuid.uuid4())), 200, "rotate the key").data
old = AuthenticatedClient(base_url=api_url, token=api_key)
check(get_profile.sync_detailed(client=old).status_code == 401, "the old key is refused")
new = AuthenticatedClient(base_url=api_url, token=rotated.api_key)
expect(get_profile.sync_detailed(client=new), 200, "the new key works")

print(f"{len(failures)} check(s) failed" if failures else "walk-through passed")
sys.exit(1 if failures else 0)
