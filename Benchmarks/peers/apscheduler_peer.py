#!/usr/bin/env python3
"""The peer for the end-to-end benchmarks: APScheduler 3 (AsyncIOScheduler) firing N interval
jobs every second, each an aiohttp POST to a sink, persisting nothing. Like Runhooks it sends
`Runhooks-Scheduled-At` (the run time APScheduler scheduled), so the sink can measure lateness
the same way for both. It holds the load for --duration seconds and prints its own CPU per fire
over the window after --warmup seconds.

    python3 Benchmarks/peers/apscheduler_peer.py --jobs 2000 --url http://127.0.0.1:18999/hit

Needs `pip install 'apscheduler>=3.10,<4' 'aiohttp>=3.9,<4'`.
"""

import argparse
import asyncio
import os
import time
from datetime import timezone

import aiohttp
from apscheduler.events import EVENT_JOB_SUBMITTED
from apscheduler.schedulers.asyncio import AsyncIOScheduler


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--url", required=True)
    parser.add_argument("--duration", type=float, default=25)
    parser.add_argument("--warmup", type=float, default=8)
    arguments = parser.parse_args()

    fires = 0
    connector = aiohttp.TCPConnector(limit=0)
    session = aiohttp.ClientSession(connector=connector)

    # The listener runs when a run is handed to the event loop, before its coroutine starts.
    scheduled_at = {}

    def submitted(event):
        scheduled_at[event.job_id] = event.scheduled_run_times[-1]

    async def fire(index):
        nonlocal fires
        slot = scheduled_at.get(str(index))
        headers = {"X-Job": str(index)}
        if slot is not None:
            headers["Runhooks-Scheduled-At"] = slot.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        async with session.post(arguments.url, data=b"{}", headers=headers) as response:
            await response.read()
        fires += 1

    scheduler = AsyncIOScheduler(job_defaults={"misfire_grace_time": 5, "coalesce": True, "max_instances": 3})
    scheduler.add_listener(submitted, EVENT_JOB_SUBMITTED)
    start = time.time() + 1
    for index in range(arguments.jobs):
        # Spread the jobs over the second, as runhooks-load's jobs are.
        scheduler.add_job(fire, "interval", seconds=1, args=[index], id=str(index),
                          next_run_time=_at(start + index / arguments.jobs))
    scheduler.start()
    await asyncio.sleep(1 + arguments.warmup)
    cpu0, fires0, wall0 = time.process_time(), fires, time.time()
    await asyncio.sleep(arguments.duration - arguments.warmup)
    cpu1, fires1, wall1 = time.process_time(), fires, time.time()
    scheduler.shutdown(wait=False)
    await session.close()
    count = fires1 - fires0
    print(f"apscheduler fires/s {count / (wall1 - wall0):.0f}  cores {(cpu1 - cpu0) / (wall1 - wall0):.2f}  "
          f"CPU per fire {(cpu1 - cpu0) / max(count, 1) * 1e6:.0f} us")


def _at(timestamp):
    from datetime import datetime
    return datetime.fromtimestamp(timestamp).astimezone()


if __name__ == "__main__":
    asyncio.run(main())
