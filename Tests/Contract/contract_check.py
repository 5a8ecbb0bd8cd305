"""The API contract, checked by independent tools against a live server.

Usage: contract_check.py ORIGIN RUNHOOKS_BINARY DATA_DIR WORK_DIR [SEED]

1. schemathesis with every check, the stateful phase included, against ORIGIN/api/v1/openapi.json:
   0 failures, 0 errors, at least 2,000 generated cases. It signs in as a full account (a JWT,
   which survives the key rotations it makes) on the growth plan, so plan limits do not stop it.
2. openapi-python-client generates a client from the served document, and
   generated_client_walkthrough.py runs the README's walk-through with it.
"""
import json
import os
import re
import subprocess
import sys
import urllib.request

origin, binary, data_dir, work_dir = sys.argv[1:5]
seed = sys.argv[5] if len(sys.argv) > 5 else "20261130"
api = origin + "/api/v1"
bin_dir = os.path.dirname(sys.executable)
here = os.path.dirname(os.path.abspath(__file__))
os.makedirs(work_dir, exist_ok=True)


def post(path, body):
    request = urllib.request.Request(api + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


registered = post("/auth/register", {"email": "contract@example.com", "password": "contract-check-1", "name": "Contract"})
token = registered["data"]["tokens"]["accessToken"]
subprocess.run([binary, "admin", "set-plan", "contract@example.com", "growth", "--data-dir", data_dir], check=True,
               stdout=subprocess.DEVNULL)

# 1. schemathesis, every check. One worker: with two, scenarios run at once, and when two of
# them send the same generated Idempotency-Key with the same alert, one gets the other's
# creation replayed and may delete it while the other still uses it (a 404 that is the key's
# meaning, not a fault).
st = subprocess.run(
    [os.path.join(bin_dir, "st"), "run", api + "/openapi.json", "--checks", "all", "--seed", seed,
     "--workers", "1", "--generation-database", "none", "--request-timeout", "30",
     "-H", f"Authorization: Bearer {token}"],
    cwd=work_dir, capture_output=True, text=True)
report = st.stdout + st.stderr
print(report[-6000:])
generated = re.search(r"(\d+) generated", report)
cases = int(generated.group(1)) if generated else 0
failed = []
if st.returncode != 0:
    failed.append(f"schemathesis exited with {st.returncode}")
if cases < 2000:
    failed.append(f"schemathesis generated {cases} cases (fewer than 2,000)")
if "Stateful" not in report:
    failed.append("schemathesis did not run its stateful phase")

# 2. A generated client runs the walk-through.
with urllib.request.urlopen(api + "/openapi.json", timeout=30) as response:
    document = response.read()
with open(os.path.join(work_dir, "openapi.json"), "wb") as file:
    file.write(document)
generate = subprocess.run(
    [os.path.join(bin_dir, "openapi-python-client"), "generate", "--path", "openapi.json", "--output-path", "client",
     "--overwrite"], cwd=work_dir, capture_output=True, text=True)
if not os.path.isdir(os.path.join(work_dir, "client", "runhooks_api_client")):
    failed.append("openapi-python-client did not generate a client:\n" + generate.stdout + generate.stderr)
else:
    walk = subprocess.run(
        [sys.executable, os.path.join(here, "generated_client_walkthrough.py"), api,
         os.path.join(work_dir, "client"), api + "/health"], capture_output=True, text=True)
    print(walk.stdout + walk.stderr)
    if walk.returncode != 0:
        failed.append("the walk-through with the generated client failed")

print("\n".join(failed) if failed else f"contract holds: {cases} schemathesis cases, generated client walk-through")
sys.exit(1 if failed else 0)
