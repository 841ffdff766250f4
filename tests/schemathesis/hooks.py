"""Schemathesis hooks for the Voce collector, loaded by `cargo xtask test` (step "Schemathesis").

`POST /v1/responses` needs a one-time ticket and the Origin it was issued to: the auth provider
below asks `GET /v1/forms/inps-naspi` from INPS's registered demo origin for a fresh ticket for
each generated case. After a response is stored (201) its ticket is offered again to the next
cases (a few times, until one is answered 409 or 200), so that generated bodies meet the replay
rule: 409 for a different body, 200 for the same one. One valid submission, with its own fresh
ticket, is added to the explicit examples, so that a stored response (201) is among the answers
whatever the body schema lets the generator reach. `GET /v1/forms/{service_id}` is asked from the
same registered origin, for a pilot service in about half of the cases; `GET /widget/v1/{file}`
asks for the loader in about half of the cases. The operator routes (`GET /v1/responses`,
`/v1/exports/responses.csv`, `/v1/audit`) get the national operator token that xtask issued
(VOCE_SCHEMATHESIS_OPERATOR_TOKEN). Every answer's status is
appended to the file named by VOCE_SCHEMATHESIS_STATUSES as `METHOD PATH STATUS`; xtask counts
them and checks that 201, 422 and 409 are among those of `POST /v1/responses`.
"""

import json
import os
import threading
import urllib.request

import schemathesis
from schemathesis.auths import GLOBAL_AUTH_STORAGE, AuthContext

COLLECTOR = os.environ["VOCE_SCHEMATHESIS_COLLECTOR"].rstrip("/")
STATUSES = os.environ["VOCE_SCHEMATHESIS_STATUSES"]
# A service of the pilot registry (examples/registry/pilot.toml) and an origin its body allows.
SERVICE = "inps-naspi"
ORIGIN = "http://127.0.0.1:8101"
SUBMIT = ("POST", "/v1/responses")
FORMS = "/v1/forms/{service_id}"
ASSETS = "/widget/v1/{file}"
# A submission the facilita-servizio questionnaire of inps-naspi accepts.
VALID_SUBMISSION = {
    "answers": {"valutazione": 4, "aspetti-positivi": "indicazioni-chiare"},
    "locale": "it",
}
# How many later cases a stored ticket is offered to, at most.
REPLAY_TRIES = 5

_lock = threading.Lock()
_replay = {}  # ticket of a stored response -> cases it may still be offered to


def is_submit(operation):
    return (operation.method.upper(), operation.path) == SUBMIT


def fresh_ticket():
    request = urllib.request.Request(
        f"{COLLECTOR}/v1/forms/{SERVICE}?locale=it", headers={"Origin": ORIGIN}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["ticket"]


def ticket_of(case):
    authorization = (case.headers or {}).get("Authorization", "")
    return authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else None


@schemathesis.auth(refresh_interval=None).apply_to(method="POST", path="/v1/responses")
class Ticket:
    """A fresh ticket for each case, or the ticket of a stored response to replay."""

    def get(self, case, context):
        with _lock:
            for ticket in _replay:
                return ticket
        return fresh_ticket()

    def set(self, case, data, context):
        headers = dict(case.headers or {})
        headers["Authorization"] = f"Bearer {data}"
        headers["Origin"] = ORIGIN
        case.headers = headers


# A national operator token from `voce-collector token issue`, for the operator routes.
OPERATOR_TOKEN = os.environ["VOCE_SCHEMATHESIS_OPERATOR_TOKEN"]


@(
    schemathesis.auth(refresh_interval=None)
    .apply_to(method="GET", path="/v1/responses")
    .apply_to(method="GET", path="/v1/exports/responses.csv")
    .apply_to(method="GET", path="/v1/audit")
)
class OperatorToken:
    """The national operator token, on every case of the operator routes."""

    def get(self, case, context):
        return OPERATOR_TOKEN

    def set(self, case, data, context):
        headers = dict(case.headers or {})
        headers["Authorization"] = f"Bearer {data}"
        case.headers = headers


@schemathesis.hook
def before_add_examples(context, examples):
    if context.operation is not None and is_submit(context.operation):
        case = context.operation.Case(body=VALID_SUBMISSION, media_type="application/json")
        # Through the auth provider, so that Schemathesis knows the ticket is a real one.
        GLOBAL_AUTH_STORAGE.set(case, AuthContext(operation=context.operation, app=None))
        examples.append(case)


@schemathesis.hook
def map_headers(context, headers):
    if context.operation is not None and context.operation.path == FORMS:
        headers = dict(headers or {})
        headers["Origin"] = ORIGIN
    return headers


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    # About half of the cases name something that exists: a pilot service, the widget's loader.
    if context.operation is None or not path_parameters:
        return path_parameters
    for path, name, existing in ((FORMS, "service_id", SERVICE), (ASSETS, "file", "voce.js")):
        if context.operation.path == path and len(str(path_parameters.get(name, ""))) % 2 == 0:
            return {**path_parameters, name: existing}
    return path_parameters


@schemathesis.hook
def after_call(context, case, response):
    # The method sent (a check may send another than the operation's, such as TRACE).
    method, path = case.method.upper(), case.operation.path
    status = response.status_code
    with _lock:
        with open(STATUSES, "a", encoding="utf-8") as out:
            out.write(f"{method} {path} {status}\n")
        if (method, path) != SUBMIT:
            return
        ticket = ticket_of(case)
        if status == 201 and ticket is not None:
            _replay[ticket] = REPLAY_TRIES
        elif ticket in _replay:
            _replay[ticket] -= 1
            if status in (200, 409) or _replay[ticket] <= 0:
                del _replay[ticket]
